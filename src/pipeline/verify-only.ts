/**
 * `cockroach-migrate verify`: recompute every table's fingerprint from the source and compare it
 * with the target, loading nothing.
 */
import type { Config } from '../config/keys.js';
import { convertSchema } from '../ddl/convert-schema.js';
import { verdictOf, type MigrationReport, type PhaseReport, type TableReport } from '../report/model.js';
import type { Logger } from '../util/logger.js';
import { redactor } from '../util/redact.js';
import { isConfigError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { verificationSummary, verifyTable } from '../verify/verify-table.js';
import { convertOptionsOf } from './convert-options.js';
import { loadPlans } from './load-plans.js';
import { connectTo, targetServer } from './pg-target.js';
import { placeDatabases } from './target-database.js';
import type { MigrationSource } from '../source/migration-source.js';
import { openSource } from '../source/open-source.js';
import { selectTables } from './table-selection.js';

export async function verifyOnly(config: Config, logger: Logger): Promise<MigrationReport> {
  const startedAt = new Date();
  const tables: TableReport[] = [];
  const phases: PhaseReport[] = [];
  const server = targetServer(config);
  let source: MigrationSource | undefined;
  let error: string | undefined;
  let configurationError = false;
  const t0 = Date.now();
  let decisions: MigrationReport['decisions'] = [];
  let excludedTables: readonly string[] = [];
  try {
    source = await openSource(config);
    for (const w of source.warnings) logger.warn(w);
    const selection = selectTables(source.catalog, config);
    excludedTables = selection.excluded;
    for (const t of selection.excluded) logger.info(`table ${t}: excluded by include_tables / exclude_tables; not verified`);
    const converted = convertSchema(selection.catalog, convertOptionsOf(config));
    decisions = converted.decisions;
    const selected = converted.databases.filter(
      (db) => db.crdbName !== 'system' && db.tables.length > 0 && (!config.databases || config.databases.includes(db.crdbName)),
    );
    for (const db of placeDatabases(selected, config, logger)) {
      const client = await connectTo(server, db.pgName);
      try {
        for (const plan of loadPlans(db, source)) {
          const v = await verifyTable(client, plan);
          logger.info(`${plan.id}: source ${v.source.rows} rows, target ${v.target.rows} rows, ${v.match ? 'match' : 'MISMATCH'}`);
          tables.push({
            source: plan.id,
            target: `${db.pgName}.${plan.pgSchema}.${plan.pgTable}`,
            on: 'target',
            columns: plan.columns.length,
            rowsLoaded: 0,
            rejectedRows: 0,
            bytes: 0,
            loadSeconds: 0,
            resumed: false,
            verification: verificationSummary(v),
          });
        }
      } finally {
        await client.end();
      }
    }
    phases.push({ name: 'verify target', status: 'ok', seconds: (Date.now() - t0) / 1000 });
  } catch (e) {
    error = redactor.redact(e instanceof Error ? e.message : String(e));
    configurationError = isConfigError(e);
    phases.push({ name: 'verify target', status: 'failed', seconds: (Date.now() - t0) / 1000, detail: error });
    logger.error(error);
  } finally {
    await source?.close().catch(() => undefined);
  }
  const partial = {
    tool: { name: 'cockroach-migrate', version: VERSION },
    startedAt,
    finishedAt: new Date(),
    source: {
      kind: source?.kind ?? 'unknown',
      description: redactor.redact(source?.description ?? 'not opened'),
      ...(source?.missingFiles?.length ? { missingFiles: source.missingFiles.map((f) => redactor.redact(f)) } : {}),
    },
    targets: [{ label: 'target' as const, description: server.description }],
    databases: [],
    decisions,
    phases,
    tables,
    ...(excludedTables.length ? { excludedTables } : {}),
    warnings: (source?.warnings ?? []).map((w) => redactor.redact(w)),
    ...(error !== undefined ? { error } : {}),
    ...(configurationError ? { configurationError } : {}),
  };
  return { ...partial, verdict: verdictOf(partial) };
}
