/*
 * A table the run did not create (kept by if_exists truncate/skip, or altered by hand) may have
 * other column types than the converter named. Loading and verifying it must neither send COPY
 * BINARY for the converter's types (PostgreSQL would read the bytes as its own type) nor call a
 * type's hash function on a column of another type (an SQL error): such columns are sent as text
 * and hashed by their output text, on both sides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { verifyTable } from '../verify/verify-table.js';
import { copyTable } from './copy-table.js';
import { ensureLoadState } from './load-state.js';
import { withTargetTypes } from './target-columns.js';
import type { LoadRow, TableLoadPlan } from './types.js';
import { rowsPlan } from './testing/rows-plan.js';

const columns: TableLoadPlan['columns'] = [
  { pgName: 'id', type: sqlType('int', { width: 64 }), pgType: 'bigint' },
  { pgName: 'u', type: sqlType('uuid'), pgType: 'uuid' },
  { pgName: 'ts', type: sqlType('timestamptz'), pgType: 'timestamptz' },
  { pgName: 'f', type: sqlType('float', { width: 64 }), pgType: 'double precision' },
  { pgName: 's', type: sqlType('string', { oid: 25 }), pgType: 'text' },
  // No binary form, and a type name to_regtype would refuse: left as it is.
  { pgName: 'c', type: sqlType('collatedstring', { locale: 'C' }), pgType: 'text COLLATE "C"' },
];
const key = (i: number): Uint8Array => Uint8Array.of(0, 0, 0, i);
const rows: LoadRow[] = Array.from({ length: 20 }, (_, i) => ({
  key: key(i + 1),
  values: [
    { kind: 'int', value: BigInt(i + 1) },
    { kind: 'uuid', value: Uint8Array.from({ length: 16 }, (_, k) => (i * 16 + k) & 0xff) },
    { kind: 'timestamptz', seconds: 1_700_000_000n + BigInt(i), nanos: i * 1000 },
    { kind: 'float', value: i / 8 },
    { kind: 'string', value: `row ${i}`, raw: Buffer.from(`row ${i}`) },
    { kind: 'string', value: `é ${i}`, raw: Buffer.from(`é ${i}`) },
  ] satisfies Datum[],
}));

const planOf = (table: string): TableLoadPlan => rowsPlan(table, rows, columns);

test('a table whose column types differ from the converter’s is loaded as text and verified by text, both ways equal', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'tgttypes');
  await ensureLoadState(client);
  // The converter's types, and a user's own that hold the same values: integer for INT8, text for
  // UUID and TIMESTAMPTZ, numeric for FLOAT, varchar(20) for STRING.
  await client.query('CREATE TABLE same (id bigint PRIMARY KEY, u uuid, ts timestamptz, f double precision, s text, c text COLLATE "C")');
  await client.query('CREATE TABLE own (id integer PRIMARY KEY, u text, ts text, f numeric, s varchar(20), c text COLLATE "C")');

  const same = await withTargetTypes(client, planOf('same'));
  assert.equal(same.columns, columns, 'matching types: the columns as planned');
  const own = await withTargetTypes(client, planOf('own'));
  assert.deepEqual(
    own.columns.map((c) => c.pgType ?? null),
    [null, null, null, null, null, 'text COLLATE "C"'],
    'every differing column loses its converted type (varchar is another type than text); a text-only column keeps it',
  );

  for (const table of ['same', 'own']) {
    await client.query("SET TimeZone = 'UTC'");
    const loaded = await copyTable(client, planOf(table), { chunkSize: 7 });
    assert.equal(loaded.rows, rows.length, `${table}: every row loaded`);
    const v = await verifyTable(client, planOf(table), loaded.source);
    assert.equal(v.match, true, `${table}: verified (${v.differingKeys.join('; ')})`);
    assert.equal((await verifyTable(client, planOf(table))).match, true, `${table}: verified from a fresh read of the source`);
  }
  const stored = await client.query<{ u: string; ts: string; f: string }>('SELECT u, ts, f::text AS f FROM own WHERE id = 4');
  assert.deepEqual(stored.rows[0], { u: '30313233-3435-3637-3839-3a3b3c3d3e3f', ts: '2023-11-14 22:13:23.000003+00', f: '0.375' });

  // A changed value in the user's table is still found.
  await client.query("UPDATE own SET u = 'changed' WHERE id = 5");
  const v = await verifyTable(client, planOf('own'));
  assert.equal(v.match, false);
  assert.deepEqual(v.differingKeys, ['5 (differs)']);
});
