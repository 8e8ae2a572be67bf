/**
 * What a load into one PostgreSQL database belongs to: one row per CockroachDB database in
 * `cockroach_migrate.runs`, written before its first statement, naming the source it reads (its
 * identity: which backup and read time, or which store files) and the settings that shape the rows
 * (rowid, database_mapping, on_error, conversion options, … and the tool version). A rerun resumes
 * that row's state only when both are the same; otherwise it refuses, naming both, because rows
 * committed from one source and completed from another match neither. Keyed by source database,
 * so several CockroachDB databases loaded into schemas of one PostgreSQL database each have their
 * own state.
 */
import type pg from 'pg';
import type { Config } from '../config/keys.js';
import { LoadError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { FINGERPRINT_DEFINITION } from '../load/row-hash.js';
import { convertOptionsOf } from './convert-options.js';
import { STATE_SCHEMA, ensureStateSchema } from '../load/state-schema.js';
import type { SourceIdentity } from '../source/migration-source.js';

/** The source and the settings of a run: what its resume state must match. */
export interface RunIdentity {
  readonly source: SourceIdentity;
  /** Setting name → value (text), for the settings that change what is loaded. */
  readonly shape: Readonly<Record<string, string>>;
}

/** What an interrupted run recorded for one source database. */
export interface RecordedRun {
  readonly sourceKey: string;
  readonly sourceText: string;
  readonly sourcePin: string | undefined;
  readonly shape: Readonly<Record<string, string>>;
  /** Existing tables that run left as they were (`--if-exists skip`): not loaded on resume either. */
  readonly skipped: readonly string[];
}

/**
 * The settings that change the rows or DDL a load produces. `as_of` and `source.backup` are not
 * here: their effect, the resolved backup and read time, is part of the source identity (so
 * pinning them is the way to finish an interrupted run after LATEST moved on).
 */
export function runShape(config: Config): Record<string, string> {
  return {
    'tool version': VERSION,
    database_mapping: config.database_mapping === 'schema' ? `schema (of ${config.postgres_database})` : config.database_mapping,
    rowid: config.rowid,
    on_error: config.on_error,
    skip_validation: String(config.skip_validation),
    databases: config.databases ? [...config.databases].sort().join(', ') : 'all',
    'schema conversion options': JSON.stringify(convertOptionsOf(config)),
    // The checkpoints hold partial fingerprints: finishing them with another definition would
    // make every resumed table differ (a state from before it was recorded says "unset").
    fingerprint: FINGERPRINT_DEFINITION,
  };
}

export const runIdentityOf = (config: Config, source: SourceIdentity): RunIdentity => ({ source, shape: runShape(config) });

async function ensureRunsTable(client: pg.ClientBase): Promise<void> {
  await ensureStateSchema(client);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.runs (
       source_db text PRIMARY KEY, source_key text NOT NULL, source_text text NOT NULL, source_pin text,
       shape jsonb NOT NULL, skipped text[] NOT NULL, started_at timestamptz NOT NULL DEFAULT now())`,
  );
}

/**
 * The run recorded for `sourceDb` in this database: undefined when none (nothing to resume),
 * `'unrecorded'` when a state schema exists without run records (an earlier version of the tool).
 */
export async function readRecordedRun(client: pg.ClientBase, sourceDb: string): Promise<RecordedRun | 'unrecorded' | undefined> {
  const t = await client.query<{ runs: string | null; schema: string | null }>(
    `SELECT to_regclass('${STATE_SCHEMA}.runs')::text AS runs, to_regnamespace('${STATE_SCHEMA}')::text AS schema`,
  );
  if (!t.rows[0]?.schema) return undefined;
  if (!t.rows[0].runs) return 'unrecorded';
  const r = await client.query<{
    source_key: string;
    source_text: string;
    source_pin: string | null;
    shape: Record<string, string>;
    skipped: string[];
  }>(`SELECT source_key, source_text, source_pin, shape, skipped FROM ${STATE_SCHEMA}.runs WHERE source_db = $1`, [sourceDb]);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    sourceKey: row.source_key,
    sourceText: row.source_text,
    sourcePin: row.source_pin ?? undefined,
    shape: row.shape,
    skipped: row.skipped,
  };
}

/** Records the run that is about to load `sourceDb` into this database (before its first statement). */
export async function recordRun(client: pg.ClientBase, sourceDb: string, run: RunIdentity, skipped: Iterable<string>): Promise<void> {
  await ensureRunsTable(client);
  await client.query(
    `INSERT INTO ${STATE_SCHEMA}.runs (source_db, source_key, source_text, source_pin, shape, skipped) VALUES ($1, $2, $3, $4, $5, $6)`,
    [sourceDb, run.source.key, run.source.text, run.source.pin ?? null, JSON.stringify(run.shape), [...skipped]],
  );
}

/**
 * Removes the state of `sourceDb`'s run (its run row, DDL steps and table checkpoints), leaving the
 * state of other source databases loaded into the same database.
 */
export async function forgetRun(client: pg.ClientBase, sourceDb: string, tableIds: readonly string[]): Promise<void> {
  const exists = async (t: string): Promise<boolean> =>
    (await client.query<{ ok: string | null }>(`SELECT to_regclass('${STATE_SCHEMA}.${t}')::text AS ok`)).rows[0]?.ok != null;
  if (await exists('runs')) await client.query(`DELETE FROM ${STATE_SCHEMA}.runs WHERE source_db = $1`, [sourceDb]);
  if (await exists('ddl_steps')) await client.query(`DELETE FROM ${STATE_SCHEMA}.ddl_steps WHERE scope = $1`, [sourceDb]);
  for (const t of ['load_state', 'load_parts']) {
    // Parts are recorded as `<table id> part i/n` (load-plans.ts partId).
    if (await exists(t))
      await client.query(`DELETE FROM ${STATE_SCHEMA}.${t} WHERE split_part(table_id, ' part ', 1) = ANY($1::text[])`, [tableIds]);
  }
}

/**
 * Why the recorded run cannot be resumed by `run`, as one message and its way out; undefined when
 * it can. `where` names the PostgreSQL database.
 */
export function resumeConflict(
  recorded: RecordedRun | 'unrecorded',
  run: RunIdentity,
  where: string,
): { message: string; hint: string } | undefined {
  const over = 'or start over with --if-exists drop';
  if (recorded === 'unrecorded') {
    return {
      message: `cannot resume: ${where} holds the state of an interrupted run of an earlier version of cockroach-migrate (schema ${STATE_SCHEMA}, no record of its source)`,
      hint: `finish it with that version, ${over}`,
    };
  }
  if (recorded.sourceKey !== run.source.key) {
    return {
      message: `cannot resume: the interrupted run in ${where} loaded ${recorded.sourceText}, this run reads ${run.source.text}`,
      hint: recorded.sourcePin
        ? `to finish the interrupted run, pin its source (${recorded.sourcePin}), ${over} from the new one`
        : `to finish the interrupted run, point the source at what it read, ${over} from the new one`,
    };
  }
  const keys = [...new Set([...Object.keys(recorded.shape), ...Object.keys(run.shape)])];
  const changed = keys.filter((k) => recorded.shape[k] !== run.shape[k]);
  if (changed.length === 0) return undefined;
  // The tool's own definitions are no setting the user can give back.
  const ownOnly = changed.every((k) => k === 'tool version' || k === 'fingerprint');
  return {
    message: `cannot resume: the interrupted run in ${where} loaded with other settings: ${changed.map((k) => `${k} was ${recorded.shape[k] ?? 'unset'}, now ${run.shape[k] ?? 'unset'}`).join('; ')}`,
    hint: ownOnly ? `finish it with the version of cockroach-migrate that started it, ${over}` : `rerun with the settings it had, ${over}`,
  };
}

/** Throws the refusal for `resumeConflict`. */
export function refuseResume(conflict: { message: string; hint: string }): never {
  throw new LoadError(conflict.message, conflict.hint);
}
