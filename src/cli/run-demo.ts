/**
 * `cockroach-migrate demo`: the README's first command. Migrates the bundled sample backup (real
 * CockroachDB data) through the whole pipeline — test instance, then a target — where the target is
 * a PostgreSQL the tool starts itself, and writes the reports into the current folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { resolveConfig } from '../config/load-config.js';
import { onInterrupt, startTempPostgres, untilInterrupted } from '../pg-instance/index.js';
import { testInstanceServer } from '../pipeline/pg-target.js';
import { ConfigError } from '../util/errors.js';
import { packageRoot } from '../util/package-root.js';
import { stderrConsole, type Logger } from '../util/logger.js';
import { runMigrationCommand } from './run-migration.js';

export const SAMPLE_BACKUP = join(packageRoot(), 'sample', 'backup');

export async function runDemo(loaded: LoadedConfig, logger: Logger, opts: { keep: boolean }): Promise<number> {
  if (!existsSync(SAMPLE_BACKUP))
    throw new ConfigError(`the bundled sample backup is missing at ${SAMPLE_BACKUP}`, 'reinstall cockroach-migrate');
  const base = loaded.config;
  // The demo's own settings win over a config file; reports and log go to the current folder.
  const { config } = resolveConfig({
    file: {
      source: { type: 'backup', url: SAMPLE_BACKUP },
      report_dir: base.report_dir,
      log_file: base.log_file,
      log_level: base.log_level,
      ...(base.temp_dir ? { temp_dir: base.temp_dir } : {}),
      ...(base.postgres_bin_dir ? { postgres_bin_dir: base.postgres_bin_dir } : {}),
    },
    env: {},
  });
  logger.info(`demo: migrating the bundled sample backup (${SAMPLE_BACKUP}) into a temporary PostgreSQL`);
  // Said instead of the migration's own notice: the demo's target is temporary, nothing resumes.
  const offInterrupt = onInterrupt(() => {
    stderrConsole.interrupted();
    logger.info('interrupted — the demo stops and removes its PostgreSQL; `cockroach-migrate demo` starts again from the beginning');
  });
  const target = await startTempPostgres({
    ...(config.temp_dir ? { tempDir: config.temp_dir } : {}),
    ...(config.postgres_bin_dir ? { binDir: config.postgres_bin_dir } : {}),
  });
  try {
    const code = await runMigrationCommand({ ...loaded, config }, logger, { target: testInstanceServer(target, 'target') });
    if (opts.keep) {
      process.stdout.write(
        `\nThe demo PostgreSQL keeps running until you press Ctrl-C. Look at the data with:\n  psql "${target.connectionString('emails')}"\n`,
      );
      await untilInterrupted();
      logger.info('demo: stopping the PostgreSQL and removing its files');
    }
    return code;
  } finally {
    offInterrupt();
    await target.stop();
  }
}
