/**
 * Applies one table's change between two source points to its PostgreSQL table, inside the
 * caller's transaction: deleted keys are deleted, new and updated rows are upserted by primary
 * key (COPY into a temporary table, then one INSERT … ON CONFLICT DO UPDATE). Rows are matched by
 * the primary key PostgreSQL has, which the migration created from CockroachDB's.
 */
import type pg from 'pg';
import { LoadError } from '../util/errors.js';
import { quoteIdent, quoteQualified } from '../util/sql-quote.js';
import { copyRowsInto } from './copy-table.js';
import { CANONICAL_SESSION_SQL, checkServerHash, RESET_CANONICAL_SESSION_SQL, sqlRowHash } from './row-hash.js';
import type { Fingerprint, LoadRow, TableLoadPlan } from './types.js';

export interface AppliedChanges {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  readonly bytes: number;
}

let tempCounter = 0;

/** A temporary table with the given columns of `target` (types only, no constraints), dropped at commit. */
async function tempTableOf(client: pg.ClientBase, target: string, columns: readonly string[]): Promise<string> {
  const name = quoteIdent(`cm_sync_${process.pid}_${++tempCounter}`);
  await client.query(
    `CREATE TEMP TABLE ${name} ON COMMIT DROP AS SELECT ${columns.map(quoteIdent).join(', ')} FROM ${target} WITH NO DATA`,
  );
  return name;
}

/**
 * A temporary table holding the key columns `keys` of `rows` (the rest ignored), and the join
 * condition between the target (alias `t`) and it (alias `d`): how deletions and the fingerprint
 * of changed keys find their rows.
 */
async function keysTempTable(
  client: pg.ClientBase,
  plan: TableLoadPlan,
  target: string,
  keys: readonly string[],
  rows: readonly LoadRow[],
): Promise<{ tmp: string; on: string }> {
  const keyPlan: TableLoadPlan = { ...plan, columns: keys.map((k) => plan.columns.find((c) => c.pgName === k)!) };
  const pos = keys.map((k) => plan.columns.findIndex((c) => c.pgName === k));
  const tmp = await tempTableOf(client, target, keys);
  await copyRowsInto(
    client,
    keyPlan,
    tmp,
    rows.map((r) => ({ key: r.key, values: pos.map((i) => r.values[i] ?? null) })),
  );
  return { tmp, on: keys.map((k) => `t.${quoteIdent(k)} = d.${quoteIdent(k)}`).join(' AND ') };
}

/** Deletes the rows whose primary key is among `deletes` (key columns set, the rest ignored). */
async function deleteRows(
  client: pg.ClientBase,
  plan: TableLoadPlan,
  target: string,
  keys: readonly string[],
  deletes: readonly LoadRow[],
): Promise<number> {
  if (deletes.length === 0) return 0;
  const { tmp, on } = await keysTempTable(client, plan, target, keys, deletes);
  const r = await client.query(`DELETE FROM ${target} AS t USING ${tmp} AS d WHERE ${on}`);
  await client.query(`DROP TABLE ${tmp}`);
  return r.rowCount ?? 0;
}

/**
 * PostgreSQL's fingerprint (load/row-hash.ts) of the target rows whose primary key is among
 * `keys` (key columns set, the rest ignored), before a sync changes them: what those keys
 * contributed to the fingerprint the target was verified with at the recorded point.
 */
export async function keysFingerprint(client: pg.ClientBase, plan: TableLoadPlan, keys: readonly LoadRow[]): Promise<Fingerprint> {
  const keyCols = plan.keyColumns;
  if (!keyCols || keyCols.length === 0 || keys.length === 0) return { rows: 0n, sum: 0n };
  const target = quoteQualified(plan.pgSchema, plan.pgTable);
  const { tmp, on } = await keysTempTable(client, plan, target, keyCols, keys);
  await client.query(CANONICAL_SESSION_SQL);
  await checkServerHash(client);
  // Qualified by the alias: the row-hash expression names bare columns, which are t's here.
  const r = await client.query<{ n: string; s: string }>(
    `SELECT count(*)::text AS n, coalesce(sum(${sqlRowHash(plan.columns)}), 0)::text AS s FROM ${target} AS t WHERE EXISTS (SELECT 1 FROM ${tmp} AS d WHERE ${on})`,
  );
  await client.query(RESET_CANONICAL_SESSION_SQL);
  await client.query(`DROP TABLE ${tmp}`);
  return { rows: BigInt(r.rows[0]!.n), sum: BigInt(r.rows[0]!.s) };
}

/** Upserts `rows`; returns how many were inserted and how many updated an existing row. */
async function upsertRows(
  client: pg.ClientBase,
  plan: TableLoadPlan,
  target: string,
  keys: readonly string[],
  rows: readonly LoadRow[],
): Promise<{ inserted: number; updated: number; bytes: number }> {
  if (rows.length === 0) return { inserted: 0, updated: 0, bytes: 0 };
  const cols = plan.columns.map((c) => c.pgName);
  const tmp = await tempTableOf(client, target, cols);
  const bytes = await copyRowsInto(client, plan, tmp, rows);
  const list = cols.map(quoteIdent).join(', ');
  const rest = cols.filter((c) => !keys.includes(c));
  const action =
    rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}` : 'DO NOTHING';
  // xmax = 0 on the returned row version: it was inserted, not updated.
  const r = await client.query<{ inserted: string; updated: string }>(
    `WITH u AS (INSERT INTO ${target} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${tmp}
       ON CONFLICT (${keys.map(quoteIdent).join(', ')}) ${action} RETURNING (xmax = 0) AS ins)
     SELECT count(*) FILTER (WHERE ins)::text AS inserted, count(*) FILTER (WHERE NOT ins)::text AS updated FROM u`,
  );
  await client.query(`DROP TABLE ${tmp}`);
  return { inserted: Number(r.rows[0]!.inserted), updated: Number(r.rows[0]!.updated), bytes };
}

/** Applies deletions, then upserts (a key deleted and written again arrives as its newest state only). */
export async function applyTableChanges(
  client: pg.ClientBase,
  plan: TableLoadPlan,
  upserts: readonly LoadRow[],
  deletes: readonly LoadRow[],
): Promise<AppliedChanges> {
  const keys = plan.keyColumns;
  if (!keys || keys.length === 0) {
    throw new LoadError(
      `${plan.id}: cannot sync a table without a primary key in PostgreSQL`,
      'migrate this table in full (--if-exists drop) instead',
    );
  }
  const target = quoteQualified(plan.pgSchema, plan.pgTable);
  const deleted = await deleteRows(client, plan, target, keys, deletes);
  const up = await upsertRows(client, plan, target, keys, upserts);
  return { inserted: up.inserted, updated: up.updated, deleted, bytes: up.bytes };
}
