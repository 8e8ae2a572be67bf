/**
 * Everything that happens to one PostgreSQL database on one server: existing-object policy,
 * pre-data DDL, COPY of every table, post-data DDL (keys and indexes in parallel), ANALYZE and
 * verification. Each step is resumable (ddl-steps.ts, load/load-state.ts).
 */
import os from 'node:os';
import type pg from 'pg';
import type { Config } from '../config/keys.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { quoteIdent, quoteQualified } from '../util/sql-quote.js';
import { loadOrder, loadTables } from '../load/load-tables.js';
import { ensureLoadState } from '../load/load-state.js';
import { PartResults, planTableParts } from './table-parts.js';
import type { LoadProgressEvent, TableLoadResult } from '../load/types.js';
import type { TableReport } from '../report/model.js';
import type { Logger } from '../util/logger.js';
import { LoadError } from '../util/errors.js';
import { verificationSummary, verifyTable, type TableVerification } from '../verify/verify-table.js';
import { STATE_SCHEMA, TableLoads, runStepGraph, runSteps, stateSchemaExists, type GraphStep } from './ddl-steps.js';
import type { SourceLoadPlan } from './load-plans.js';
import { applyIfExists } from './if-exists.js';
import { connectTo, ensureDatabase, type PgServer } from './pg-target.js';
import type { LoadWorkerPool } from './workers/load-worker-pool.js';

export interface LoadDatabaseResult {
  readonly tables: TableReport[];
  readonly warnings: string[];
}

export interface LoadDatabaseOptions {
  readonly config: Config;
  readonly logger: Logger;
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

/** Tables loaded at once (and worker threads): the `jobs` key, else one per CPU. */
export const jobsOf = (config: Pick<Config, 'jobs'>): number => config.jobs ?? Math.max(1, os.availableParallelism());

/** Loads one converted database into `server`. */
export async function loadDatabase(
  server: PgServer,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  opts: LoadDatabaseOptions,
): Promise<LoadDatabaseResult> {
  const { config, logger } = opts;
  const warnings: string[] = [];
  const where = `${server.label} database "${db.pgName}"`;
  const created = await ensureDatabase(server, db.pgName);
  if (created) logger.info(`${where}: created`);
  let client = await connectTo(server, db.pgName);
  try {
    const resuming = !created && (await stateSchemaExists(client));
    if (resuming) logger.info(`${where}: an interrupted run left its state here (schema ${STATE_SCHEMA}); resuming it`);
    let skipped: ReadonlySet<string> = new Set();
    let keptExisting = false;
    if (!created && !resuming) {
      // A resumed run created every table itself (its state schema is the proof); only a fresh
      // run into an existing database meets tables it did not create.
      const outcome = await applyIfExists(server, db, client, { config, logger });
      client = outcome.client;
      skipped = outcome.skipped;
      keptExisting = outcome.keptExisting;
      warnings.push(...outcome.warnings);
    }
    const tolerateExisting = resuming || keptExisting;

    logger.info(`${where}: creating schema objects (${db.preData.length} statements)`);
    await runSteps(client, 'pre-data', db.preData, { tolerateExisting });

    const toLoad = plans.filter((p) => !skipped.has(p.id));
    const jobs = jobsOf(config);
    logger.info(`${where}: loading ${toLoad.length} tables with ${jobs} parallel connections`);
    // Post-data runs beside the loads: a table's keys and indexes are built once it is loaded and
    // a job is free (the largest tables load first, so the others' builds fill the jobs their
    // loads leave idle), then ANALYZE; what spans tables waits for them.
    const tableOf = (p: { pgSchema: string; pgTable: string }): string => quoteQualified(p.pgSchema, p.pgTable);
    await ensureLoadState(client);
    const parts = await planTableParts(client, toLoad, config.table_part_mb * 1024 * 1024, logger);
    const partResults = new PartResults(parts);
    const loads = new TableLoads(toLoad.map(tableOf), Math.min(jobs, parts.length));
    const steps: GraphStep[] = [...db.postDataSteps];
    for (const p of toLoad) {
      const t = tableOf(p);
      const ownSteps = db.postDataSteps.flatMap((s, i) => (s.tables.length === 1 && s.tables[0] === t ? [i] : []));
      steps.push({ sql: `ANALYZE ${t}`, tables: [t], after: ownSteps, barrier: false, record: false });
    }
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    logger.info(`${where}: keys, indexes, constraints (${db.postData.length} statements) follow each table's load`);
    let postDataFailure: unknown;
    const postData = runStepGraph(client, 'post-data', steps, {
      tolerateExisting,
      jobs,
      loads,
      signal,
      connect: () => connectTo(server, db.pgName),
      onStatement: (sql, ms) => logger.debug(`${where}: ${ms} ms: ${sql.slice(0, 200)}`),
    }).catch((e: unknown) => {
      postDataFailure = e;
      stop.abort(e);
    });
    const byId = new Map(toLoad.map((p) => [p.id, tableOf(p)]));
    const sizes = new Map(parts.map((p) => [p.id, (opts.tableBytes?.get(p.table.id) ?? 0) / (p.part?.count ?? 1)]));
    const results: TableLoadResult[] = [];
    const copyOptions = {
      jobs,
      chunkSize: config.chunk_size,
      onError: config.on_error,
      fingerprint: !config.skip_validation,
      signal,
      onLoaded: (r: TableLoadResult) => {
        const table = partResults.add(r);
        if (!table) return;
        results.push(table);
        loads.loaded(byId.get(table.id) ?? '');
      },
      onJobDone: () => loads.jobDone(),
      ...(opts.tableBytes ? { sizeOf: (p: { id: string }) => sizes.get(p.id) ?? 0 } : {}),
      ...(opts.rejectDir ? { rejectDir: opts.rejectDir } : {}),
      ...(opts.onProgress ? { onProgress: (e: LoadProgressEvent) => { const t = partResults.progress(e); if (t) opts.onProgress?.(t); } } : {}),
    };
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

    const verifications = new Map<string, TableVerification>();
    if (!config.skip_validation) {
      // Each check is a full scan of the table by PostgreSQL: `jobs` of them at once, largest
      // first, so the last one to finish is a small one.
      const tableBytes = opts.tableBytes;
      const queue = [...loadOrder(toLoad, tableBytes ? (p) => tableBytes.get(p.table.id) ?? 0 : undefined)];
      const verifyOn = async (c: pg.ClientBase): Promise<void> => {
        for (let plan = queue.shift(); plan; plan = queue.shift()) {
          if (signal.aborted) return;
          const loaded = results.find((r) => r.id === plan.id);
          const v = await verifyTable(c, plan, loaded?.source);
          verifications.set(plan.id, v);
          const line = `${where}: ${plan.id}: ${v.source.rows} rows in source, ${v.target.rows} in PostgreSQL, checksum ${v.match ? 'matches' : 'DIFFERS'}`;
          if (v.match) logger.info(line);
          else logger.error(`${line}; differing keys: ${v.differingKeys.join('; ') || 'none found'}`);
        }
      };
      const others = Array.from({ length: Math.min(jobs, toLoad.length) - 1 }, async () => {
        const c = await connectTo(server, db.pgName);
        try {
          await verifyOn(c);
        } finally {
          await c.end().catch(() => undefined);
        }
      });
      // Every check settles before an error is reported: none is left running on a closing client.
      const stopOnError = (e: unknown): never => {
        stop.abort(e);
        throw e;
      };
      const settled = await Promise.allSettled([verifyOn(client).catch(stopOnError), ...others.map((o) => o.catch(stopOnError))]);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }

    const tables: TableReport[] = toLoad.map((plan) => {
      const r = results.find((x) => x.id === plan.id);
      const v = verifications.get(plan.id);
      return {
        source: plan.id,
        target: `${db.pgName}.${plan.pgSchema}.${plan.pgTable}`,
        on: server.label,
        columns: plan.columns.length,
        rowsLoaded: r?.rows ?? 0,
        rejectedRows: r?.rejected ?? 0,
        bytes: r?.bytes ?? 0,
        loadSeconds: r?.seconds ?? 0,
        resumed: r?.resumed ?? false,
        ...(v ? { verification: verificationSummary(v) } : {}),
      };
    });
    return { tables, warnings };
  } finally {
    await client.end().catch(() => undefined);
  }
}
