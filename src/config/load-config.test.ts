import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configWarningsOf, loadConfig, resolveConfig } from './load-config.js';
import { renderSampleConfig } from './sample-config.js';
import { parse as parseJsonc } from 'jsonc-parser';

const dir = mkdtempSync(join(tmpdir(), 'cm-config-'));
function configFile(content: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, content);
  return p;
}

/** The original tool's shipped template (shared/docs/original-tool.md §a): must load unchanged. */
const ORIGINAL_TEMPLATE = {
  aws_access_key_id: 'your_aws_access_key_here',
  aws_secret_access_key: 'your_aws_secret_key_here',
  s3_backup_path: 's3://your-bucket/your-backup-path',
  cockroach_version: 'v24.3.5',
  cockroach_port: 26257,
  cockroach_http_port: 8080,
  certs_dir: 'cockroachdb/certs',
  insecure_mode: true,
  postgres_host: 'localhost',
  postgres_port: 5432,
  postgres_database: 'postgres',
  postgres_username: 'postgres',
  postgres_password: 'your_postgres_password_here',
  postgres_version: '17.0',
  skip_validation: false,
  postgres_import_enabled: true,
  test_postgresql_import: true,
  test_postgres_port: 5433,
  test_database_name: 'migration_test',
  test_username: 'postgres',
  test_password: 'YOUR_TEST_PASSWORD',
  do_cleanup: true,
  temp_dir: '',
  chunk_size: 10000,
};

test('the original tool’s template loads unchanged, with its meanings', () => {
  const { config, warnings } = loadConfig(configFile(JSON.stringify(ORIGINAL_TEMPLATE)), {}, {});
  assert.deepEqual(warnings, []);
  assert.equal(config.postgres_port, 5432);
  assert.equal(config.test_postgres_port, 5433);
  assert.equal(config.chunk_size, 10000);
  assert.equal(config.insecure_mode, true);
  assert.equal(config.s3_backup_path, 's3://your-bucket/your-backup-path');
});

test('numeric strings work for numeric keys, as they did in the original', () => {
  const { config } = resolveConfig({ file: { postgres_port: '5433', cockroach_port: '26258' }, env: {} });
  assert.equal(config.postgres_port, 5433);
  assert.equal(config.cockroach_port, 26258);
});

test('each bad value is one line naming the key, the value and what is expected', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ postgres_port: 'abc' }, /^config: key "postgres_port" has value "abc"; expected a whole number$/],
    [{ postgres_port: 70000 }, /^config: key "postgres_port" has value 70000; expected a number ≤ 65535$/],
    [{ chunk_size: 0 }, /^config: key "chunk_size" has value 0; expected a number ≥ 1$/],
    [{ do_cleanup: 'yes' }, /^config: key "do_cleanup" has value "yes"; expected a boolean$/],
    [{ if_exists: 'overwrite' }, /^config: key "if_exists" has value "overwrite"; expected one of "error", "drop", "truncate", "skip"$/],
    [{ source: { type: 'tape' } }, /^config: key "source(\.type)?" has value .*; expected/],
    [{ source: { type: 'store' } }, /^config: key "source\.path" has value .*; expected a string$/],
    [{ postgres_host: 5 }, /^config: key "postgres_host" has value 5; expected a string$/],
  ];
  for (const [file, pattern] of cases) {
    assert.throws(
      () => resolveConfig({ file, env: {} }),
      (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.equal(e.message.includes('\n'), false, e.message);
        assert.match(e.message, pattern);
        return true;
      },
    );
  }
});

test('several bad keys give one line each', () => {
  assert.throws(
    () => resolveConfig({ file: { postgres_port: 'x', jobs: -1 }, env: {} }),
    (e: Error) => e.message.split('\n').length === 2,
  );
});

test('a bad secret value is reported without printing it', () => {
  assert.throws(
    () => resolveConfig({ file: { postgres_password: 12345678 }, env: {} }),
    (e: Error) => /postgres_password" has value \(secret value\); expected a string/.test(e.message) && !e.message.includes('12345678'),
  );
});

test('unknown keys warn with the nearest valid key', () => {
  const { warnings } = resolveConfig({ file: { postgre_port: 5432, totally_unrelated_setting: 1, _comment: 'x' }, env: {} });
  assert.deepEqual(warnings, [
    'config: unknown key "postgre_port" ignored; did you mean "postgres_port"?',
    'config: unknown key "totally_unrelated_setting" ignored',
  ]);
});

test('precedence: flags > config file > environment > defaults', () => {
  const env = { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', AWS_REGION: 'eu-west-1' };
  const { config } = resolveConfig({ file: { postgres_port: 7000 }, flags: { postgres_port: 8000 }, env });
  assert.equal(config.postgres_host, 'envhost');
  assert.equal(config.postgres_username, 'envuser');
  assert.equal(config.postgres_port, 8000);
  assert.equal(config.aws_region, 'eu-west-1');
  const r2 = resolveConfig({ file: { postgres_port: 7000 }, env });
  assert.equal(r2.config.postgres_port, 7000);
  const r3 = resolveConfig({ env: {} });
  assert.equal(r3.config.postgres_host, 'localhost');
});

test('missing file and invalid JSON are one-line errors', () => {
  assert.throws(
    () => loadConfig(join(dir, 'nope.json')),
    /^.*Configuration file not found: .*nope\.json; create one with `cockroach-migrate --create-config`/,
  );
  assert.throws(
    () => loadConfig(configFile('{"postgres_port": 5432,, }')),
    /Invalid JSON in configuration file .*: PropertyNameExpected at line 1, column 24/,
  );
  assert.throws(() => loadConfig(configFile('[1,2]')), /expected a JSON object/);
});

test('the commented sample config parses and validates', () => {
  const text = renderSampleConfig();
  assert.match(text, /^\/\/ cockroach-migrate configuration/);
  const { config, warnings } = loadConfig(configFile(text), {}, {});
  assert.deepEqual(warnings, []);
  assert.equal(config.s3_backup_path, 's3://your-bucket/your-backup-path');
  // Every key of the original template is in the sample (active, or commented out: keys the
  // environment fills and the restore path's keys).
  const sample = parseJsonc(text) as Record<string, unknown>;
  for (const k of Object.keys(ORIGINAL_TEMPLATE)) {
    assert.ok(k in sample || text.includes(`  // "${k}": `), `sample has ${k}`);
  }
});

test('secrets are collected for redaction', () => {
  const { secrets } = resolveConfig({
    file: { postgres_password: 'pg-secret-1', aws_secret_access_key: 'aws-secret-2', test_password: 'test-secret-3' },
    env: { AWS_SESSION_TOKEN: 'token-secret-4', CRDB_ENCRYPTION_PASSPHRASE: 'pass-secret-5' },
  });
  for (const s of ['pg-secret-1', 'aws-secret-2', 'test-secret-3', 'token-secret-4', 'pass-secret-5']) assert.ok(secrets.includes(s), s);
});

test('an unknown key next to a bad value: the error keeps the warning (often the typo behind the error)', () => {
  assert.throws(
    () => resolveConfig({ file: { postgre_port: 5432, chunk_size: 0 }, env: {} }),
    (e: Error) => {
      assert.equal(e.message, 'config: key "chunk_size" has value 0; expected a number ≥ 1');
      assert.deepEqual(configWarningsOf(e), ['config: unknown key "postgre_port" ignored; did you mean "postgres_port"?']);
      return true;
    },
  );
  assert.deepEqual(configWarningsOf(new Error('x')), []);
});

test('lists and objects are named as such in the expectation', () => {
  assert.throws(
    () => resolveConfig({ file: { databases: 'emails' }, env: {} }),
    /^ConfigError: config: key "databases" has value "emails"; expected a list \(JSON array\), e\.g\. \["a", "b"\]$/,
  );
  assert.throws(
    () => resolveConfig({ file: { locality_urls: ['ok', 7] }, env: {} }),
    /^ConfigError: config: key "locality_urls\.1" has value \["ok",7\]; expected a string$/,
  );
  assert.throws(
    () => resolveConfig({ file: { source: 's3://b/p' }, env: {} }),
    /^ConfigError: config: key "source" has value "s3:\/\/b\/p"; expected /,
  );
});

test('bad values from environment variables and flags name their origin', () => {
  assert.throws(
    () => resolveConfig({ env: { PGPORT: 'x' } }),
    /^ConfigError: environment variable PGPORT: key "postgres_port" has value "x"; expected a whole number$/,
  );
  assert.throws(
    () => resolveConfig({ env: {}, flags: { threads: 'maybe' } }),
    /^ConfigError: command line: key "threads" has value "maybe"; expected one of "auto", "on", "off"$/,
  );
});
