/**
 * Everything that happens to one PostgreSQL database on one server: existing-object policy,
 * pre-data DDL, COPY of every table, post-data DDL (keys and indexes in parallel), ANALYZE and
 * verification. Each step is resumable (ddl-steps.ts, load/load-state.ts).
 */
import os from 'node:os';
import type pg from 'pg';
import type { Config } from '../config/keys.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { quoteIdent, quoteQualified } from '../ddl/quote.js';
import { loadTables } from '../load/load-tables.js';
import type { LoadProgressEvent, TableLoadPlan, TableLoadResult } from '../load/types.js';
import type { TableReport } from '../report/model.js';
import type { Logger } from '../util/logger.js';
import { LoadError } from '../util/errors.js';
import { verificationSummary, verifyTable, type TableVerification } from '../verify/verify-table.js';
import { STATE_SCHEMA, runSteps, stateSchemaExists } from './ddl-steps.js';
import { connectTo, dropDatabase, ensureDatabase, type PgServer } from './pg-target.js';

export interface LoadDatabaseResult {
  readonly tables: TableReport[];
  readonly warnings: string[];
}

async function existingTables(client: pg.ClientBase, plans: readonly { readonly pgSchema: string; readonly pgTable: string }[]): Promise<string[]> {
  if (plans.length === 0) return [];
  const r = await client.query<{ s: string; t: string }>(
    `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY 1, 2`,
    [plans.map((p) => p.pgSchema), plans.map((p) => p.pgTable)],
  );
  return r.rows.map((x) => `${x.s}.${x.t}`);
}

export interface LoadDatabaseOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly onProgress?: (e: LoadProgressEvent) => void;
  readonly signal?: AbortSignal;
  readonly rejectDir?: string;
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

/** Loads one converted database into `server`. */
export async function loadDatabase(
  server: PgServer,
  db: ConvertedDatabase,
  plans: readonly TableLoadPlan[],
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
    if (resuming) {
      logger.info(`${where}: an interrupted run left its state here (schema ${STATE_SCHEMA}); resuming it`);
    } else if (!created) {
      const existing = await existingTables(client, plans.concat(db.tables.map((t) => ({ pgSchema: t.pgSchema, pgTable: t.pgName })) as never));
      if (existing.length > 0) {
        const list = existing.slice(0, 5).join(', ') + (existing.length > 5 ? `, … (${existing.length} in all)` : '');
        switch (config.if_exists) {
          case 'error':
            throw new LoadError(
              `${where} already has tables this migration would create: ${list}`,
              'use --if-exists drop (recreate the database), truncate (empty and reload those tables) or skip (leave them), or choose another target',
            );
          case 'drop':
            logger.warn(`${where}: dropping and recreating the database (--if-exists drop)`);
            await client.end();
            await dropDatabase(server, db.pgName);
            await ensureDatabase(server, db.pgName);
            client = await connectTo(server, db.pgName);
            break;
          case 'truncate':
            warnings.push(`${where}: existing tables truncated and reloaded: ${list}`);
            for (const t of existing) {
              const [s, n] = t.split('.') as [string, string];
              await client.query(`TRUNCATE ${quoteQualified(s, n)} CASCADE`);
            }
            break;
          case 'skip':
            warnings.push(`${where}: existing tables left as they are, not loaded: ${list}`);
            break;
        }
      }
    }
    const skipTables = !resuming && config.if_exists === 'skip' ? new Set(await existingTables(client, plans)) : new Set<string>();
    const tolerateExisting = resuming || config.if_exists === 'truncate' || config.if_exists === 'skip';

    logger.info(`${where}: creating schema objects (${db.preData.length} statements)`);
    await runSteps(client, 'pre-data', db.preData, { tolerateExisting });

    const toLoad = plans.filter((p) => !skipTables.has(`${p.pgSchema}.${p.pgTable}`));
    if (!created && !resuming && (config.if_exists === 'truncate' || config.if_exists === 'skip')) {
      // Foreign keys of existing tables would reject rows loaded in parallel, in any order; they
      // are dropped here and recreated (and validated) by the post-data phase.
      const fks = await client.query<{ s: string; t: string; c: string }>(
        `SELECT n.nspname AS s, r.relname AS t, k.conname AS c FROM pg_constraint k
           JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
          WHERE k.contype = 'f' AND (n.nspname, r.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [toLoad.map((p) => p.pgSchema), toLoad.map((p) => p.pgTable)],
      );
      for (const fk of fks.rows) await client.query(`ALTER TABLE ${quoteQualified(fk.s, fk.t)} DROP CONSTRAINT ${quoteIdent(fk.c)}`);
    }
    const jobs = config.jobs ?? Math.max(1, os.availableParallelism());
    logger.info(`${where}: loading ${toLoad.length} tables with ${jobs} parallel connections`);
    const results: TableLoadResult[] = await loadTables(toLoad, {
      connect: () => connectTo(server, db.pgName),
      jobs,
      chunkSize: config.chunk_size,
      onError: config.on_error,
      fingerprint: !config.skip_validation,
      ...(opts.rejectDir ? { rejectDir: opts.rejectDir } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });

    logger.info(`${where}: creating keys, indexes, constraints (${db.postData.length} statements)`);
    await runSteps(client, 'post-data', db.postData, {
      tolerateExisting,
      jobs,
      connect: () => connectTo(server, db.pgName),
      onStatement: (sql, ms) => logger.debug(`${where}: ${ms} ms: ${sql.slice(0, 200)}`),
    });
    await client.query('ANALYZE');

    const verifications = new Map<string, TableVerification>();
    if (!config.skip_validation) {
      for (const plan of toLoad) {
        const loaded = results.find((r) => r.id === plan.id);
        const v = await verifyTable(client, plan, loaded?.source);
        verifications.set(plan.id, v);
        const line = `${where}: ${plan.id}: ${v.source.rows} rows in source, ${v.target.rows} in PostgreSQL, checksum ${v.match ? 'matches' : 'DIFFERS'}`;
        if (v.match) logger.info(line);
        else logger.error(`${line}; differing keys: ${v.differingKeys.join('; ') || 'none found'}`);
      }
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
