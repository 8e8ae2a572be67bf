/** The default command (a full migration) and `verify`: run, write reports, print a summary, exit code. */
import { resolve } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { migrate } from '../pipeline/migrate.js';
import { verifyOnly } from '../pipeline/verify-only.js';
import { sync } from '../pipeline/sync.js';
import type { MigrationReport } from '../report/model.js';
import { summarize } from '../report/summary.js';
import { writeReports } from '../report/write-reports.js';
import type { Logger } from '../util/logger.js';
import type { PgServer } from '../pipeline/pg-target.js';
import type { MigrationSource } from '../source/migration-source.js';
import { progressSink } from './progress.js';

/** The README's exit codes: a configuration error found during the run (e.g. a table pattern matching no table) is 2, as one found before it. */
export const exitCodeOf = (r: MigrationReport): number =>
  r.verdict === 'failed' ? (r.configurationError ? 2 : 1) : r.verdict === 'mismatch' ? 3 : 0;

/** `7 tables, 28 rows`: each source table and each row once, however many servers were loaded. */
function loadedText(report: MigrationReport, rows: number): string {
  const tables = summarize(report).tables;
  return `${tables} table${tables === 1 ? '' : 's'}, ${rows} row${rows === 1 ? '' : 's'}`;
}

/**
 * `verified identical: 7/7 in the target, 7/7 in the test instance`, per server (a table is loaded
 * and verified once on each), or `no table verified` (skip_validation, or no table got as far).
 */
function verifiedText(report: MigrationReport, what: string): string {
  const per = (['target', 'test instance'] as const).flatMap((on) => {
    const loads = report.tables.filter((t) => t.on === on && t.verification);
    return loads.length ? [`${loads.filter((t) => t.verification?.match).length}/${loads.length} in the ${on}`] : [];
  });
  return per.length ? `${what}: ${per.join(', ')}` : 'no table verified';
}

/** Writes the reports and prints where they are and the verdict (`verify` loads nothing: it says what it compared). */
export async function finish(
  report: MigrationReport,
  reportDir: string,
  logger: Logger,
  command: 'migrate' | 'verify' = 'migrate',
): Promise<number> {
  const files = await writeReports(report, reportDir);
  const verified = report.tables.filter((t) => t.verification);
  const matched = verified.filter((t) => t.verification?.match).length;
  // Each row once: rows in the target when it was loaded, else in the test instance.
  const rows = summarize(report).rowsLoaded;
  const missing = report.source.missingFiles?.length ?? 0;
  const summary =
    command === 'verify' && (report.verdict === 'failed' || report.verdict === 'mismatch' || report.verdict === 'success')
      ? verifySummary(report, matched, verified.length)
      : report.verdict === 'failed'
        ? `Migration FAILED (the error is above${report.resumable ? '; rerunning the same command resumes' : ''})`
        : report.verdict === 'nothing-to-migrate'
          ? `Nothing to migrate: ${report.source.description} holds no user table, view, sequence or type`
          : report.verdict === 'incomplete-source'
            ? `Migration loaded with missing source files: ${loadedText(report, rows)}; ${verifiedText(report, 'match what was readable')}; ${missing} data file${missing === 1 ? ' was' : 's were'} absent (named above), their rows are missing`
            : report.sync
              ? `Sync ${report.verdict === 'mismatch' ? 'found DIFFERENCES (nothing committed)' : 'completed'} from ${report.sync.from} to ${report.sync.to}: ${syncCounts(report)}, ${matched}/${verified.length} ${report.sync.verifiedBy === 'changes' ? 'tables with their changes verified (sync_verify changes: the source was not read again)' : 'tables verified identical'}`
              : `Migration ${report.verdict === 'mismatch' ? 'finished with DIFFERENCES' : 'completed'}: ${loadedText(report, rows)}; ${verifiedText(report, 'verified identical')}`;
  (report.verdict === 'failed' || report.verdict === 'mismatch'
    ? logger.error
    : report.verdict === 'incomplete-source'
      ? logger.warn
      : logger.info)(summary);
  logger.info(`Reports: ${resolve(files.text)}, ${resolve(files.json)}, ${resolve(files.html)}`);
  return exitCodeOf(report);
}

function verifySummary(report: MigrationReport, matched: number, verified: number): string {
  if (report.verdict === 'failed') return 'Verify FAILED (the error is above)';
  return `Verify ${report.verdict === 'mismatch' ? 'found DIFFERENCES' : 'completed'}: ${matched}/${verified} tables identical in the target (row count and checksum)`;
}

function syncCounts(r: MigrationReport): string {
  const sum = (k: 'inserted' | 'updated' | 'deleted'): number => r.tables.reduce((n, t) => n + (t.sync?.[k] ?? 0), 0);
  return `${sum('inserted')} rows inserted, ${sum('updated')} updated, ${sum('deleted')} deleted`;
}

export interface RunOptions {
  readonly source?: MigrationSource;
  readonly target?: PgServer;
}

export async function runMigrationCommand(loaded: LoadedConfig, logger: Logger, opts: RunOptions = {}): Promise<number> {
  const progress = progressSink(logger, logger.interactive);
  const controller = new AbortController();
  let report: MigrationReport;
  try {
    report = await migrate({
      config: loaded.config,
      logger,
      onProgress: (e) => progress.onProgress(e),
      onLoadStart: (e) => progress.begin(e),
      signal: controller.signal,
      ...opts,
    });
  } finally {
    progress.stop();
  }
  return finish(report, loaded.config.report_dir, logger);
}

export async function runVerifyCommand(loaded: LoadedConfig, logger: Logger): Promise<number> {
  const report = await verifyOnly(loaded.config, logger);
  return finish(report, loaded.config.report_dir, logger, 'verify');
}

export async function runSyncCommand(loaded: LoadedConfig, logger: Logger): Promise<number> {
  const report = await sync(loaded.config, logger);
  return finish(report, loaded.config.report_dir, logger);
}
