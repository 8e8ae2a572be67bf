/**
 * Which of the tables a load would fill already exist in the target (the input of `--if-exists`,
 * applied by pipeline/if-exists.ts). A table with a resume checkpoint (an interrupted earlier run
 * of this tool) is not "existing": it is resumed.
 */
import type pg from 'pg';
import { STATE_SCHEMA } from './state-schema.js';

export type IfExistsPolicy = 'error' | 'drop' | 'truncate' | 'skip';

/** A target table, and the id its resume checkpoint would have. */
export interface TargetTableRef {
  readonly id: string;
  readonly pgSchema: string;
  readonly pgTable: string;
}

export interface ExistingTable<T extends TargetTableRef = TargetTableRef> {
  readonly plan: T;
  /** PostgreSQL's estimate (pg_class.reltuples; -1 or 0 when never analyzed). */
  readonly estimatedRows: number;
}

/** `schema.table (~N rows)` for messages. */
export const describeExisting = (e: ExistingTable): string =>
  `${e.plan.pgSchema}.${e.plan.pgTable}${e.estimatedRows > 0 ? ` (~${Math.round(e.estimatedRows)} rows)` : ''}`;

/** Relations (tables, partitioned tables, views, materialized views, foreign tables) that exist in the target and have no resume checkpoint. */
export async function findExistingTables<T extends TargetTableRef>(
  client: pg.ClientBase,
  plans: readonly T[],
): Promise<ExistingTable<T>[]> {
  if (plans.length === 0) return [];
  const r = await client.query<{ s: string; t: string; n: number }>(
    `SELECT n.nspname AS s, c.relname AS t, c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f') AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [plans.map((p) => p.pgSchema), plans.map((p) => p.pgTable)],
  );
  const found = new Map(r.rows.map((row) => [`${row.s}\u0000${row.t}`, row.n]));
  const inProgress = new Set<string>();
  // A table loaded in parts has its split recorded in load_parts (its chunks are per part).
  for (const stateTable of ['load_state', 'load_parts']) {
    const st = await client.query<{ ok: string | null }>(`SELECT to_regclass('${STATE_SCHEMA}.${stateTable}')::text AS ok`);
    if (!st.rows[0]?.ok) continue;
    const ids = await client.query<{ table_id: string }>(
      `SELECT table_id FROM ${STATE_SCHEMA}.${stateTable} WHERE table_id = ANY($1::text[])`,
      [plans.map((p) => p.id)],
    );
    for (const row of ids.rows) inProgress.add(row.table_id);
  }
  return plans
    .filter((p) => found.has(`${p.pgSchema}\u0000${p.pgTable}`) && !inProgress.has(p.id))
    .map((p) => ({ plan: p, estimatedRows: found.get(`${p.pgSchema}\u0000${p.pgTable}`)! }));
}

/** A type or sequence the migration creates, found already in the target. */
export interface ExistingObject {
  readonly kind: 'type' | 'sequence';
  readonly pgSchema: string;
  readonly pgName: string;
}

/** `type public."Role"` for messages. */
export const describeExistingObject = (o: ExistingObject): string => `${o.kind} ${o.pgSchema}.${o.pgName}`;

/**
 * Types (enums, composites, domains; not the row types of tables) and sequences the migration
 * would create that exist in the target: CREATE TYPE / CREATE SEQUENCE would fail on them.
 */
export async function findExistingObjects(
  client: pg.ClientBase,
  wanted: { readonly types: readonly { schema: string; name: string }[]; readonly sequences: readonly { schema: string; name: string }[] },
): Promise<ExistingObject[]> {
  const out: ExistingObject[] = [];
  if (wanted.types.length > 0) {
    const r = await client.query<{ s: string; t: string }>(
      `SELECT n.nspname AS s, t.typname AS t FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE (c.oid IS NULL OR c.relkind = 'c') AND (n.nspname, t.typname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [wanted.types.map((x) => x.schema), wanted.types.map((x) => x.name)],
    );
    for (const row of r.rows) out.push({ kind: 'type', pgSchema: row.s, pgName: row.t });
  }
  if (wanted.sequences.length > 0) {
    const r = await client.query<{ s: string; t: string }>(
      `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [wanted.sequences.map((x) => x.schema), wanted.sequences.map((x) => x.name)],
    );
    for (const row of r.rows) out.push({ kind: 'sequence', pgSchema: row.s, pgName: row.t });
  }
  return out;
}
