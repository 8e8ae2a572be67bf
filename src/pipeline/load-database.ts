/**
 * Everything that happens to one PostgreSQL database on one server: existing-object policy,
 * pre-data DDL, COPY of every table, post-data DDL (keys and indexes in parallel), ANALYZE and
 * verification. Each step is resumable (ddl-steps.ts, load/load-state.ts).
 */
import os from 'node:os';
import type pg from 'pg';
import type { Config } from '../config/keys.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { quoteQualified } from '../util/sql-quote.js';
import { loadOrder, loadTables } from '../load/load-tables.js';
import { ensureLoadState } from '../load/load-state.js';
import { PartResults, planTableParts } from './table-parts.js';
import type { LoadProgressEvent, TableLoadResult } from '../load/types.js';
import type { StepTiming, TableReport } from '../report/model.js';
import type { Logger } from '../util/logger.js';
import { differingRowText, verificationSummary, verifyTable, type TableVerification } from '../verify/verify-table.js';
import { RESET_CANONICAL_SESSION_SQL } from '../load/row-hash.js';
import { TableLoads, runStepGraph, runSteps, type GraphStep } from './ddl-steps.js';
import { STATE_SCHEMA } from '../load/state-schema.js';
import type { SourceLoadPlan } from './load-plans.js';
import { applyIfExists } from './if-exists.js';
import { connectTo, dropDatabase, ensureDatabase, onThisMachine, type PgServer } from './pg-target.js';
import { forgetRun, readRecordedRun, recordRun, refuseResume, resumeConflict, type RunIdentity } from './run-state.js';
import type { LoadWorkerPool } from './workers/load-worker-pool.js';

export interface LoadDatabaseResult {
  readonly tables: TableReport[];
  readonly warnings: string[];
  /** Schema statements this run executed, timed per kind. */
  readonly steps: StepTiming[];
}

/** Sums statement durations per step kind, in the order the kinds first ran. */
class StepTimer {
  private readonly byKind = new Map<string, { statements: number; ms: number }>();
  add(kind: string, ms: number): void {
    const k = this.byKind.get(kind) ?? this.byKind.set(kind, { statements: 0, ms: 0 }).get(kind)!;
    k.statements++;
    k.ms += ms;
  }
  timings(on: StepTiming['on'], database: string): StepTiming[] {
    return [...this.byKind].map(([step, k]) => ({ on, database, step, statements: k.statements, seconds: k.ms / 1000 }));
  }
}

export interface LoadDatabaseOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The source and settings of this run: the resume state must have been made by the same. */
  readonly run: RunIdentity;
  /** Called once this database holds resume state of this run (a rerun of the same command resumes it). */
  readonly onResumable?: () => void;
  readonly onProgress?: (e: LoadProgressEvent) => void;
  readonly signal?: AbortSignal;
  readonly rejectDir?: string;
  /** When set, tables are decoded and loaded on these worker threads. */
  readonly workers?: LoadWorkerPool;
  /** Approximate bytes per CockroachDB table id (largest tables start first on workers). */
  readonly tableBytes?: ReadonlyMap<number, number>;
}

/**
 * Removes the resume state once every database of a run is loaded and verified. Until then it
 * stays, so that a run killed after some databases finished resumes instead of refusing to
 * overwrite them.
 */
export async function dropResumeState(server: PgServer, database: string): Promise<void> {
  const client = await connectTo(server, database);
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${STATE_SCHEMA} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Starts over where an interrupted run of another source or settings left its state (`--if-exists
 * drop`): the database named after the CockroachDB database is recreated; a shared one (schema
 * mapping, or the maintenance database) loses this source database's state and, through
 * `applyIfExists`, the migration's schemas and tables — never another source database's.
 */
async function discardRun(
  server: PgServer,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  client: pg.Client,
  opts: { readonly config: Pick<Config, 'database_mapping'>; readonly logger: Logger },
): Promise<pg.Client> {
  const { logger } = opts;
  const where = `${server.label} database "${db.pgName}"`;
  if (opts.config.database_mapping === 'database' && db.pgName !== server.maintenanceDb) {
    logger.warn(`${where}: dropping and recreating the database (--if-exists drop)`);
    await client.end();
    await dropDatabase(server, db.pgName);
    await ensureDatabase(server, db.pgName);
    return connectTo(server, db.pgName);
  }
  await forgetRun(
    client,
    db.crdbName,
    plans.map((p) => p.id),
  );
  return client;
}

/**
 * Refuses, before anything is loaded anywhere, when a database of `server` holds an interrupted
 * run that this one cannot resume (another source or other settings) — instead of after hours on
 * the test instance. `loadDatabase` checks again as it starts each database.
 */
export async function checkResumable(
  server: PgServer,
  dbs: readonly ConvertedDatabase[],
  run: RunIdentity,
  config: Pick<Config, 'if_exists'>,
): Promise<void> {
  if (config.if_exists === 'drop') return;
  const admin = await connectTo(server, server.maintenanceDb);
  let present: Set<string>;
  try {
    const r = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [
      dbs.map((d) => d.pgName),
    ]);
    present = new Set(r.rows.map((x) => x.datname));
  } finally {
    await admin.end();
  }
  for (const db of dbs) {
    if (!present.has(db.pgName)) continue;
    const client = await connectTo(server, db.pgName);
    try {
      const recorded = await readRecordedRun(client, db.crdbName);
      const conflict = recorded === undefined ? undefined : resumeConflict(recorded, run, `${server.label} database "${db.pgName}"`);
      if (conflict) refuseResume(conflict);
    } finally {
      await client.end();
    }
  }
}

/** Tables loaded at once (and worker threads): the `jobs` key, else one per CPU. */
export const jobsOf = (config: Pick<Config, 'jobs'>): number => config.jobs ?? Math.max(1, os.availableParallelism());

const tableOf = (p: { pgSchema: string; pgTable: string }): string => quoteQualified(p.pgSchema, p.pgTable);

/**
 * One database made ready to load: created, its resume state read or recorded, its tables
 * created and its parts planned, on the connection `loadPreparedDatabase` goes on with.
 */
export interface PreparedDatabase {
  readonly db: ConvertedDatabase;
  readonly client: pg.Client;
  /** Statements may meet objects that exist already (a resumed run, or tables kept by `if_exists`). */
  readonly tolerateExisting: boolean;
  readonly toLoad: readonly SourceLoadPlan[];
  readonly kept: readonly SourceLoadPlan[];
  readonly parts: readonly SourceLoadPlan[];
  readonly warnings: readonly string[];
  readonly timer: StepTimer;
}

/**
 * Creates the database if need be, reads or records its resume state, applies `if_exists`, runs
 * its pre-data DDL and plans its table parts. Its connection is closed if this fails.
 */
export async function prepareDatabase(
  server: PgServer,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  opts: LoadDatabaseOptions,
): Promise<PreparedDatabase> {
  const { config, logger } = opts;
  const warnings: string[] = [];
  const where = `${server.label} database "${db.pgName}"`;
  const created = await ensureDatabase(server, db.pgName);
  if (created) logger.info(`${where}: created`);
  let client = await connectTo(server, db.pgName);
  try {
    // The state of this CockroachDB database's load, if an interrupted run left one here.
    const scope = db.crdbName;
    const recorded = created ? undefined : await readRecordedRun(client, scope);
    let resuming = recorded !== undefined;
    if (recorded !== undefined) {
      const conflict = resumeConflict(recorded, opts.run, where);
      if (conflict && config.if_exists !== 'drop') refuseResume(conflict);
      if (conflict) {
        logger.warn(`${where}: ${conflict.message}; starting over (--if-exists drop)`);
        client = await discardRun(server, db, plans, client, { config, logger });
        resuming = false;
      } else {
        logger.info(`${where}: an interrupted run left its state here (schema ${STATE_SCHEMA}); resuming it`);
      }
    }
    let skipped: ReadonlySet<string> = new Set(recorded !== undefined && recorded !== 'unrecorded' && resuming ? recorded.skipped : []);
    let keptExisting = resuming && skipped.size > 0;
    if (!created && !resuming) {
      // A resumed run created every table itself, but those it skipped (its run record is the
      // proof); only a fresh run into an existing database meets tables it did not create.
      const outcome = await applyIfExists(server, db, client, { config, logger });
      client = outcome.client;
      skipped = outcome.skipped;
      keptExisting = outcome.keptExisting;
      warnings.push(...outcome.warnings);
    }
    if (!resuming) await recordRun(client, scope, opts.run, skipped);
    opts.onResumable?.();
    const tolerateExisting = resuming || keptExisting;

    logger.info(`${where}: creating schema objects (${db.preData.length} statements)`);
    const timer = new StepTimer();
    await runSteps(client, 'pre-data', db.preData, {
      tolerateExisting,
      scope,
      onStatement: (_sql, ms) => timer.add('create tables and types', ms),
    });
    const toLoad = plans.filter((p) => !skipped.has(p.id));
    const kept = plans.filter((p) => skipped.has(p.id));
    await ensureLoadState(client);
    const parts = await planTableParts(client, toLoad, config.table_part_mb * 1024 * 1024, logger);
    return { db, client, tolerateExisting, toLoad, kept, parts, warnings, timer };
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

/**
 * Loads a prepared database: COPY of every table, post-data DDL beside the loads (keys and indexes
 * in parallel), ANALYZE and verification. Closes the prepared connection.
 */
export async function loadPreparedDatabase(
  server: PgServer,
  prepared: PreparedDatabase,
  opts: LoadDatabaseOptions,
): Promise<LoadDatabaseResult> {
  const { config, logger } = opts;
  const { db, client, tolerateExisting, toLoad, kept, parts, timer } = prepared;
  const where = `${server.label} database "${db.pgName}"`;
  const scope = db.crdbName;
  try {
    const jobs = jobsOf(config);
    logger.info(`${where}: loading ${toLoad.length} tables with ${jobs} parallel connections`);
    // Post-data runs beside the loads: a table's keys and indexes are built once it is loaded and
    // a job is free (the largest tables load first, so the others' builds fill the jobs their
    // loads leave idle), then ANALYZE; what spans tables waits for them.
    const partResults = new PartResults(parts);
    const loads = new TableLoads(toLoad.map(tableOf), Math.min(jobs, parts.length));
    const steps: GraphStep[] = [...db.postDataSteps, ...analyzeSteps(db, toLoad)];
    const results: TableLoadResult[] = [];
    const verifications = new Map<string, TableVerification>();
    const verifyOn = tableVerifier(where, logger, results, verifications);
    if (!config.skip_validation) steps.push(...verifySteps(toLoad, verifyOn));
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    logger.info(`${where}: keys, indexes, constraints (${db.postData.length} statements) follow each table's load`);
    let postDataFailure: unknown;
    const postData = runStepGraph(client, 'post-data', steps, {
      tolerateExisting,
      scope,
      jobs,
      loads,
      signal,
      connect: () => connectTo(server, db.pgName),
      ...(onThisMachine(server) ? { localCores: os.availableParallelism() } : {}),
      onStatement: (sql, ms, kind) => {
        timer.add(kind ?? 'other', ms);
        logger.debug(`${where}: ${ms} ms: ${sql.slice(0, 200)}`);
      },
    }).catch((e: unknown) => {
      postDataFailure = e;
      stop.abort(e);
    });
    const copyOptions = copyOptionsOf(opts, { toLoad, parts, partResults, results, loads, jobs, signal });
    try {
      if (opts.workers) await opts.workers.loadTables(parts, { ...copyOptions, server, database: db.pgName });
      else await loadTables(parts, { ...copyOptions, connect: () => connectTo(server, db.pgName) });
    } catch (e) {
      stop.abort(e);
      await postData;
      // A failed statement stops the loads: its error is the one to report.
      throw postDataFailure ?? e;
    } finally {
      loads.end();
    }
    await postData;
    if (postDataFailure !== undefined) throw postDataFailure;

    if (!config.skip_validation && kept.length > 0) {
      await verifyKeptTables(server, db, client, kept, { tableBytes: opts.tableBytes, jobs, signal, stop, verifyOn });
    }

    const tables = tableReportsOf(server, db, [...toLoad, ...kept], results, verifications, opts.tableBytes);
    const timings = timer.timings(server.label, db.pgName);
    for (const x of timings) logger.info(`${where}: ${x.step}: ${x.statements} statements, ${x.seconds.toFixed(2)} s`);
    return { tables, warnings: [...prepared.warnings], steps: timings };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An ANALYZE per loaded table, after the post-data statements on that table alone. */
function analyzeSteps(db: ConvertedDatabase, toLoad: readonly SourceLoadPlan[]): GraphStep[] {
  return toLoad.map((p) => {
    const t = tableOf(p);
    const ownSteps = db.postDataSteps.flatMap((s, i) => (s.tables.length === 1 && s.tables[0] === t ? [i] : []));
    return { sql: `ANALYZE ${t}`, tables: [t], after: ownSteps, barrier: false, record: false, kind: 'analyze' };
  });
}

type VerifyOn = (c: pg.ClientBase, plan: SourceLoadPlan) => Promise<void>;

/** Verifies one table on a connection, records the outcome in `verifications` and logs it (with the differing rows). */
function tableVerifier(
  where: string,
  logger: Logger,
  results: readonly TableLoadResult[],
  verifications: Map<string, TableVerification>,
): VerifyOn {
  return async (c, plan) => {
    const loaded = results.find((r) => r.id === plan.id);
    const v = await verifyTable(c, plan, loaded?.source);
    verifications.set(plan.id, v);
    const line = `${where}: ${plan.id}: ${v.source.rows} rows in source, ${v.target.rows} in PostgreSQL, checksum ${v.match ? 'matches' : 'DIFFERS'}`;
    if (v.match) logger.info(line);
    else {
      logger.error(`${line}; differing keys: ${v.differingKeys.join('; ') || 'none found'}`);
      for (const row of v.differingRows) logger.error(`${where}: ${plan.id}: row ${differingRowText(row)}`);
    }
  };
}

/**
 * A verification step per loaded table. A loaded table is verified while others still load or build
 * their indexes (a scan beside CREATE INDEX: both take share locks), in a job its load left free; the
 * step comes after the post-data statements in phase order, so ready index builds go first.
 */
function verifySteps(toLoad: readonly SourceLoadPlan[], verifyOn: VerifyOn): GraphStep[] {
  return toLoad.map((p) => {
    const t = tableOf(p);
    return {
      sql: `-- verify ${t}`,
      tables: [t],
      after: [],
      barrier: false,
      record: false,
      run: async (c: pg.ClientBase) => {
        await verifyOn(c, p);
        // The connection goes on with post-data statements: they parse literals in the session's own settings.
        await c.query(RESET_CANONICAL_SESSION_SQL);
      },
    };
  });
}

/** The state of one database's loads that the COPY options report into. */
interface LoadTracking {
  readonly toLoad: readonly SourceLoadPlan[];
  readonly parts: readonly SourceLoadPlan[];
  readonly partResults: PartResults;
  /** Filled with each table once all its parts are loaded. */
  readonly results: TableLoadResult[];
  readonly loads: TableLoads;
  readonly jobs: number;
  readonly signal: AbortSignal;
}

/** Options of the table loads (in-process or on workers): a loaded table releases its post-data steps. */
function copyOptionsOf(opts: LoadDatabaseOptions, t: LoadTracking) {
  const { config } = opts;
  const { partResults, results, loads } = t;
  const byId = new Map(t.toLoad.map((p) => [p.id, tableOf(p)]));
  const sizes = new Map(t.parts.map((p) => [p.id, (opts.tableBytes?.get(p.table.id) ?? 0) / (p.part?.count ?? 1)]));
  return {
    jobs: t.jobs,
    chunkSize: config.chunk_size,
    onError: config.on_error,
    fingerprint: !config.skip_validation,
    signal: t.signal,
    onLoaded: (r: TableLoadResult) => {
      const table = partResults.add(r);
      if (!table) return;
      results.push(table);
      loads.loaded(byId.get(table.id) ?? '');
    },
    onJobDone: () => loads.jobDone(),
    ...(opts.tableBytes ? { sizeOf: (p: { id: string }) => sizes.get(p.id) ?? 0 } : {}),
    ...(opts.rejectDir ? { rejectDir: opts.rejectDir } : {}),
    ...(opts.onProgress
      ? {
          onProgress: (e: LoadProgressEvent) => {
            const p = partResults.progress(e);
            if (p) opts.onProgress?.(p);
          },
        }
      : {}),
  };
}

/**
 * Tables left as they were (skip) are checked too, against a fingerprint read from the source
 * again: "identical" is a claim about every table of the migration, not about what this run
 * happened to load. `jobs` of them at once, largest first.
 */
async function verifyKeptTables(
  server: PgServer,
  db: ConvertedDatabase,
  client: pg.ClientBase,
  kept: readonly SourceLoadPlan[],
  how: {
    tableBytes: ReadonlyMap<number, number> | undefined;
    jobs: number;
    signal: AbortSignal;
    stop: AbortController;
    verifyOn: VerifyOn;
  },
): Promise<void> {
  const { tableBytes, jobs, signal, stop, verifyOn } = how;
  const queue = [...loadOrder(kept, tableBytes ? (p) => tableBytes.get(p.table.id) ?? 0 : undefined)];
  const drain = async (c: pg.ClientBase): Promise<void> => {
    for (let plan = queue.shift(); plan; plan = queue.shift()) {
      if (signal.aborted) return;
      await verifyOn(c, plan);
    }
  };
  const others = Array.from({ length: Math.min(jobs, kept.length) - 1 }, async () => {
    const c = await connectTo(server, db.pgName);
    try {
      await drain(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  // Every check settles before an error is reported: none is left running on a closing client.
  const stopOnError = (e: unknown): never => {
    stop.abort(e);
    throw e;
  };
  const settled = await Promise.allSettled([drain(client).catch(stopOnError), ...others.map((o) => o.catch(stopOnError))]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The report's line per table of this database: loaded, rejected, bytes, seconds, verification. */
function tableReportsOf(
  server: PgServer,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  results: readonly TableLoadResult[],
  verifications: ReadonlyMap<string, TableVerification>,
  tableBytes: ReadonlyMap<number, number> | undefined,
): TableReport[] {
  return plans.map((plan) => {
    const r = results.find((x) => x.id === plan.id);
    const v = verifications.get(plan.id);
    const sourceBytes = tableBytes?.get(plan.table.id);
    return {
      source: plan.id,
      target: `${db.pgName}.${plan.pgSchema}.${plan.pgTable}`,
      on: server.label,
      columns: plan.columns.length,
      rowsLoaded: r?.rows ?? 0,
      rejectedRows: r?.rejected ?? 0,
      bytes: r?.bytes ?? 0,
      ...(sourceBytes !== undefined ? { sourceBytes } : {}),
      loadSeconds: r?.seconds ?? 0,
      resumed: r?.resumed ?? false,
      ...(v ? { verification: verificationSummary(v) } : {}),
    };
  });
}
