#!/usr/bin/env node
/**
 * The command line: parses arguments, builds the configuration, calls `pipeline/`, prints, and
 * maps failures to exit codes. No migration logic lives here.
 *
 * Exit codes: 0 success · 1 failure (source, target, load) · 2 usage or configuration error (bad
 * flag, missing or invalid config file or key) · 3 verification found differences · 130 interrupted.
 */
import { Command, Option, CommanderError } from 'commander';
import { VERSION } from '../util/version.js';
import { existsSync } from 'node:fs';
import { isConfigError, isMigrateError } from '../util/errors.js';
import { redactor } from '../util/redact.js';
import { nearest } from '../util/nearest.js';
import { createLogger, jsonLogLine, type Logger } from '../util/logger.js';
import { configWarningsOf, loadConfig, resolveConfig, type LoadedConfig } from '../config/load-config.js';
import { CONFIG_KEYS, type ConfigKey } from '../config/keys.js';
import { createConfigFile } from './create-config.js';
import { registerCommands } from './commands.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, mismatch: 3, interrupted: 130 } as const;

/** The "(default: …)" suffix every option's help carries (not a commander default: config keys must win). */
export const dflt = (text: string): string => `(default: ${text})`;

/** Flags that map 1:1 onto config keys (flag name → key). */
const FLAG_KEYS: Record<string, ConfigKey> = {
  skipValidation: 'skip_validation',
  jobs: 'jobs',
  threads: 'threads',
  ifExists: 'if_exists',
  onError: 'on_error',
  asOf: 'as_of',
  encryptionPassphrase: 'encryption_passphrase',
  encryptionDataKey: 'encryption_data_key',
  reportDir: 'report_dir',
  logFile: 'log_file',
  tempDir: 'temp_dir',
  chunkSize: 'chunk_size',
  tablePartMb: 'table_part_mb',
  postgresBinDir: 'postgres_bin_dir',
  databaseMapping: 'database_mapping',
  rowid: 'rowid',
  allowMissingFiles: 'allow_missing_files',
  includeTables: 'include_tables',
  excludeTables: 'exclude_tables',
  logFormat: 'log_format',
};

export interface GlobalOptions {
  config: string;
  /** --config was given on the command line (not the default name). */
  configGiven?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  [flag: string]: unknown;
}

/**
 * Config from --config + environment + flags. The file is read when --config names it or the
 * default file exists; without one, a command that needs a source runs on flags and environment
 * alone when --store or --backup gives it (else: the "not found" error with --create-config).
 */
export function configFromOptions(opts: GlobalOptions, needsSource: boolean): LoadedConfig {
  const flags: Partial<Record<ConfigKey, unknown>> = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) if (opts[flag] !== undefined) flags[key] = opts[flag];
  // The connection string is expanded (and its password registered as a secret) by resolveConfig.
  if (typeof opts.target === 'string') flags.postgres_url = opts.target;
  if (typeof opts.store === 'string') flags.source = { type: 'store', path: opts.store };
  if (typeof opts.backup === 'string') flags.source = { type: 'backup', url: opts.backup };
  if (opts.configGiven || existsSync(opts.config) || (needsSource && flags.source === undefined)) return loadConfig(opts.config, flags);
  return resolveConfig({ flags, env: process.env });
}

/** Options of the main command a subcommand takes: its --help lists them under "Global Options". */
export function takesGlobalOptions(cmd: Command, flags: readonly string[]): Command {
  return cmd.configureHelp({
    showGlobalOptions: true,
    visibleGlobalOptions: (c: Command) => (c.parent?.options ?? []).filter((o) => flags.includes(o.long ?? '')),
  });
}
/** Errors printed by `reportFailure` follow --log-format / log_format too. */
let errorFormat: 'text' | 'json' = 'text';

export function loggerFor(opts: GlobalOptions, loaded?: LoadedConfig): Logger {
  const cfg = loaded?.config;
  errorFormat = cfg?.log_format ?? (opts.logFormat === 'json' ? 'json' : 'text');
  return createLogger({
    level: opts.verbose ? 'debug' : (cfg?.log_level ?? 'info'),
    consoleLevel: opts.quiet ? 'error' : opts.verbose ? 'debug' : (cfg?.log_level ?? 'info'),
    file: cfg ? cfg.log_file : undefined,
    // Before a config is read (or when it fails), the flag alone decides.
    format: cfg?.log_format ?? (opts.logFormat === 'json' ? 'json' : 'text'),
  });
}

function buildProgram(): Command {
  const program = new Command('cockroach-migrate')
    .description('Migrate a CockroachDB database (backup, store directory or live cluster) into PostgreSQL, verified.')
    .version(`cockroach-migrate ${VERSION}`, '-V, --version', 'print the version and exit')
    .option('--config <file>', 'configuration file (JSON, comments allowed)', 'migration_config.json')
    .option('--create-config', `write a commented sample configuration to --config and exit ${dflt('off')}`)
    .option('--force', `with --create-config: overwrite an existing file ${dflt('off: refuse')}`)
    .option(
      '--skip-validation',
      `skip verification of row counts and checksums ${dflt(`config skip_validation = ${String(CONFIG_KEYS.skip_validation.default)}`)}`,
    )
    .option(
      '--backup <url>',
      `read this backup collection (s3://, gs://, azure://, http(s)://, file://, folder) ${dflt('config source or s3_backup_path')}`,
    )
    .option('--store <dir>', `read an offline cockroach-data store directory instead of a backup ${dflt('none: config source')}`)
    .option(
      '--target <conninfo>',
      `target PostgreSQL as a libpq connection string: postgresql://user@host:port/db?sslmode=require, or "host=… user=… dbname=… sslmode=…" (config postgres_url) ${dflt(`config postgres_* keys: ${CONFIG_KEYS.postgres_username.default}@${CONFIG_KEYS.postgres_host.default}:${CONFIG_KEYS.postgres_port.default}/${CONFIG_KEYS.postgres_database.default}`)}`,
    )
    .option(
      '--allow-missing-files',
      `migrate although data files the store MANIFEST or backup manifest lists are absent, knowing their rows are missing (never "verified identical") ${dflt(`config allow_missing_files = ${String(CONFIG_KEYS.allow_missing_files.default)}: refuse`)}`,
    )
    .option(
      '--as-of <time>',
      `read the backup as of this time (revision-history backups) ${dflt('config as_of, else the backup end time')}`,
    )
    .option(
      '--encryption-passphrase <text>',
      `passphrase of an encrypted backup ${dflt('config encryption_passphrase or env CRDB_ENCRYPTION_PASSPHRASE (preferred)')}`,
    )
    .option(
      '--encryption-data-key <hex>',
      `data key of a KMS-encrypted backup, decrypted with your KMS ${dflt('config encryption_data_key or env CRDB_ENCRYPTION_DATA_KEY (preferred)')}`,
    )
    .option('-j, --jobs <n>', `tables loaded in parallel ${dflt('config jobs, else the number of CPUs')}`)
    .addOption(
      new Option(
        '--threads <mode>',
        'decode and load on worker threads, one per job (default: auto = when the source holds ≥ 16 MiB and there is more than one core)',
      ).choices(['auto', 'on', 'off']),
    )
    .addOption(
      new Option('--if-exists <mode>', 'tables that already exist in the target (default: error = refuse)').choices([
        'error',
        'drop',
        'truncate',
        'skip',
      ]),
    )
    .addOption(new Option('--on-error <mode>', 'rows PostgreSQL cannot store (default: stop)').choices(['stop', 'quarantine']))
    .addOption(
      new Option(
        '--database-mapping <mode>',
        'each CockroachDB database → a PostgreSQL database, or → a schema of postgres_database (default: database)',
      ).choices(['database', 'schema']),
    )
    .addOption(new Option('--rowid <mode>', 'hidden rowid primary keys: keep as bigint, or drop (default: keep)').choices(['keep', 'drop']))
    .option('--chunk-size <n>', `rows per load chunk / resume checkpoint ${dflt(String(CONFIG_KEYS.chunk_size.default))}`)
    .option(
      '--table-part-mb <n>',
      `tables over twice this size load as parallel key-range parts of about this size ${dflt(String(CONFIG_KEYS.table_part_mb.default))}`,
    )
    .option('--report-dir <dir>', `where the reports are written ${dflt(`${CONFIG_KEYS.report_dir.default} = current directory`)}`)
    .option(
      '--include-tables <patterns>',
      `only tables matching these comma-separated glob patterns (table, schema.table or db.schema.table; * and ?) ${dflt('config include_tables, else every table')}`,
    )
    .option(
      '--exclude-tables <patterns>',
      `leave out tables matching these comma-separated glob patterns (not loaded, not verified; listed in the reports) ${dflt('config exclude_tables, else none')}`,
    )
    .addOption(
      new Option(
        '--log-format <format>',
        `console and log file lines: text, or json (one object per line, no live progress line) ${dflt(`config log_format = ${CONFIG_KEYS.log_format.default}`)}`,
      ).choices(['text', 'json']),
    )
    .option('--log-file <file>', `log file, "" for none ${dflt(CONFIG_KEYS.log_file.default)}`)
    .option('--temp-dir <dir>', `base directory for temporary files ${dflt('config temp_dir, else the system temp directory')}`)
    .option(
      '--postgres-bin-dir <dir>',
      `PostgreSQL server binaries for the temporary instance ${dflt('config postgres_bin_dir, else pg_config --bindir, /usr/lib/postgresql/*/bin newest first, the npm package')}`,
    )
    .option('-q, --quiet', `print only errors ${dflt(`off: config log_level = ${CONFIG_KEYS.log_level.default}`)}`)
    .option('-v, --verbose', `print debug output to the console and the log file ${dflt('off')}`)
    // A usage error is one line (a JSON record with --log-format json): commander's message, its
    // "Did you mean …?" and the pointer to --help joined. Subcommands inherit this.
    .configureOutput({ outputError: (text) => printProblem('error', usageLine(text)) })
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 verification found differences,
130 interrupted. \`cockroach-migrate help COMMAND\` shows a command's options.
Every config key (see README "Configuration") can be set in the config file; AWS_* and PG* environment
variables fill keys the file leaves out; flags override both.`,
    );
  program.exitOverride();
  program.helpCommand('help [command]', 'show the options of a command');
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // Credentials from the environment are masked from the first line printed, whichever command runs.
  redactor.addFromEnv(process.env);
  const f = argv.findIndex((a) => a === '--log-format' || a.startsWith('--log-format='));
  if (f >= 0 && (argv[f] === '--log-format=json' || argv[f + 1] === 'json')) errorFormat = 'json';
  const program = buildProgram();
  program.action(async (opts: GlobalOptions) => {
    if (opts.createConfig) {
      const path = createConfigFile(opts.config, Boolean(opts.force));
      process.stdout.write(`Sample configuration written to ${path}\nEdit it, then run: cockroach-migrate --config ${opts.config}\n`);
      return;
    }
    const loaded = configFromOptions({ ...opts, configGiven: program.getOptionValueSource('config') === 'cli' }, true);
    const logger = loggerFor(opts, loaded);
    for (const w of loaded.warnings) logger.warn(w);
    redactor.add(...loaded.secrets);
    const { runMigrationCommand } = await import('./run-migration.js');
    process.exitCode = await runMigrationCommand(loaded, logger);
  });
  try {
    const unknown = unknownCommand(program, argv);
    if (unknown) program.error(unknown, { code: 'commander.unknownCommand', exitCode: EXIT.usage });
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    return reportFailure(e);
  }
}

/**
 * `cockroach-migrate chekc` or `help chekc`: commander would say "too many arguments" (the main
 * command has an action) or print the main help with exit 0; name the command meant instead.
 */
function unknownCommand(program: Command, argv: readonly string[]): string | undefined {
  const word = argv[0] === 'help' ? argv[1] : argv[0];
  if (word === undefined || word.startsWith('-')) return undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(word)) return undefined;
  const guess = nearest(word, names);
  return `unknown command '${word}'${guess ? ` (Did you mean ${guess}?)` : ''}`;
}

/** Commander's error text (`error: unknown option '--x'\n(Did you mean --y?)\n`) as one line with the fix. */
export function usageLine(text: string): string {
  const said = text
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\.$/, '');
  return `${said}; run with --help for usage`;
}

/** One problem line on stderr: `error: …` / `warning: …`, or a JSON record with --log-format json. */
function printProblem(level: 'error' | 'warn', message: string): void {
  process.stderr.write(
    errorFormat === 'json' ? `${jsonLogLine(level, message)}\n` : `${level === 'error' ? 'error' : 'warning'}: ${message}\n`,
  );
}

/** Prints an error as one redacted line (or one line per problem for config errors). */
export function reportFailure(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version are "errors" to commander; they have already been printed.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
    if (e.code === 'usage') printProblem('error', e.message);
    return EXIT.usage;
  }
  if (isMigrateError(e)) {
    for (const w of configWarningsOf(e)) printProblem('warn', redactor.redact(w));
    for (const line of e.message.split('\n')) printProblem('error', redactor.redact(line));
    return isConfigError(e) ? EXIT.usage : EXIT.failure;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  printProblem('error', redactor.redact(err.message));
  if (process.env.CRDB_MIGRATE_DEBUG) process.stderr.write(`${redactor.redact(err.stack ?? '')}\n`);
  return EXIT.failure;
}

const isEntryPoint = process.argv[1] !== undefined && /(?:main\.[jt]s|cockroach-migrate|crdb-migrate)$/.test(process.argv[1]);
if (isEntryPoint) {
  // The AWS SDK's seven-line notice that its 2027 releases will need Node 22 says nothing about this
  // tool (engines: Node >= 20, its SDK version pinned); a user may still turn it on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `cockroach-migrate inspect … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => process.exit(reportFailure(e)),
  );
}
