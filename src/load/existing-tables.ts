/**
 * What to do when the target already has tables this load would fill (`--if-exists`):
 * - `error` (default): refuse, naming the tables and the options;
 * - `drop`: drop them (the caller then creates them again from the converted schema);
 * - `truncate`: empty them (in one statement, so references among them are fine; a table outside
 *   the load that references one of them makes PostgreSQL refuse, and that error is reported);
 * - `skip`: leave them and load only the others.
 * A table with a resume checkpoint (an interrupted earlier run of this tool) is not "existing": it is
 * resumed in every mode.
 */
import type pg from 'pg';
import { quoteQualified } from '../ddl/quote.js';
import { STATE_SCHEMA } from '../pipeline/ddl-steps.js';
import { LoadError } from '../util/errors.js';
import type { TableLoadPlan } from './types.js';

export type IfExistsPolicy = 'error' | 'drop' | 'truncate' | 'skip';

export interface ExistingTable {
  readonly plan: TableLoadPlan;
  /** PostgreSQL's estimate (pg_class.reltuples; -1 or 0 when never analyzed). */
  readonly estimatedRows: number;
}

/** Plans whose target table exists and that have no resume checkpoint. */
export async function findExistingTables(client: pg.ClientBase, plans: readonly TableLoadPlan[]): Promise<ExistingTable[]> {
  if (plans.length === 0) return [];
  const r = await client.query<{ s: string; t: string; n: number }>(
    `SELECT n.nspname AS s, c.relname AS t, c.reltuples::float8 AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [plans.map((p) => p.pgSchema), plans.map((p) => p.pgTable)],
  );
  const found = new Map(r.rows.map((row) => [`${row.s}\u0000${row.t}`, row.n]));
  const inProgress = new Set<string>();
  const st = await client.query<{ ok: string | null }>(`SELECT to_regclass('${STATE_SCHEMA}.load_state')::text AS ok`);
  if (st.rows[0]?.ok) {
    const ids = await client.query<{ table_id: string }>(`SELECT table_id FROM ${STATE_SCHEMA}.load_state WHERE table_id = ANY($1::text[])`, [plans.map((p) => p.id)]);
    for (const row of ids.rows) inProgress.add(row.table_id);
  }
  return plans
    .filter((p) => found.has(`${p.pgSchema}\u0000${p.pgTable}`) && !inProgress.has(p.id))
    .map((p) => ({ plan: p, estimatedRows: found.get(`${p.pgSchema}\u0000${p.pgTable}`)! }));
}

export interface IfExistsOutcome {
  /** Plans to load (all, or without the skipped ones). */
  readonly toLoad: readonly TableLoadPlan[];
  /** `schema.table` of the tables that existed, and what was done to them. */
  readonly existing: readonly string[];
  readonly action: 'none' | 'dropped' | 'truncated' | 'skipped';
}

/** Applies the policy; throws LoadError for `error` when any table exists. */
export async function applyIfExists(client: pg.ClientBase, plans: readonly TableLoadPlan[], policy: IfExistsPolicy = 'error'): Promise<IfExistsOutcome> {
  const existing = await findExistingTables(client, plans);
  const names = existing.map((e) => `${e.plan.pgSchema}.${e.plan.pgTable}`);
  if (existing.length === 0) return { toLoad: plans, existing: [], action: 'none' };
  const sql = existing.map((e) => quoteQualified(e.plan.pgSchema, e.plan.pgTable)).join(', ');
  switch (policy) {
    case 'error': {
      const list = existing
        .slice(0, 5)
        .map((e) => `${e.plan.pgSchema}.${e.plan.pgTable}${e.estimatedRows > 0 ? ` (~${Math.round(e.estimatedRows)} rows)` : ''}`)
        .join(', ');
      throw new LoadError(
        `the target already has ${existing.length} of the tables to load: ${list}${existing.length > 5 ? ', …' : ''}`,
        'rerun with --if-exists drop (drop and recreate them), truncate (empty and reload them) or skip (leave them as they are), or choose another target',
      );
    }
    case 'drop':
      await client.query(`DROP TABLE ${sql} CASCADE`);
      return { toLoad: plans, existing: names, action: 'dropped' };
    case 'truncate':
      try {
        await client.query(`TRUNCATE ${sql}`);
      } catch (e) {
        throw new LoadError(`cannot truncate ${names.join(', ')}: ${e instanceof Error ? e.message : String(e)}`, 'use --if-exists drop, or empty the referencing tables first', { cause: e });
      }
      return { toLoad: plans, existing: names, action: 'truncated' };
    case 'skip': {
      const skip = new Set(existing.map((e) => e.plan.id));
      return { toLoad: plans.filter((p) => !skip.has(p.id)), existing: names, action: 'skipped' };
    }
  }
}
