/**
 * Every kind of schema change in flight gets its own decision, naming the object, the change, its
 * state and what was done (the real v20.2 backups in test/real-backups.test.ts cover columns,
 * indexes, checks and primary-key swaps; the other kinds are built here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column, SchemaChangeInFlight, Table } from '../model/catalog.js';
import { sqlType } from '../model/sql-type.js';
import { DecisionLog } from './decision.js';
import { reportSchemaChanges } from './schema-changes.js';

const INT8 = sqlType('int', { oid: 20, width: 64 });
const a: Column = {
  id: 1,
  name: 'a',
  type: INT8,
  nullable: false,
  hidden: false,
  inaccessible: false,
  usesSequenceIds: [],
  ownsSequenceIds: [],
};
const change = (c: Partial<SchemaChangeInFlight> & Pick<SchemaChangeInFlight, 'kind' | 'name'>): SchemaChangeInFlight => ({
  direction: 'add',
  state: 'DELETE_AND_WRITE_ONLY',
  rollback: false,
  ...c,
});

test('each schema change in flight is one not-convertible decision saying what was done', () => {
  const changes: SchemaChangeInFlight[] = [
    change({ kind: 'column', name: 'b', state: 'DELETE_ONLY' }),
    change({ kind: 'column', name: 'c', direction: 'drop', rollback: true }),
    change({ kind: 'index', name: 'i_tmp', role: 'temporary-index', columns: ['a'], state: 'MERGING' }),
    change({ kind: 'index', name: 'gone', direction: 'drop', columns: ['a'], state: 'DELETE_ONLY' }),
    change({ kind: 'foreign-key', name: 'fk_listed' }),
    change({ kind: 'foreign-key', name: 'fk_dropping', direction: 'drop' }),
    change({ kind: 'not-null', name: 'a' }),
    change({ kind: 'unique-without-index', name: 'u' }),
    change({ kind: 'computed-column-swap', name: 'a' }),
    change({ kind: 'materialized-view-refresh', name: 't' }),
    change({ kind: 'row-level-ttl', name: 't' }),
    change({ kind: 'unknown', name: 't', state: '7' }),
  ];
  const t: Table = {
    kind: 'table',
    id: 52,
    database: 'db',
    schema: 'public',
    name: 't',
    columns: [a],
    primaryIndex: {
      id: 1,
      name: 't_pkey',
      unique: true,
      keyColumns: [{ columnId: 1, name: 'a', direction: 'asc' }],
      storeColumnIds: [],
      keySuffixColumnIds: [],
      compositeColumnIds: [],
      kind: 'forward',
      invisible: false,
    },
    indexes: [],
    families: [],
    checks: [],
    uniqueWithoutIndex: [],
    storageParams: [],
    dataExcluded: false,
    foreignKeys: [
      {
        name: 'fk_listed',
        columnIds: [1],
        referencedTableId: 53,
        referencedColumnIds: [1],
        onDelete: 'no action',
        onUpdate: 'no action',
        match: 'simple',
        validated: false,
      },
    ],
    schemaChanges: changes,
  };
  const log = new DecisionLog();
  reportSchemaChanges(log, t);
  const lines = log.entries.map((d) => `${d.kind} ${d.object}: ${d.what} — ${d.why}`);
  assert.equal(lines.length, changes.length, lines.join('\n'));
  assert.ok(log.entries.every((d) => d.kind === 'not-convertible'));
  const expected = [
    /column db\.public\.t\.b: not migrated: the column was being added \(ADD COLUMN in progress, state DELETE_ONLY\) — no row holds a value/,
    /column db\.public\.t\.c: not migrated: the column was being dropped \(DROP COLUMN in progress, state DELETE_AND_WRITE_ONLY, rolling back a failed schema change\)/,
    /index db\.public\.t@i_tmp \(a\): not created: temporary index of an index backfill \(CREATE INDEX in progress, state MERGING\)/,
    /index db\.public\.t@gone \(a\): not created: the index was being dropped/,
    /constraint db\.public\.t\.fk_listed: created NOT VALID: the constraint was being added/,
    /constraint db\.public\.t\.fk_dropping: not created: the constraint was being dropped/,
    /column db\.public\.t\.a: NOT NULL not added \(SET NOT NULL in progress/,
    /constraint db\.public\.t\.u: not created: the constraint was being added/,
    /column db\.public\.t\.a: kept with its old type and values \(ALTER COLUMN TYPE in progress/,
    /materialized view db\.public\.t: refresh in flight ignored/,
    /table db\.public\.t: row-level TTL change in flight ignored/,
    /table db\.public\.t: a schema change of a kind this tool does not know was in flight \(schema change in progress, state 7\)/,
  ];
  expected.forEach((re, i) => assert.match(lines[i]!, re));
});
