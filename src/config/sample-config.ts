import { CONFIG_KEYS, type ConfigKey, type KeyDef } from './keys.js';

/**
 * Keys only the original restore path reads (source.type "restore", not available in this
 * version): kept out of the active body so a new user does not mistake them for settings in use.
 */
const RESTORE_PATH_KEYS: ReadonlySet<ConfigKey> = new Set([
  'cockroach_version',
  'cockroach_port',
  'cockroach_http_port',
  'certs_dir',
  'insecure_mode',
  'postgres_version',
  'test_database_name',
]);

/** A valid example for keys with neither a sample nor a default (each loads when uncommented). */
const EXAMPLES: Partial<Record<ConfigKey, unknown>> = {
  source: { type: 'backup', url: 's3://your-bucket/your-backup-path' },
  aws_keys_file: 'aws_keys',
  aws_session_token: 'your_session_token_here',
  aws_region: 'us-east-1',
  aws_endpoint: 'http://127.0.0.1:9000',
  aws_profile: 'default',
  gcs_endpoint: 'http://127.0.0.1:9199',
  gcs_credentials_file: 'gcs-key.json',
  encryption_passphrase: 'your_backup_passphrase_here',
  encryption_data_key: '0'.repeat(64),
  locality_urls: ['s3://your-bucket/your-backup-path-west?COCKROACH_LOCALITY=region%3Dus-west'],
  as_of: '2024-05-01T12:00:00Z',
  databases: ['defaultdb'],
  include_tables: ['shop.public.order*'],
  exclude_tables: ['*.public.audit_log'],
  postgres_url: 'postgresql://postgres@localhost:5432/postgres?sslmode=require',
  postgres_sslrootcert: 'root.crt',
  postgres_sslcert: 'postgresql.crt',
  postgres_sslkey: 'postgresql.key',
  postgres_sslpassword: 'your_key_passphrase_here',
  test_password: 'your_test_password_here',
  postgres_bin_dir: '/usr/lib/postgresql/17/bin',
  jobs: 4,
  extensions: ['pg_trgm'],
};

/**
 * Active in the sample: keys with a sample value that no environment variable fills (a value in
 * the file would override PGPASSWORD, AWS_ACCESS_KEY_ID, … that the user has set) and that the
 * restore path alone reads.
 */
const isActive = (k: ConfigKey): boolean => {
  const def: KeyDef = CONFIG_KEYS[k];
  return def.sample !== undefined && def.env === undefined && !RESTORE_PATH_KEYS.has(k);
};

const exampleOf = (k: ConfigKey): unknown => {
  const def: KeyDef = CONFIG_KEYS[k];
  return def.sample ?? EXAMPLES[k] ?? def.default;
};

/**
 * The commented sample written by `--create-config`: the keys a new user sets, active, and every
 * other key commented out with a valid example (remove the `// ` to use one: every line ends with
 * a comma, which the loader accepts). JSON with comments, which `readConfigFile` accepts; relative
 * paths in it are relative to the file.
 */
export function renderSampleConfig(): string {
  const lines: string[] = [
    '// cockroach-migrate configuration. JSON with comments; every key is optional unless said.',
    '// Full reference: README.md "Configuration". Relative paths are relative to this file.',
    '// Keys that environment variables fill (PGHOST, PGPASSWORD, AWS_ACCESS_KEY_ID, …) are commented',
    '// out: a value here would override the variable. Remove the // to set one here instead.',
    '{',
  ];
  const keys = Object.keys(CONFIG_KEYS) as ConfigKey[];
  const entry = (k: ConfigKey, commented: boolean): void => {
    const def: KeyDef = CONFIG_KEYS[k];
    lines.push(`  // ${def.description}${def.env ? ` (env: ${def.env.join(', ')})` : ''}`);
    lines.push(`  ${commented ? '// ' : ''}${JSON.stringify(k)}: ${JSON.stringify(exampleOf(k))},`);
  };
  for (const k of keys.filter(isActive)) entry(k, false);
  lines.push('', '  // --- More keys: remove the // to use one -------------------------------------');
  for (const k of keys.filter((x) => !isActive(x) && !RESTORE_PATH_KEYS.has(x))) entry(k, true);
  lines.push('', '  // --- The original restore path only (source.type "restore", not available in this version) ---');
  for (const k of keys.filter((x) => RESTORE_PATH_KEYS.has(x))) entry(k, true);
  lines.push('}', '');
  return lines.join('\n');
}
