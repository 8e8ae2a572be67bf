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
import { STATE_SCHEMA, ensureStateSchema } from '../load/state-schema.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Statements of a phase that are already done (by index), verifying their text did not change. */
async function doneSteps(client: pg.ClientBase, scope: string, phase: string, statements: readonly string[]): Promise<Set<number>> {
  const r = await client.query<{ idx: number; sql_md5: string }>(
    `SELECT idx, sql_md5 FROM ${STATE_SCHEMA}.ddl_steps WHERE scope = $1 AND phase = $2`,
    [scope, phase],
  );
  const done = new Set<number>();
  for (const row of r.rows) {
    const sql = statements[row.idx];
    if (sql === undefined || md5(sql) !== row.sql_md5) {
      throw new LoadError(
        `cannot resume: ${phase} statement ${row.idx} differs from the one the interrupted run executed`,
        `the schema or options changed since; drop what the interrupted run created (its database; with database_mapping schema, its schemas and schema ${STATE_SCHEMA}) and start again`,
      );
    }
    done.add(row.idx);
  }
  return done;
}

/** duplicate_table, duplicate_object, duplicate_schema, duplicate_function: "already exists". */
const ALREADY_EXISTS = new Set(['42P07', '42710', '42P06', '42723']);

async function runOne(
  client: pg.ClientBase,
  scope: string,
  phase: string,
  idx: number,
  sql: string,
  tolerateExisting: boolean,
): Promise<void> {
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
    await client.query(`INSERT INTO ${STATE_SCHEMA}.ddl_steps (scope, phase, idx, sql_md5) VALUES ($1, $2, $3, $4)`, [
      scope,
      phase,
      idx,
      md5(sql),
    ]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    const msg = e instanceof Error ? e.message : String(e);
    throw new LoadError(`${phase} statement failed: ${msg}: ${sql.length > 300 ? `${sql.slice(0, 300)}…` : sql}`, undefined, { cause: e });
  }
}

export interface RunStepsOptions {
  /** After each statement this run executed (not those an earlier run did): its text, duration and step kind. */
  readonly onStatement?: (sql: string, ms: number, kind?: string) => void;
  /** Treat "already exists" as done (resuming, or loading into existing tables). */
  readonly tolerateExisting?: boolean;
  /**
   * Whose statements these are: the CockroachDB database being loaded (several share one
   * PostgreSQL database with `database_mapping: schema`). Default ''.
   */
  readonly scope?: string;
}

/** Runs a phase's statements in order, skipping those a previous run completed. */
export async function runSteps(
  client: pg.ClientBase,
  phase: string,
  statements: readonly string[],
  opts: RunStepsOptions = {},
): Promise<void> {
  await ensureStateSchema(client);
  const scope = opts.scope ?? '';
  const done = await doneSteps(client, scope, phase, statements);
  for (let i = 0; i < statements.length; i++) {
    if (done.has(i)) continue;
    const t0 = Date.now();
    await runOne(client, scope, phase, i, statements[i]!, opts.tolerateExisting ?? false);
    opts.onStatement?.(statements[i]!, Date.now() - t0);
  }
}

/** A statement of a step graph (see ddl/emit.ts `PostDataStep`). */
export interface GraphStep {
  readonly sql: string;
  /** Tables (as `TableLoads` names them) that must be loaded first. */
  readonly tables: readonly string[];
  /** Steps that must have finished first. */
  readonly after: readonly number[];
  /** Waits for every earlier step and for all loads. */
  readonly barrier: boolean;
  /** false: not recorded in the resume state (safe to repeat, e.g. ANALYZE). Default true. */
  readonly record?: boolean;
  /** Runs instead of `sql` (which then only names the step in logs); never recorded. */
  readonly run?: (client: pg.ClientBase) => Promise<void>;
  /** What the statement makes ("indexes", "foreign keys", "analyze"…), for per-step timings. */
  readonly kind?: string;
}

/**
 * Which tables are loaded yet, and how many load jobs are still busy, for steps that wait on
 * them. Tables it was not told about count as loaded (nothing to load: empty, skipped, or loaded
 * by an earlier run).
 */
export class TableLoads {
  private readonly pending: Set<string>;
  private listeners: (() => void)[] = [];
  private finished = false;

  /** `busyJobs`: load jobs that will run (each calls `jobDone` once it finds no table left). */
  constructor(
    tables: Iterable<string>,
    private busyJobs = 0,
  ) {
    this.pending = new Set(tables);
  }

  isLoaded(table: string): boolean {
    return this.finished || !this.pending.has(table);
  }

  /** True once every load has ended (successfully or not). */
  get allDone(): boolean {
    return this.finished;
  }

  /** Load jobs still working: each holds one of the run's `jobs` shares of the machine. */
  get busy(): number {
    return this.finished ? 0 : this.busyJobs;
  }

  loaded(table: string): void {
    if (this.pending.delete(table)) this.notify();
  }

  jobDone(): void {
    if (this.busyJobs > 0) this.busyJobs--;
    this.notify();
  }

  /** No more loads: steps still waiting for a table may run (or, after a failure, are abandoned by the caller). */
  end(): void {
    this.finished = true;
    this.notify();
  }

  /** Calls `f` at the next change. */
  onChange(f: () => void): void {
    this.listeners.push(f);
  }

  private notify(): void {
    const l = this.listeners;
    this.listeners = [];
    for (const f of l) f();
  }
}

export interface StepGraphOptions extends RunStepsOptions {
  /** Opens the extra connections. */
  readonly connect: () => Promise<pg.ClientBase & { end(): Promise<void> }>;
  /** Statements and load jobs running at once (the phase's own connection is one of them). */
  readonly jobs: number;
  /** Loads running beside the steps: they take `loads.busy` of the `jobs` shares. */
  readonly loads: TableLoads;
  /** Stops handing out steps (the step in flight finishes or fails). */
  readonly signal?: AbortSignal;
  /**
   * The cores of this machine, when the server runs on it: each statement then gets parallel
   * workers only for cores no load and no other statement is using (see `limitParallelWorkers`).
   * Absent (a server elsewhere, whose cores are unknown): the server's own settings.
   */
  readonly localCores?: number;
}

/**
 * Lets the next statement on `client` start at most `n` parallel workers (index builds, and the
 * scans of constraint checks and verification), never more than the session's own default. On a
 * machine the loads and other statements already keep busy, parallel workers only add their
 * start-up and coordination: the benchmark's post-data took ≈ 30 % more PostgreSQL CPU with the
 * default 2 workers than with none, for the same wall time on one connection.
 */
async function limitParallelWorkers(client: pg.ClientBase, n: number): Promise<void> {
  // Through pg_settings: only the settings this server has (PostgreSQL 10 has no maintenance workers).
  await client.query(
    `SELECT set_config(name, LEAST($1::int, reset_val::int)::text, false) FROM pg_settings
     WHERE name IN ('max_parallel_maintenance_workers', 'max_parallel_workers_per_gather')`,
    [n],
  );
}

/**
 * Runs a step graph: each step as soon as its tables are loaded and the steps it waits for are
 * done, in phase order among those ready. Steps and loads share `jobs`: while k load jobs are
 * busy, `jobs - k` connections run steps (index builds beside COPY on an already busy machine
 * only slow the loads down), so the steps of tables loaded early fill the jobs the loads leave
 * idle. Recorded steps are resumable exactly like `runSteps`.
 */
export async function runStepGraph(
  client: pg.ClientBase,
  phase: string,
  steps: readonly GraphStep[],
  opts: StepGraphOptions,
): Promise<void> {
  await ensureStateSchema(client);
  const statements = steps.map((s) => s.sql);
  const finished = new Set<number>();
  const scope = opts.scope ?? '';
  for (const i of await doneSteps(client, scope, phase, statements)) if (steps[i]!.record !== false) finished.add(i);
  const started = new Set<number>(finished);
  let failure: unknown;
  let wake: (() => void)[] = [];
  const notify = (): void => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  const changed = (): Promise<void> =>
    new Promise((resolve) => {
      wake.push(resolve);
      opts.loads.onChange(notify);
    });
  const onAbort = (): void => notify();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  /** The first step that can start now, in phase order. */
  let firstOpen = 0;
  const nextReady = (): number | undefined => {
    while (firstOpen < steps.length && started.has(firstOpen)) firstOpen++;
    for (let i = firstOpen; i < steps.length; i++) {
      if (started.has(i)) continue;
      const s = steps[i]!;
      if (s.barrier) {
        // Everything before it must be finished; nothing after it may overtake it.
        if (!opts.loads.allDone) return undefined;
        for (let k = 0; k < i; k++) if (!finished.has(k)) return undefined;
        return i;
      }
      if (s.tables.every((t) => opts.loads.isLoaded(t)) && s.after.every((k) => finished.has(k))) return i;
    }
    return undefined;
  };

  const workersSet = new Map<pg.ClientBase, number>();
  const runOn = async (c: pg.ClientBase, i: number): Promise<void> => {
    const s = steps[i]!;
    if (opts.localCores !== undefined) {
      // This statement and the others running, and the busy loads, each hold a core already.
      const spare = Math.max(0, opts.localCores - opts.loads.busy - (started.size - finished.size));
      if (workersSet.get(c) !== spare) await limitParallelWorkers(c, spare);
      workersSet.set(c, spare);
    }
    const t0 = Date.now();
    if (s.run) await s.run(c);
    else if (s.record === false) await c.query(s.sql);
    else await runOne(c, scope, phase, i, s.sql, opts.tolerateExisting ?? false);
    opts.onStatement?.(s.sql, Date.now() - t0, s.kind);
  };

  const extra: Promise<pg.ClientBase & { end(): Promise<void> }>[] = [];
  const slot = async (k: number): Promise<void> => {
    let c: pg.ClientBase | undefined = k === 0 ? client : undefined;
    for (;;) {
      if (failure !== undefined || opts.signal?.aborted || finished.size === steps.length) return;
      const i = k < Math.max(0, opts.jobs - opts.loads.busy) ? nextReady() : undefined;
      if (i === undefined) {
        if (opts.loads.allDone && started.size === finished.size) {
          // Nothing running, nothing loading, nothing ready: the graph can never finish.
          failure ??= new LoadError(
            `${phase}: ${steps.length - finished.size} statements wait on each other or on missing steps (internal error)`,
          );
          notify();
          return;
        }
        await changed();
        continue;
      }
      started.add(i);
      try {
        c ??= await (extra[k - 1] ??= opts.connect());
        await runOn(c, i);
        finished.add(i);
      } catch (e) {
        failure ??= e;
      }
      notify();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, (_, k) => slot(k)));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    for (const c of extra) await c.then((x) => x.end()).catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
  opts.signal?.throwIfAborted();
}
