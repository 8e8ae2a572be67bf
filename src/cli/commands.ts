/**
 * Subcommands. Each action only parses its arguments, calls one function of the pipeline or of a
 * module's presentation helper, and prints. Modules are imported lazily so `--help` stays fast.
 */
import type { Command } from 'commander';
import { redactor } from '../util/redact.js';
import { configFromOptions, loggerFor, takesGlobalOptions, type GlobalOptions } from './main.js';

async function printLines(lines: AsyncIterable<string>): Promise<void> {
  for await (const line of lines) {
    if (!process.stdout.write(`${line}\n`)) await new Promise((r) => process.stdout.once('drain', r));
  }
}

function globals(cmd: Command): GlobalOptions {
  return { ...cmd.optsWithGlobals<GlobalOptions>(), configGiven: cmd.getOptionValueSourceWithGlobals('config') === 'cli' };
}

/** The main command's options each subcommand reads (through the config they build). */
const OUTPUT = ['--quiet', '--verbose'];
const CONFIG = ['--config', ...OUTPUT];
const SOURCE = ['--backup', '--store', '--as-of', '--encryption-passphrase', '--encryption-data-key', '--allow-missing-files'];
const MAPPING = ['--database-mapping', '--rowid'];

// One function per subcommand so each registration (options, help text, action) reads on its own;
// the order of the calls is the order of `--help`.
export function registerCommands(program: Command): void {
  registerDemo(program);
  registerCheck(program);
  registerInspect(program);
  registerConvertSchema(program);
  registerVerify(program);
  registerSync(program);
  registerDebug(program);
}

/** `demo`: the bundled sample migrated into a PostgreSQL the tool starts. */
function registerDemo(program: Command): void {
  const demo = program
    .command('demo')
    .description('migrate the bundled sample backup into a PostgreSQL started by the tool, verify it, and write the reports here')
    .option(
      '--keep',
      'keep the temporary PostgreSQL running until Ctrl-C, to look at the data with psql (default: off: stopped and removed)',
    )
    .action(async (opts: { keep?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      // The demo reads a config file only when --config names one (not a migration_config.json lying here).
      const loaded = configFromOptions(g.configGiven ? g : { ...g, config: '' }, false);
      const logger = loggerFor(g, loaded);
      const { runDemo } = await import('./run-demo.js');
      process.exitCode = await runDemo(loaded, logger, { keep: Boolean(opts.keep) });
    });
  takesGlobalOptions(demo, [...CONFIG, '--jobs', '--threads', '--report-dir', '--log-file', '--temp-dir', '--postgres-bin-dir']);
}

/** `check`: the preflight and the plan, loading nothing. */
function registerCheck(program: Command): void {
  const check = program
    .command('check')
    .description(
      'preflight in seconds, loading nothing: the source is readable, the target reachable (TLS, login), the user may create what the run creates, no table, type or sequence it creates exists (or --if-exists says what to do), temp_dir is writable; then print the plan: databases, where each goes, tables, rows and bytes, decisions that need attention, estimated time',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const loaded = configFromOptions(g, true);
      redactor.add(...loaded.secrets);
      // The config's log_format and log_level apply; check writes no log file (it loads nothing).
      const logger = loggerFor(g, { ...loaded, config: { ...loaded.config, log_file: '' } });
      for (const w of loaded.warnings) logger.warn(w);
      const { runCheck } = await import('./run-check.js');
      process.exitCode = await runCheck(loaded, logger);
    });
  takesGlobalOptions(check, [
    ...CONFIG,
    ...SOURCE,
    '--target',
    '--if-exists',
    ...MAPPING,
    '--temp-dir',
    '--skip-validation',
    '--include-tables',
    '--exclude-tables',
    '--log-format',
  ]);
}

/** `inspect`: what a backup or store contains (and, with --dump, one table's rows). */
function registerInspect(program: Command): void {
  const inspect = program
    .command('inspect')
    .description('list what a backup (or, with --store, a store directory) contains: chain, databases, tables, row counts')
    .argument(
      '[location]',
      'backup collection or backup folder (s3://…, gs://…, file://…, a local folder); default: s3_backup_path of --config',
    )
    .option('--dump <table>', 'print the rows of one table (db.table or table) (default: none: list only)')
    .option('--limit <n>', 'with --dump: at most n rows', '100')
    .action(async (location: string | undefined, opts: { dump?: string; limit: string }, cmd: Command) => {
      const g = globals(cmd);
      const loaded = configFromOptions(g, false);
      redactor.add(...loaded.secrets);
      const { inspectLines } = await import('./run-inspect.js');
      // Warnings (absent files, stale MANIFEST, …) go to stderr, so stdout stays the listing or the rows.
      const logger = loggerFor(g);
      for (const w of loaded.warnings) logger.warn(w);
      await printLines(
        inspectLines(loaded, {
          location,
          store: g.store as string | undefined,
          dump: opts.dump,
          limit: Number(opts.limit),
          warn: (w) => logger.warn(w),
        }),
      );
    });
  takesGlobalOptions(inspect, [...CONFIG, ...SOURCE]);
}

/** `convert-schema`: CockroachDB DDL in, PostgreSQL DDL out. */
function registerConvertSchema(program: Command): void {
  const convert = program
    .command('convert-schema')
    .description(
      'convert CockroachDB DDL (SHOW CREATE ALL TABLES / ALL TYPES output) read from stdin or a file into PostgreSQL DDL on stdout, with the decision log as SQL comments',
    )
    .argument('[file]', 'input file (default: stdin)')
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const loaded = configFromOptions(g, false);
      for (const w of loaded.warnings) loggerFor(g).warn(w);
      const { convertSchemaCommand } = await import('./run-convert-schema.js');
      await convertSchemaCommand(file, loaded);
    });
  takesGlobalOptions(convert, [...CONFIG, ...MAPPING, '--target']);
}

/** `verify`: source and target compared, nothing loaded. */
function registerVerify(program: Command): void {
  const verify = program
    .command('verify')
    .description('compare row counts and checksums of the source with the target PostgreSQL, without loading anything')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const loaded = configFromOptions(g, true);
      redactor.add(...loaded.secrets);
      const logger = loggerFor(g, loaded);
      for (const w of loaded.warnings) logger.warn(w);
      const { runVerifyCommand } = await import('./run-migration.js');
      process.exitCode = await runVerifyCommand(loaded, logger);
    });
  takesGlobalOptions(verify, [...CONFIG, ...SOURCE, '--target', ...MAPPING, '--jobs', '--report-dir', '--log-file']);
}

/** `sync`: a migrated target caught up to later layers of its backup chain. */
function registerSync(program: Command): void {
  program
    .command('sync')
    .description(
      'catch a target migrated from a backup up to the later layers of the same backup chain (to the newest, or --as-of), then verify it',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const loaded = configFromOptions(g, true);
      redactor.add(...loaded.secrets);
      const logger = loggerFor(g, loaded);
      const { runSyncCommand } = await import('./run-migration.js');
      process.exitCode = await runSyncCommand(loaded, logger);
    });
}

/** `debug sst|wal|store`: low-level views of CockroachDB files. */
function registerDebug(program: Command): void {
  const debug = program.command('debug').description('look inside CockroachDB files (for bug reports and curiosity)');
  debug
    .command('sst')
    .description('print an SSTable’s format, compression, properties and keys')
    .argument('<file>', 'an .sst file (store or backup data file)')
    .option('--limit <n>', 'print at most n keys (0 = none, -1 = all)', '50')
    .action(async (file: string, opts: { limit: string }) => {
      const { debugSstLines } = await import('./run-debug.js');
      await printLines(debugSstLines(file, Number(opts.limit)));
    });
  debug
    .command('wal')
    .description('print the batches of a WAL (*.log) file')
    .argument('<file>', 'a WAL file of a store')
    .option('--limit <n>', 'print at most n entries (-1 = all)', '50')
    .action(async (file: string, opts: { limit: string }) => {
      const { debugWalLines } = await import('./run-debug.js');
      await printLines(debugWalLines(file, Number(opts.limit)));
    });
  debug
    .command('store')
    .description('print a store directory’s MANIFEST: live files per level, WALs, sequence numbers')
    .argument('<dir>', 'a cockroach-data directory')
    .action(async (dir: string) => {
      const { debugStoreLines } = await import('./run-debug.js');
      await printLines(debugStoreLines(dir));
    });
}
