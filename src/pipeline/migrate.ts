/**
 * The whole migration, in the original tool's order: read the source → convert the schema → load
 * and verify a temporary PostgreSQL (the test instance) → load and verify the target → report →
 * clean up. The target is touched only after the test instance loaded and verified cleanly.
 */
import { join } from 'node:path';
import pMap from 'p-map';
import type { Config } from '../config/keys.js';
import type { Catalog } from '../model/catalog.js';
import { convertSchema, type ConvertedDatabase, type ConvertedSchema } from '../ddl/convert-schema.js';
import { decisionText } from '../ddl/decision.js';
import type { LoadProgressEvent } from '../load/types.js';
import { startTempPostgres, type TempPostgres } from '../pg-instance/index.js';
import {
  needsAttention,
  verdictOf,
  type DatabaseReport,
  type MigrationReport,
  type PhaseReport,
  type StepTiming,
  type TableReport,
} from '../report/model.js';
import { redactor } from '../util/redact.js';
import { VERSION } from '../util/version.js';
import { LoadError, isConfigError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import {
  checkResumable,
  dropResumeState,
  jobsOf,
  loadPreparedDatabase,
  prepareDatabase,
  type LoadDatabaseOptions,
  type LoadDatabaseResult,
} from './load-database.js';
import { PrepareAhead } from './prepare-ahead.js';
import { runIdentityOf, type RunIdentity } from './run-state.js';
import { lockTarget, type TargetLock } from './target-lock.js';
import { convertOptionsOf } from './convert-options.js';
import { loadPlans, type SourceLoadPlan } from './load-plans.js';
import { loadOrder } from '../load/load-tables.js';
import { LoadWorkerPool, startWorkersEarly, workerRecipe } from './workers/load-worker-pool.js';
import { targetServer, testInstanceServer, type PgServer } from './pg-target.js';
import { checkTarget, checkTempDir, isEmptyDatabase, selectDatabases, sizeOfRun } from './preflight.js';
import { estimateTime } from './estimate.js';
import type { MigrationSource } from '../source/migration-source.js';
import { configuredSource, openSource } from '../source/open-source.js';
import { forgetSyncPoints, recordSyncPoint } from './sync.js';
import { selectTables } from './table-selection.js';

export interface MigrateRequest {
  readonly config: Config;
  readonly logger: Logger;
  /** An already opened source (otherwise opened from the config and closed at the end). */
  readonly source?: MigrationSource;
  /** Load this server as "the target" instead of the config's postgres_* (the demo uses its own). */
  readonly target?: PgServer;
  readonly onProgress?: (e: LoadProgressEvent & { server: string }) => void;
  /** Before the tables of a server are loaded: how many, and how many rows if the source knows. */
  readonly onLoadStart?: (e: LoadStartEvent) => void;
  readonly signal?: AbortSignal;
}

export interface LoadStartEvent {
  readonly server: string;
  readonly tables: number;
  /** Rows the source records for all of them (approximate), when it records row counts. */
  readonly expectedRows?: number;
}

/** Worker threads started before the source is opened (`startWorkersEarly`: a backup on object storage). */
function earlyWorkers(config: Config): LoadWorkerPool | undefined {
  const src = configuredSource(config);
  return startWorkersEarly(config.threads, src?.type === 'backup' ? src.url : undefined) ? new LoadWorkerPool(jobsOf(config)) : undefined;
}

/**
 * The run's worker threads once the source is open: those started early are handed the source,
 * or closed unused when it is too small for threads; otherwise started now if the source calls
 * for them.
 */
async function workersFor(
  early: LoadWorkerPool | undefined,
  source: MigrationSource,
  config: Config,
  logger: Logger,
): Promise<LoadWorkerPool | undefined> {
  const recipe = workerRecipe(config.threads, source);
  if (!recipe) {
    await early?.close();
    return undefined;
  }
  const pool = early ?? new LoadWorkerPool(jobsOf(config));
  pool.open(recipe);
  logger.info(
    `decoding and loading on ${jobsOf(config)} worker threads (threads: ${config.threads}, ${Math.round((source.dataBytes ?? 0) / 1048576)} MiB of source data)`,
  );
  return pool;
}

/** Runs a migration and returns its report; never throws for migration failures (see report.error). */
export async function migrate(req: MigrateRequest): Promise<MigrationReport> {
  const { config, logger } = req;
  const startedAt = new Date();
  const phases: PhaseReport[] = [];
  const tables: TableReport[] = [];
  const steps: StepTiming[] = [];
  const warnings: string[] = [];
  const targets: { label: 'test instance' | 'target'; description: string }[] = [];
  let converted: ConvertedSchema | undefined;
  let source = req.source;
  let databases: DatabaseReport[] = [];
  let excludedTables: readonly string[] = [];
  let error: string | undefined;
  let configurationError = false;
  let instance: TempPostgres | undefined;
  let workers: LoadWorkerPool | undefined;
  let lock: TargetLock | undefined;
  /** The target holds resume state of this run: rerunning the same command continues it. */
  let resumable = false;

  const { phase, warn, skipped } = phaseRecorder(logger, phases, warnings);

  try {
    if (!source) workers = earlyWorkers(config);
    source ??= await phase('read source', () => openSource(config));
    for (const w of source.warnings) warn(w);
    logger.info(`source: ${source.description}`);

    const selection = selectTables(source.catalog, config);
    excludedTables = selection.excluded;
    for (const t of selection.excluded) logger.info(`table ${t}: excluded by include_tables / exclude_tables; not loaded, not verified`);
    for (const d of selection.dependents) warn(d);
    converted = await phase('convert schema', async () => convertSchema(selection.catalog, convertOptionsOf(config)));
    const dbs = selectDatabases(converted, config, logger);
    const catalog = selection.catalog;
    databases = databaseReportsOf(dbs, catalog);
    logConversionDecisions(converted, logger);
    const nothing = dbs.every(isEmptyDatabase);
    if (nothing) logger.info(`nothing to migrate: ${source.description} holds no user table, view, sequence or type`);

    // One run per target at a time, and no hours on the test instance for a target that will
    // refuse to resume: both settled before anything is loaded.
    const run = runIdentityOf(config, source.identity);
    const target = req.target ?? (config.postgres_import_enabled ? targetServer(config) : undefined);
    if (!nothing) {
      // Seconds of checks before hours of work: login, privileges, existing objects, temp_dir.
      await phase('preflight', () => preflight(target, dbs, config));
      // The same estimate `check` prints, so that a run started without `check` says it too.
      logger.info(estimateTime(sizeOfRun(source, dbs), config).line);
    }
    if (target && !nothing) {
      lock = await lockTarget(target, logger, startedAt);
      await checkResumable(target, dbs, run, config);
    }

    workers = await workersFor(workers, source!, config, logger);
    const onResumable = (): void => void (resumable = true);
    const loadInto = (server: PgServer): Promise<boolean> =>
      loadServer(server, { req, dbs, source: source!, run, workers, phase, warn, onResumable, targets, tables, steps });

    let testPassed = true;
    if (nothing) {
      skipped('load', 'nothing to migrate');
    } else if (config.test_postgresql_import) {
      instance = await phase('start test instance', () => startTestInstance(config));
      logger.info(`test instance: PostgreSQL ${instance.binaries.majorVersion} on 127.0.0.1:${instance.port}`);
      testPassed = await loadInto(testInstanceServer(instance));
      if (!testPassed) warn('the test instance did not verify; the target was not touched');
    } else {
      skipped('test instance', 'test_postgresql_import is false');
    }

    if (nothing) {
      // Skipped above.
    } else if (!testPassed) {
      skipped('load target', 'verification on the test instance found differences');
    } else if (req.target) {
      await loadInto(req.target);
    } else if (config.postgres_import_enabled) {
      await loadInto(targetServer(config));
    } else {
      skipped('load target', 'postgres_import_enabled is false');
      warn('the target was not loaded (postgres_import_enabled is false)');
    }
    if (config.skip_validation && !nothing) warn('verification was skipped (skip_validation)');
  } catch (e) {
    error = redactor.redact((e instanceof Error ? e.message : String(e)).split('\n').join('; '));
    configurationError = isConfigError(e);
    logger.error(error);
  } finally {
    await workers?.close();
    await lock?.release();
    if (instance) {
      await instance.stop().catch(() => undefined);
      if (!config.do_cleanup) logger.info(`test instance data directory kept (do_cleanup is false): ${instance.dataDir}`);
    }
    if (!req.source) await source?.close().catch(() => undefined);
  }

  return reportOf({
    startedAt,
    source,
    targets,
    databases,
    converted,
    phases,
    tables,
    steps,
    excludedTables,
    warnings,
    error,
    configurationError,
    resumable,
  });
}

/** Logs the conversion decisions a reader must look at: what could not be converted, and what changed in a way that needs attention. */
function logConversionDecisions(converted: ConvertedSchema, logger: Logger): void {
  const notConvertible = converted.decisions.filter((d) => d.kind === 'not-convertible');
  for (const d of notConvertible) logger.warn(`not convertible: ${d.object}: ${decisionText(d)}`);
  for (const d of converted.decisions.filter((x) => x.kind === 'changed' && needsAttention(x)))
    logger.warn(`changed: ${d.object}: ${decisionText(d)}`);
}

/** Runs a step of the migration as a phase of the report (name, status, seconds, why it failed). */
type RunPhase = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** The report's phase and warning bookkeeping: each step timed and logged, each warning also logged. */
function phaseRecorder(logger: Logger, phases: PhaseReport[], warnings: string[]) {
  const phase: RunPhase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    logger.info(`${name}…`);
    try {
      const v = await fn();
      phases.push({ name, status: 'ok', seconds: (Date.now() - t0) / 1000 });
      return v;
    } catch (e) {
      phases.push({ name, status: 'failed', seconds: (Date.now() - t0) / 1000, detail: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  };
  // A warning reaches the console and migration.log, not only the reports.
  const warn = (w: string): void => {
    warnings.push(w);
    logger.warn(w);
  };
  const skipped = (name: string, detail: string): void => {
    logger.info(`${name}: skipped (${detail})`);
    phases.push({ name, status: 'skipped', seconds: 0, detail });
  };
  return { phase, warn, skipped };
}

/** What each database of the run holds, counted from the (selected) source catalog. */
function databaseReportsOf(dbs: readonly ConvertedDatabase[], catalog: Catalog): DatabaseReport[] {
  return dbs.map((d) => ({
    source: d.crdbName,
    target: d.pgName,
    tables: catalog.tables.filter((t) => t.database === d.crdbName && t.materializedViewQuery === undefined).length,
    views:
      catalog.views.filter((v) => v.database === d.crdbName).length +
      catalog.tables.filter((t) => t.database === d.crdbName && t.materializedViewQuery !== undefined).length,
    sequences: catalog.sequences.filter((s) => s.database === d.crdbName).length,
    types: catalog.types.filter((t) => t.database === d.crdbName).length,
  }));
}

/** Seconds of checks before hours of work: login, privileges, existing objects, temp_dir; throws with every problem found. */
async function preflight(target: PgServer | undefined, dbs: readonly ConvertedDatabase[], config: Config): Promise<void> {
  const problems = target ? (await checkTarget(target, dbs, config)).problems : [];
  const tempDir = config.test_postgresql_import ? await checkTempDir(config) : undefined;
  if (tempDir) problems.push(tempDir);
  if (problems.length > 0) throw new LoadError(problems.join('\n'));
}

/** Starts the temporary PostgreSQL (the test instance) the config describes. */
function startTestInstance(config: Config): Promise<TempPostgres> {
  return startTempPostgres({
    ...(config.temp_dir ? { tempDir: config.temp_dir } : {}),
    ...(config.postgres_bin_dir ? { binDir: config.postgres_bin_dir } : {}),
    user: config.test_username,
    ...(config.test_password ? { password: config.test_password } : {}),
    ...(config.test_postgres_port ? { port: config.test_postgres_port } : {}),
    keep: !config.do_cleanup,
  });
}

/** What loading one server needs from the migration around it; the report's lists are filled in place. */
interface ServerLoad {
  readonly req: MigrateRequest;
  readonly dbs: readonly ConvertedDatabase[];
  readonly source: MigrationSource;
  readonly run: RunIdentity;
  readonly workers: LoadWorkerPool | undefined;
  readonly phase: RunPhase;
  readonly warn: (w: string) => void;
  /** Called when the target holds resume state of this run. */
  readonly onResumable: () => void;
  readonly targets: { label: 'test instance' | 'target'; description: string }[];
  readonly tables: TableReport[];
  readonly steps: StepTiming[];
}

/**
 * Runs `fn` for every database: those in different PostgreSQL databases `concurrency` at a time
 * (each is a connection and a few statements: in turn they add up at the end of a run of many
 * databases), those sharing one in turn.
 */
async function perPgDatabase(
  dbs: readonly ConvertedDatabase[],
  concurrency: number,
  fn: (db: ConvertedDatabase) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, ConvertedDatabase[]>();
  for (const db of dbs) (groups.get(db.pgName) ?? groups.set(db.pgName, []).get(db.pgName)!).push(db);
  await pMap(
    groups.values(),
    async (group) => {
      for (const db of group) await fn(db);
    },
    { concurrency },
  );
}

/** Loads and verifies every database of the run on `server`; true when every table verified. */
async function loadServer(server: PgServer, l: ServerLoad): Promise<boolean> {
  const { req, dbs, source, run, workers, phase, warn, targets, tables, steps } = l;
  const { config, logger } = req;
  targets.push({ label: server.label, description: server.description });
  if (server.label === 'target') await forgetSyncPoints(server, dbs);
  let ok = true;
  const plansOf = new Map(dbs.map((db) => [db, loadPlans(db, source)]));
  const allPlans = [...plansOf.values()].flat();
  // A table the manifests name no file for holds no rows.
  const counts = source.tableRows;
  req.onLoadStart?.({
    server: server.label,
    tables: allPlans.length,
    ...(counts ? { expectedRows: allPlans.reduce((a, p) => a + (counts.get(p.table.id) ?? 0), 0) } : {}),
  });
  // The tables each database loads first have their first bytes fetched meanwhile (object storage).
  const first = (plans: readonly SourceLoadPlan[]): SourceLoadPlan[] =>
    loadOrder(plans, (p) => source.tableBytes?.get(p.table.id) ?? 0).slice(0, jobsOf(config));
  workers?.warm(dbs.flatMap((db) => first(plansOf.get(db)!)).map((p) => ({ table: p.table })));
  const options: LoadDatabaseOptions = {
    config,
    logger,
    run,
    ...(server.label === 'target' ? { onResumable: l.onResumable } : {}),
    rejectDir: join(config.report_dir, 'rejects'),
    ...(workers ? { workers } : {}),
    ...(source.tableBytes ? { tableBytes: source.tableBytes } : {}),
    ...(req.onProgress ? { onProgress: (e: LoadProgressEvent) => req.onProgress!({ ...e, server: server.label }) } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  };
  // The largest database loads first, as the largest table does within one: the smaller ones are
  // created while it loads and load after it, instead of holding its start back.
  const bytesOf = (db: ConvertedDatabase): number => plansOf.get(db)!.reduce((n, p) => n + (source.tableBytes?.get(p.table.id) ?? 0), 0);
  const order = loadOrder(dbs, source.tableBytes ? bytesOf : undefined);
  const preparations = new PrepareAhead((db) => prepareDatabase(server, db, plansOf.get(db)!, options), order);
  const loaded = new Map<ConvertedDatabase, LoadDatabaseResult>();
  try {
    for (const [i, db] of order.entries()) {
      const r = await phase(`load ${db.crdbName} → ${server.label}`, async () =>
        loadPreparedDatabase(server, await preparations.take(i), options),
      );
      loaded.set(db, r);
      for (const w of r.warnings) warn(w);
      if (r.tables.some((t) => t.verification && !t.verification.match)) ok = false;
    }
  } finally {
    await preparations.discard();
    // The report lists databases in the catalog's order, whatever order they loaded in.
    for (const db of dbs) {
      const r = loaded.get(db);
      if (!r) continue;
      tables.push(...r.tables);
      steps.push(...r.steps);
    }
  }
  // Everything on this server is loaded and verified: the resume state has done its job.
  if (ok) await pMap(new Set(dbs.map((db) => db.pgName)), (name) => dropResumeState(server, name), { concurrency: jobsOf(config) });
  // What `sync` catches up from: the backup point each database now reflects.
  if (ok && server.label === 'target' && source.syncPoint) {
    const point = source.syncPoint;
    await perPgDatabase(dbs, jobsOf(config), (db) => recordSyncPoint(server, db, plansOf.get(db)!, point, tables));
  }
  return ok;
}

/** The run's state at its end, for reportOf. */
interface RunOutcome {
  readonly startedAt: Date;
  readonly source: MigrationSource | undefined;
  readonly targets: MigrationReport['targets'];
  readonly databases: DatabaseReport[];
  readonly converted: ConvertedSchema | undefined;
  readonly phases: PhaseReport[];
  readonly tables: TableReport[];
  readonly steps: StepTiming[];
  readonly excludedTables: readonly string[];
  readonly warnings: string[];
  readonly error: string | undefined;
  /** The error is a configuration error (exit code 2). */
  readonly configurationError: boolean;
  readonly resumable: boolean;
}

/** The migration report, with every text that may hold a secret redacted, and its verdict. */
function reportOf(o: RunOutcome): MigrationReport {
  const {
    startedAt,
    source,
    targets,
    databases,
    converted,
    phases,
    tables,
    steps,
    excludedTables,
    warnings,
    error,
    configurationError,
    resumable,
  } = o;
  const partial = {
    tool: { name: 'cockroach-migrate', version: VERSION },
    startedAt,
    finishedAt: new Date(),
    source: {
      kind: source?.kind ?? 'unknown',
      description: redactor.redact(source?.description ?? 'not opened'),
      ...(source?.missingFiles?.length ? { missingFiles: source.missingFiles.map((f) => redactor.redact(f)) } : {}),
    },
    targets,
    databases,
    decisions: converted?.decisions ?? [],
    phases,
    tables,
    ...(steps.length ? { steps } : {}),
    ...(excludedTables.length ? { excludedTables } : {}),
    warnings: warnings.map((w) => redactor.redact(w)),
    ...(error !== undefined ? { error } : {}),
    ...(configurationError ? { configurationError } : {}),
    ...(error !== undefined && resumable ? { resumable } : {}),
  };
  return { ...partial, verdict: verdictOf(partial) };
}
