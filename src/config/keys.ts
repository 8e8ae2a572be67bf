/**
 * Every configuration key, once: its schema, default, description, whether it is a secret, and
 * the environment variable that fills it when the config leaves it out. The original tool's keys
 * (shared/docs/original-tool.md §b) keep their names and meanings; new keys are marked `since: 0.2`.
 * `--help`, `--create-config` and validation are all generated from this table.
 */
import { z } from 'zod';

/** Accepts 5432 and "5432" (the original tool accepted numeric strings by accident; configs rely on it). */
const integer = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
const port = integer(1, 65535);
/** Accepts 0.5 and "0.5". */
const positiveNumber = z.preprocess((v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), z.number().positive());
/** Accepts true/false and "true"/"false". */
const boolean = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const text = z.string();
/** A list of names or patterns: a JSON array, or one comma-separated string (a command-line flag). */
const nameList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '')
      : v,
  z.array(z.string().min(1)),
);

const sourceSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('backup'),
      /** s3://, gs://, azure://, http(s)://, file:// or a local folder: a collection, or one backup inside it. */
      url: text,
      /** "latest" (default), a subfolder such as "2024/05/01-120000.00". */
      backup: text.optional(),
    })
    .strict(),
  z.object({ type: z.literal('store'), path: text }).strict(),
  z.object({ type: z.literal('cluster'), url: text }).strict(),
  z.object({ type: z.literal('restore'), cockroach_binary: text.optional() }).strict(),
]);
export type SourceConfig = z.infer<typeof sourceSchema>;

export interface KeyDef {
  readonly schema: z.ZodType;
  readonly default?: unknown;
  readonly description: string;
  readonly secret?: boolean;
  readonly env?: readonly string[];
  /** Shown in the sample config written by --create-config. */
  readonly sample?: unknown;
  readonly since?: string;
  /** A file or directory path (or a local-folder location): relative values in a config file are relative to that file. */
  readonly path?: true;
}

export const CONFIG_KEYS = {
  // --- source: the backup (original keys) --------------------------------------------------------
  s3_backup_path: {
    path: true,
    schema: text,
    description:
      'Backup collection URL (s3://bucket/path; also gs://, azure://, http(s)://, file://, a local folder). The newest backup (LATEST) is read unless source.backup says otherwise.',
    sample: 's3://your-bucket/your-backup-path',
  },
  aws_access_key_id: {
    schema: text,
    description: 'AWS access key id for s3://',
    env: ['AWS_ACCESS_KEY_ID'],
    sample: 'your_aws_access_key_here',
    secret: true,
  },
  aws_secret_access_key: {
    schema: text,
    description: 'AWS secret access key for s3://',
    env: ['AWS_SECRET_ACCESS_KEY'],
    sample: 'your_aws_secret_key_here',
    secret: true,
  },
  aws_keys_file: {
    path: true,
    schema: text,
    description:
      'File with `export AWS_ACCESS_KEY=…` / `AWS_SECRET_KEY=…` lines (standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY names accepted too), used when the two keys above are not set',
  },
  aws_session_token: {
    schema: text,
    description: 'AWS session token (temporary credentials)',
    env: ['AWS_SESSION_TOKEN'],
    secret: true,
    since: '0.2',
  },
  aws_region: { schema: text, description: 'AWS region of the bucket', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], since: '0.2' },
  aws_endpoint: {
    schema: text,
    description: 'S3-compatible endpoint URL (MinIO, Ceph, …); implies path-style addressing',
    env: ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
    since: '0.2',
  },
  aws_profile: { schema: text, description: 'Profile from ~/.aws/config to use', env: ['AWS_PROFILE'], since: '0.2' },
  gcs_endpoint: {
    schema: text,
    description:
      "Cloud Storage endpoint for gs:// instead of Google's: a private endpoint or an emulator (http://127.0.0.1:9199, or host:port); requests to it are anonymous unless credentials are given for it (BEARER_TOKEN or CREDENTIALS in the URL, gcs_credentials_file, or AUTH=implicit). The URL parameter GCS_ENDPOINT overrides it",
    env: ['STORAGE_EMULATOR_HOST'],
    since: '0.2',
  },
  gcs_credentials_file: {
    path: true,
    schema: text,
    description:
      'Google service-account (or authorized-user) JSON key file for gs://, used when the URL carries no BEARER_TOKEN or CREDENTIALS (else GOOGLE_APPLICATION_CREDENTIALS, then the metadata server)',
    since: '0.2',
  },
  encryption_passphrase: {
    schema: text,
    description: 'Passphrase of an encrypted backup (BACKUP … WITH encryption_passphrase)',
    env: ['CRDB_ENCRYPTION_PASSPHRASE'],
    secret: true,
    since: '0.2',
  },
  encryption_data_key: {
    schema: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits'),
    description: 'Data key of a KMS-encrypted backup, already decrypted with your KMS (64 hex digits)',
    env: ['CRDB_ENCRYPTION_DATA_KEY'],
    secret: true,
    since: '0.2',
  },
  locality_urls: {
    schema: z.array(text),
    description: 'Locality-aware backups: the other locality URIs, each with ?COCKROACH_LOCALITY=<key=value>, as given to BACKUP',
    since: '0.2',
  },
  as_of: {
    schema: text,
    description:
      'Read the backup as of this time (RFC 3339 or CockroachDB decimal HLC), inside a revision-history backup; default: its end time',
    since: '0.2',
  },
  source: {
    path: true,
    schema: sourceSchema,
    description:
      'Where the data comes from: {"type":"backup","url":…} (default, from s3_backup_path), {"type":"store","path":"cockroach-data"}, {"type":"cluster","url":"postgresql://…:26257/db"}, {"type":"restore"} (the original path: a cockroach binary restores the backup)',
    since: '0.2',
  },
  databases: {
    schema: z.array(text),
    description: 'Only these CockroachDB databases (default: every user database, defaultdb included)',
    since: '0.2',
  },
  include_tables: {
    schema: nameList,
    description:
      'Only tables matching one of these glob patterns: table, schema.table or database.schema.table, * and ? as wildcards (e.g. ["shop.public.order*"]); a pattern matching no table is an error (also --include-tables a,b)',
    since: '0.2',
  },
  exclude_tables: {
    schema: nameList,
    description:
      'Leave out tables matching one of these glob patterns (same form as include_tables): not created, loaded or verified, and listed as excluded in the reports; a foreign key or view that needs one is not created (a warning names it) (also --exclude-tables a,b)',
    since: '0.2',
  },
  // --- storage requests (S3, GCS, Azure, HTTP): timeouts and retries ------------------------------
  storage_connect_timeout_seconds: {
    schema: positiveNumber,
    default: 10,
    description: 'Seconds allowed to connect to the backup storage endpoint before the attempt fails',
    since: '0.2',
  },
  storage_idle_timeout_seconds: {
    schema: positiveNumber,
    default: 30,
    description: 'Seconds a storage request may go without receiving a byte (waiting for the answer or inside it) before the attempt fails',
    since: '0.2',
  },
  storage_max_attempts: {
    schema: integer(1, 100),
    default: 6,
    description: 'Attempts per storage request on timeouts, throttling, 5xx and dropped connections, with exponential backoff between them',
    since: '0.2',
  },
  allow_missing_files: {
    schema: boolean,
    default: false,
    description:
      'Migrate even when data files the store MANIFEST or backup manifest lists are absent, knowing their rows are missing (each file is named; the run is reported as loaded with missing source files, never as verified identical)',
    since: '0.2',
  },
  // --- the original restore path (only with source.type "restore") ---------------------------------
  cockroach_version: {
    schema: text,
    default: 'v24.3.5',
    description: 'CockroachDB version for the restore path (source.type "restore")',
    sample: 'v24.3.5',
  },
  cockroach_port: { schema: port, default: 26257, description: 'SQL port of the temporary CockroachDB (restore path)', sample: 26257 },
  cockroach_http_port: { schema: port, default: 8080, description: 'HTTP port of the temporary CockroachDB (restore path)', sample: 8080 },
  certs_dir: {
    path: true,
    schema: text,
    default: 'cockroachdb/certs',
    description: 'Certificates for a secure CockroachDB (restore path and cluster source)',
    sample: 'cockroachdb/certs',
  },
  insecure_mode: { schema: boolean, default: false, description: 'Run/connect to CockroachDB without TLS (restore path)', sample: true },
  // --- target PostgreSQL -----------------------------------------------------------------------------
  postgres_host: { schema: text, default: 'localhost', description: 'Target PostgreSQL host', env: ['PGHOST'], sample: 'localhost' },
  postgres_port: { schema: port, default: 5432, description: 'Target PostgreSQL port', env: ['PGPORT'], sample: 5432 },
  postgres_database: {
    schema: text,
    default: 'postgres',
    description:
      'Database used for the first connection to the target (each CockroachDB database becomes a PostgreSQL database of the same name)',
    env: ['PGDATABASE'],
    sample: 'postgres',
  },
  postgres_username: { schema: text, default: 'postgres', description: 'Target PostgreSQL user', env: ['PGUSER'], sample: 'postgres' },
  postgres_password: {
    schema: text,
    default: '',
    description: 'Target PostgreSQL password',
    env: ['PGPASSWORD'],
    sample: 'your_postgres_password_here',
    secret: true,
  },
  postgres_version: {
    schema: text,
    default: '17.0',
    description: 'Kept for compatibility; the server version is detected',
    sample: '17.0',
  },
  postgres_import_enabled: { schema: boolean, default: true, description: 'Load the target after a successful test import', sample: true },
  // --- target PostgreSQL: connection string and TLS, with libpq's names and meanings ----------------
  postgres_url: {
    schema: text,
    description:
      'Target PostgreSQL as a libpq connection string, a postgresql:// URI or keyword/value pairs (host=… port=… user=… password=… dbname=… sslmode=…); what it names overrides the postgres_* keys, and a database it names receives a one-database migration (also --target)',
    secret: true,
    since: '0.2',
  },
  postgres_sslmode: {
    schema: z.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']),
    default: 'prefer',
    description:
      'TLS to the target, as libpq: disable, allow (plain, then TLS), prefer (TLS, then plain), require (TLS; certificate checked only with a root certificate), verify-ca (TLS, certificate chain checked), verify-full (chain and host name checked)',
    env: ['PGSSLMODE'],
    since: '0.2',
  },
  postgres_sslrootcert: {
    path: true,
    schema: text,
    description:
      'CA certificate file(s) (PEM) the target\'s certificate must chain to, or "system" for the system\'s trusted roots (default: ~/.postgresql/root.crt when it exists)',
    env: ['PGSSLROOTCERT'],
    since: '0.2',
  },
  postgres_sslcert: {
    path: true,
    schema: text,
    description: 'Client certificate file (PEM) for certificate authentication (default: ~/.postgresql/postgresql.crt when it exists)',
    env: ['PGSSLCERT'],
    since: '0.2',
  },
  postgres_sslkey: {
    path: true,
    schema: text,
    description: 'Private key file (PEM) of postgres_sslcert (default: ~/.postgresql/postgresql.key when it exists)',
    env: ['PGSSLKEY'],
    since: '0.2',
  },
  postgres_sslpassword: { schema: text, description: 'Passphrase of an encrypted postgres_sslkey', secret: true, since: '0.2' },
  // --- temporary test instance ----------------------------------------------------------------------
  test_postgresql_import: {
    schema: boolean,
    default: true,
    description: 'Load and verify a temporary PostgreSQL first (started by the tool) before touching the target',
    sample: true,
  },
  test_postgres_port: {
    schema: integer(0, 65535),
    default: 0,
    description: 'Port of the temporary PostgreSQL (0 = any free port)',
    sample: 0,
  },
  test_database_name: {
    schema: text,
    default: 'migration_test',
    description: 'Name kept for compatibility; the test instance gets the same databases as the target',
    sample: 'migration_test',
  },
  test_username: { schema: text, default: 'postgres', description: 'Superuser of the temporary PostgreSQL', sample: 'postgres' },
  test_password: { schema: text, description: 'Password of the temporary PostgreSQL (default: random)', secret: true },
  postgres_bin_dir: {
    path: true,
    schema: text,
    description:
      'Directory with initdb/postgres for the temporary PostgreSQL (default: pg_config, /usr/lib/postgresql/*/bin, then the bundled npm binaries)',
    since: '0.2',
  },
  // --- behaviour -------------------------------------------------------------------------------------
  skip_validation: { schema: boolean, default: false, description: 'Skip the verification of row counts and checksums', sample: false },
  sync_verify: {
    schema: z.enum(['full', 'changes']),
    default: 'full',
    description:
      'How `sync` verifies: full (the default) reads every synced table of the source again at the new point, the same proof as a full migration; changes carries the fingerprint recorded at the old point forward by the changed rows, so only the changes are read — it proves the changes were applied and nothing else changed in the target, not that the changes were found completely, and the run says so',
    since: '0.2',
  },
  do_cleanup: {
    schema: boolean,
    default: true,
    description: 'Remove temporary files and the test instance at the end (reports are always kept)',
    sample: true,
  },
  temp_dir: {
    path: true,
    schema: text,
    default: '',
    description: 'Base directory for temporary files ("" = system temp directory)',
    sample: '',
  },
  chunk_size: {
    schema: integer(1, 100_000_000),
    default: 100_000,
    description: 'Rows per load chunk (each chunk is one transaction and one resume checkpoint)',
    sample: 100000,
  },
  jobs: { schema: integer(1, 256), description: 'Tables loaded in parallel (default: number of CPUs)', since: '0.2' },
  table_part_mb: {
    schema: positiveNumber,
    default: 256,
    description:
      'Tables holding more than twice this many MiB of source data are loaded as key-range parts of about this size, in parallel (each part resumes on its own)',
    since: '0.2',
  },
  threads: {
    schema: z.enum(['auto', 'on', 'off']),
    default: 'auto',
    description:
      'Decode and load tables on worker threads, one per job: on, off, or auto (on when the source holds at least 16 MiB and the machine has more than one core)',
    since: '0.2',
  },
  if_exists: {
    schema: z.enum(['error', 'drop', 'truncate', 'skip']),
    default: 'error',
    description: 'What to do with tables that already exist in the target: error (refuse), drop, truncate, skip',
    since: '0.2',
  },
  on_error: {
    schema: z.enum(['stop', 'quarantine']),
    default: 'stop',
    description: 'Rows PostgreSQL cannot store: stop with an error, or quarantine them into reject files (counted in the report)',
    since: '0.2',
  },
  database_mapping: {
    schema: z.enum(['database', 'schema']),
    default: 'database',
    description: 'Each CockroachDB database becomes a PostgreSQL database ("database") or a schema of postgres_database ("schema")',
    since: '0.2',
  },
  extensions: {
    schema: z.array(z.enum(['pg_trgm', 'btree_gin', 'postgis', 'vector', 'citext', 'ltree'])),
    description:
      'PostgreSQL extensions to use for what has no plain equivalent: pg_trgm (trigram indexes), btree_gin (multi-column inverted indexes), postgis (spatial types and indexes), vector (vector types and indexes), citext (case-insensitive collations), ltree; each is created (CREATE EXTENSION IF NOT EXISTS) in the target and the test instance, which must have it installed',
    since: '0.2',
  },
  rowid: {
    schema: z.enum(['keep', 'drop']),
    default: 'keep',
    description: 'Hidden rowid primary keys: keep as a bigint column with a sequence default, or drop',
    since: '0.2',
  },
  report_dir: {
    path: true,
    schema: text,
    default: '.',
    description: 'Where validation_report.txt, report.json and report.html are written',
    since: '0.2',
  },
  log_file: { path: true, schema: text, default: 'migration.log', description: 'Log file ("" = no log file)', since: '0.2' },
  log_level: { schema: z.enum(['error', 'warn', 'info', 'debug']), default: 'info', description: 'Log level', since: '0.2' },
  log_format: {
    schema: z.enum(['text', 'json']),
    default: 'text',
    description:
      'Console and log file lines: text (`time - LEVEL - message`), or json (one object per line: {"time","level","message"}; no live progress line) (also --log-format)',
    since: '0.2',
  },
} as const satisfies Record<string, KeyDef>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

type Out<K extends ConfigKey> = z.output<(typeof CONFIG_KEYS)[K]['schema']>;
type WithDefault = { [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends { default: unknown } ? K : never }[ConfigKey];

/** The validated configuration: keys with defaults are always present. */
export type Config = { [K in WithDefault]: Out<K> } & { [K in Exclude<ConfigKey, WithDefault>]?: Out<K> };

export const SECRET_KEYS: readonly ConfigKey[] = (Object.keys(CONFIG_KEYS) as ConfigKey[]).filter(
  (k) => (CONFIG_KEYS[k] as KeyDef).secret === true,
);
