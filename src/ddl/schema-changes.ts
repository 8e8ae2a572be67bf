/**
 * Decisions for the schema changes in flight in a descriptor (catalog `Table.schemaChanges`). The
 * migration carries the public schema as of the backup; each change in flight is named with what
 * was done and why. What is right for the data, per kind (crdb: structured.proto, DescriptorMutation
 * states): a column being added holds values only in rows written since DELETE_AND_WRITE_ONLY and
 * those the backfill reached, so it is left out; a column being dropped was already invisible to
 * queries; indexes in flight are not created; checks and foreign keys being added that CockroachDB
 * already enforced for writes stay NOT VALID; a primary-key swap keeps the old key, under which the
 * rows are stored.
 */
import type { SchemaChangeInFlight, Table } from '../model/catalog.js';
import { crdbName } from './convert-context.js';
import type { DecisionLog } from './decision.js';

const STATEMENT: Record<SchemaChangeInFlight['kind'], [add: string, drop: string]> = {
  column: ['ADD COLUMN', 'DROP COLUMN'],
  index: ['CREATE INDEX', 'DROP INDEX'],
  check: ['ADD CONSTRAINT … CHECK', 'DROP CONSTRAINT'],
  'foreign-key': ['ADD CONSTRAINT … FOREIGN KEY', 'DROP CONSTRAINT'],
  'not-null': ['SET NOT NULL', 'DROP NOT NULL'],
  'unique-without-index': ['ADD CONSTRAINT … UNIQUE WITHOUT INDEX', 'DROP CONSTRAINT'],
  'primary-key-swap': ['ALTER PRIMARY KEY', 'ALTER PRIMARY KEY'],
  'computed-column-swap': ['ALTER COLUMN TYPE', 'ALTER COLUMN TYPE'],
  'materialized-view-refresh': ['REFRESH MATERIALIZED VIEW', 'REFRESH MATERIALIZED VIEW'],
  'row-level-ttl': ['row-level TTL change', 'row-level TTL change'],
  unknown: ['schema change', 'schema change'],
};

/** Logs one decision per schema change in flight of `t`. */
export function reportSchemaChanges(log: DecisionLog, t: Table): void {
  const tn = crdbName(t);
  for (const c of t.schemaChanges ?? []) {
    const stmt = STATEMENT[c.kind][c.direction === 'drop' ? 1 : 0];
    const inFlight = `${stmt} in progress, state ${c.state}${c.rollback ? ', rolling back a failed schema change' : ''}`;
    const adding = c.direction !== 'drop';
    const cols = c.columns?.length ? ` (${c.columns.join(', ')})` : '';
    switch (c.kind) {
      case 'column':
        if (adding)
          log.notConvertible(
            `column ${tn}.${c.name}`,
            `not migrated: the column was being added (${inFlight})`,
            c.state === 'DELETE_ONLY'
              ? 'no row holds a value for it yet'
              : 'its values are incomplete: only rows written since the change began and rows the backfill reached hold one, and the backup does not say whether the backfill finished',
            'add the column in PostgreSQL after the migration if the change is still wanted',
          );
        else
          log.notConvertible(
            `column ${tn}.${c.name}`,
            `not migrated: the column was being dropped (${inFlight})`,
            'CockroachDB no longer returned it to queries; values still in the rows are skipped',
          );
        break;
      case 'index':
        reportIndexInFlight(log, tn, c, inFlight, adding, cols);
        break;
      case 'check':
      case 'foreign-key':
      case 'unique-without-index':
        reportConstraintInFlight(log, t, tn, c, inFlight, adding);
        break;
      case 'not-null':
        log.notConvertible(
          `column ${tn}.${c.name}`,
          `NOT NULL ${adding ? 'not added' : 'left as the descriptor had it'} (${inFlight})`,
          adding ? 'existing rows were not validated; the column stays nullable' : 'the change had not finished',
          adding ? 'run ALTER TABLE … ALTER COLUMN … SET NOT NULL after the migration if still wanted' : undefined,
        );
        break;
      case 'primary-key-swap':
        log.notConvertible(
          `primary key ${tn}`,
          `the old primary key (${c.previousColumns?.join(', ') ?? '?'}) was used: a swap to (${c.columns?.join(', ') ?? '?'}) was in progress (${inFlight})`,
          'rows are stored under the old key until the swap completes',
          'change the primary key in PostgreSQL after the migration if the change is still wanted',
        );
        break;
      case 'computed-column-swap':
        log.notConvertible(
          `column ${tn}.${c.name}`,
          `kept with its old type and values (${inFlight})`,
          'the column with the new type was not yet public',
        );
        break;
      case 'materialized-view-refresh':
        log.notConvertible(
          `materialized view ${tn}`,
          `refresh in flight ignored (${inFlight})`,
          'the view is recomputed from the migrated tables',
        );
        break;
      case 'row-level-ttl':
        log.notConvertible(`table ${tn}`, `row-level TTL change in flight ignored (${inFlight})`, 'PostgreSQL has no row-level TTL');
        break;
      case 'unknown':
        log.notConvertible(
          `table ${tn}`,
          `a schema change of a kind this tool does not know was in flight (${inFlight}); the public schema was used`,
          'newer CockroachDB mutation kind',
        );
        break;
      default: {
        const never: never = c.kind;
        throw new Error(`unhandled schema change kind ${String(never)}`);
      }
    }
  }
}

// The index and constraint kinds each have several outcomes (index roles, NOT VALID or not), so
// they get their own steps; the switch in reportSchemaChanges stays one screen.

/** The decision for an index in flight: temporary, primary-key swap halves, or a plain add/drop. */
function reportIndexInFlight(log: DecisionLog, tn: string, c: SchemaChangeInFlight, inFlight: string, adding: boolean, cols: string): void {
  const obj = `index ${tn}@${c.name}${cols}`;
  if (c.role === 'temporary-index')
    log.notConvertible(
      obj,
      `not created: temporary index of an index backfill (${inFlight})`,
      'CockroachDB uses it only while building another index',
    );
  else if (c.role === 'new-primary-index')
    log.notConvertible(
      obj,
      `not created: the new primary index of an ALTER PRIMARY KEY (${inFlight})`,
      'the swap had not happened; the old primary key is used',
    );
  else if (c.role === 'old-primary-index')
    log.notConvertible(
      obj,
      `not created: the old primary index left by a finished ALTER PRIMARY KEY was being dropped (${inFlight})`,
      'the new primary key is in force',
    );
  else if (adding)
    log.notConvertible(
      obj,
      `not created: the index was being added (${inFlight})`,
      'it was not yet public (its backfill may not have finished)',
      'create it in PostgreSQL after the migration if the change is still wanted',
    );
  else log.notConvertible(obj, `not created: the index was being dropped (${inFlight})`, 'it was no longer used by CockroachDB');
}

/** The decision for a check, foreign key or UNIQUE WITHOUT INDEX in flight: NOT VALID when CockroachDB already enforced it. */
function reportConstraintInFlight(
  log: DecisionLog,
  t: Table,
  tn: string,
  c: SchemaChangeInFlight,
  inFlight: string,
  adding: boolean,
): void {
  const obj = `${c.kind === 'check' ? 'check' : 'constraint'} ${tn}.${c.name}`;
  const listed =
    c.kind === 'check'
      ? t.checks.some((x) => x.name === c.name)
      : c.kind === 'foreign-key'
        ? t.foreignKeys.some((x) => x.name === c.name)
        : t.uniqueWithoutIndex.some((x) => x.name === c.name);
  if (!adding)
    log.notConvertible(obj, `not created: the constraint was being dropped (${inFlight})`, 'it was no longer enforced to its end');
  else if (listed && c.kind !== 'unique-without-index')
    log.notConvertible(
      obj,
      `created NOT VALID: the constraint was being added (${inFlight})`,
      'CockroachDB enforced it for new writes but had not validated the existing rows; NOT VALID means the same in PostgreSQL',
      `run ALTER TABLE … VALIDATE CONSTRAINT ${c.name} once the rows are checked`,
    );
  else
    log.notConvertible(
      obj,
      `not created: the constraint was being added (${inFlight})`,
      'it was not yet enforced, and existing rows were not validated',
      'add it in PostgreSQL after the migration if the change is still wanted',
    );
}
