/**
 * Runs DDL phases so that a killed run can be resumed: every statement runs in its own
 * transaction together with a row in `cockroach_migrate.ddl_steps` that marks it done (PostgreSQL
 * DDL is transactional). A rerun skips the statements already marked, and refuses to continue if
 * the statement text differs from what was recorded (the schema or the options changed between
 * the runs).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { LoadError } from '../util/errors.js';

export const STATE_SCHEMA = 'cockroach_migrate';

export async function ensureStateSchema(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.ddl_steps (
       phase text NOT NULL, idx integer NOT NULL, sql_md5 text NOT NULL, done_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (phase, idx))`,
  );
}

export async function stateSchemaExists(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1`, [STATE_SCHEMA]);
  return r.rows[0]?.n !== '0';
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Statements of a phase that are already done (by index), verifying their text did not change. */
async function doneSteps(client: pg.ClientBase, phase: string, statements: readonly string[]): Promise<Set<number>> {
  const r = await client.query<{ idx: number; sql_md5: string }>(`SELECT idx, sql_md5 FROM ${STATE_SCHEMA}.ddl_steps WHERE phase = $1`, [phase]);
  const done = new Set<number>();
  for (const row of r.rows) {
    const sql = statements[row.idx];
    if (sql === undefined || md5(sql) !== row.sql_md5) {
      throw new LoadError(
        `cannot resume: ${phase} statement ${row.idx} differs from the one the interrupted run executed`,
        `the schema or options changed since; drop the target databases (or rerun with --if-exists drop) and start again`,
      );
    }
    done.add(row.idx);
  }
  return done;
}

/** duplicate_table, duplicate_object, duplicate_schema, duplicate_function: "already exists". */
const ALREADY_EXISTS = new Set(['42P07', '42710', '42P06', '42723']);

async function runOne(client: pg.ClientBase, phase: string, idx: number, sql: string, tolerateExisting: boolean): Promise<void> {
  await client.query('BEGIN');
  try {
    try {
      await client.query('SAVEPOINT step');
      await client.query(sql);
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      // 42P16 "multiple primary keys": the table already has its primary key.
      const exists = ALREADY_EXISTS.has(code) || (code === '42P16' && /PRIMARY KEY/i.test(sql));
      if (!tolerateExisting || !exists) throw e;
      await client.query('ROLLBACK TO SAVEPOINT step');
    }
    await client.query(`INSERT INTO ${STATE_SCHEMA}.ddl_steps (phase, idx, sql_md5) VALUES ($1, $2, $3)`, [phase, idx, md5(sql)]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    const msg = e instanceof Error ? e.message : String(e);
    throw new LoadError(`${phase} statement failed: ${msg}: ${sql.length > 300 ? `${sql.slice(0, 300)}…` : sql}`, undefined, { cause: e });
  }
}

export interface RunStepsOptions {
  /** Extra connections for statements that may run concurrently (index and key builds). */
  readonly connect?: () => Promise<pg.ClientBase & { end(): Promise<void> }>;
  readonly jobs?: number;
  readonly onStatement?: (sql: string, ms: number) => void;
  /** Treat "already exists" as done (resuming, or loading into existing tables). */
  readonly tolerateExisting?: boolean;
}

/**
 * Statements that may run concurrently with their neighbours of the same kind: index, primary-key
 * and unique builds, and constraint validations (each locks its own table SHARE UPDATE EXCLUSIVE,
 * so two on one table simply wait for each other). Everything else runs in order.
 */
function concurrencyClass(sql: string): 'build' | 'validate' | undefined {
  if (/^CREATE (UNIQUE )?INDEX /i.test(sql) || /^ALTER TABLE .* ADD CONSTRAINT .* (PRIMARY KEY|UNIQUE) \(/is.test(sql)) return 'build';
  if (/^ALTER TABLE .* VALIDATE CONSTRAINT /is.test(sql)) return 'validate';
  return undefined;
}

/**
 * Runs a phase's statements in order, skipping those a previous run completed. Runs of
 * consecutive builds or validations are spread over `jobs` connections.
 */
export async function runSteps(client: pg.ClientBase, phase: string, statements: readonly string[], opts: RunStepsOptions = {}): Promise<void> {
  await ensureStateSchema(client);
  const done = await doneSteps(client, phase, statements);
  const timed = async (c: pg.ClientBase, i: number): Promise<void> => {
    const sql = statements[i]!;
    const t0 = Date.now();
    await runOne(c, phase, i, sql, opts.tolerateExisting ?? false);
    opts.onStatement?.(sql, Date.now() - t0);
  };
  const extra: Promise<pg.ClientBase & { end(): Promise<void> }>[] = [];
  try {
    for (let i = 0; i < statements.length; ) {
      const cls = concurrencyClass(statements[i]!);
      let j = i + 1;
      if (cls) while (j < statements.length && concurrencyClass(statements[j]!) === cls) j++;
      const todo: number[] = [];
      for (let k = i; k < j; k++) if (!done.has(k)) todo.push(k);
      i = j;
      const jobs = Math.max(1, Math.min(opts.jobs ?? 1, todo.length));
      if (jobs === 1 || !opts.connect) {
        for (const k of todo) await timed(client, k);
        continue;
      }
      // The phase's own connection takes part; extra ones are opened once and reused.
      while (extra.length < jobs - 1) extra.push(opts.connect());
      const clients: pg.ClientBase[] = [client, ...(await Promise.all(extra.slice(0, jobs - 1)))];
      await shareOut(clients, todo, timed);
    }
  } finally {
    for (const c of extra) await c.then((x) => x.end()).catch(() => undefined);
  }
}

/** Each client takes the next item as soon as it is free, until none is left. */
async function shareOut<T>(clients: readonly pg.ClientBase[], items: readonly T[], run: (c: pg.ClientBase, item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(clients.map(async (c) => {
    while (next < items.length) await run(c, items[next++]!);
  }));
}

/** Runs independent statements (no resume state: they are safe to repeat) over `jobs` connections. */
export async function runConcurrently(
  client: pg.ClientBase,
  statements: readonly string[],
  opts: Pick<RunStepsOptions, 'connect' | 'jobs'>,
): Promise<void> {
  const jobs = Math.max(1, Math.min(opts.jobs ?? 1, statements.length));
  const extra = opts.connect && jobs > 1 ? await Promise.all(Array.from({ length: jobs - 1 }, () => opts.connect!())) : [];
  try {
    await shareOut([client, ...extra], statements, async (c, sql) => void (await c.query(sql)));
  } finally {
    for (const c of extra) await c.end().catch(() => undefined);
  }
}
