/**
 * `--create-config` as a user meets it: the file it writes loads; it overrides no PG… or AWS_…
 * variable the user has set; the restore path's keys are not in its active body; every commented
 * key loads when uncommented; relative paths in a config file are relative to that file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseJsonc } from 'jsonc-parser';
import { loadConfig } from '../src/config/load-config.js';
import { CONFIG_KEYS } from '../src/config/keys.js';
import { runCli } from './support/cli.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-create-config-'));

async function created(): Promise<{ dir: string; text: string }> {
  const dir = fresh();
  const r = await runCli(['--create-config'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return { dir, text: readFileSync(join(dir, 'migration_config.json'), 'utf8') };
}

test('the sample overrides no environment variable and has no restore-path key in its active body', async () => {
  const { dir, text } = await created();
  const active = parseJsonc(text) as Record<string, unknown>;
  for (const k of [
    'postgres_host',
    'postgres_port',
    'postgres_database',
    'postgres_username',
    'postgres_password',
    'aws_access_key_id',
    'aws_secret_access_key',
  ]) {
    assert.ok(!(k in active), `${k} is commented out`);
  }
  for (const k of [
    'cockroach_version',
    'cockroach_port',
    'cockroach_http_port',
    'certs_dir',
    'insecure_mode',
    'postgres_version',
    'test_database_name',
  ]) {
    assert.ok(!(k in active), `restore-path key ${k} is commented out`);
  }
  const env = {
    PGHOST: 'db.example.com',
    PGPORT: '6543',
    PGUSER: 'app',
    PGPASSWORD: 'from-env-pw',
    PGDATABASE: 'appdb',
    AWS_ACCESS_KEY_ID: 'AKIAENV',
    AWS_SECRET_ACCESS_KEY: 'env-secret',
  };
  const { config } = loadConfig(join(dir, 'migration_config.json'), {}, env);
  assert.equal(config.postgres_host, 'db.example.com');
  assert.equal(config.postgres_port, 6543);
  assert.equal(config.postgres_username, 'app');
  assert.equal(config.postgres_password, 'from-env-pw');
  assert.equal(config.postgres_database, 'appdb');
  assert.equal(config.aws_access_key_id, 'AKIAENV');
  assert.equal(config.aws_secret_access_key, 'env-secret');
});

test('every commented key of the sample loads when uncommented, and every key is in the sample', async () => {
  const { dir, text } = await created();
  const lines = text.split('\n');
  const commented = lines.flatMap((l, i) => (/^ {2}\/\/ "\w+": /.test(l) ? [i] : []));
  const named = new Set([...text.matchAll(/^ {2}(?:\/\/ )?"(\w+)": /gm)].map((m) => m[1]!));
  assert.deepEqual([...named].sort(), Object.keys(CONFIG_KEYS).sort());
  for (const i of commented) {
    const key = /"(\w+)"/.exec(lines[i]!)![1]!;
    const edited = lines.map((l, j) => (j === i ? l.replace('// ', '') : l)).join('\n');
    const file = join(dir, `${key}.json`);
    writeFileSync(file, edited);
    const { config, warnings } = loadConfig(file, {}, {});
    assert.deepEqual(warnings, [], key);
    assert.notEqual((config as Record<string, unknown>)[key], undefined, `${key} is set`);
  }
});

test('relative paths in a config file are relative to the file, not to the current directory', async () => {
  const dir = fresh();
  mkdirSync(join(dir, 'conf'));
  writeFileSync(
    join(dir, 'conf', 'm.json'),
    JSON.stringify({ source: { type: 'store', path: '../no-store-here' }, report_dir: 'reports', temp_dir: '' }),
  );
  const { config } = loadConfig(join(dir, 'conf', 'm.json'), {}, {});
  assert.deepEqual(config.source, { type: 'store', path: join(dir, 'no-store-here') });
  assert.equal(config.report_dir, join(dir, 'conf', 'reports'));
  assert.equal(config.temp_dir, '');
  // Through the CLI from another folder: the store path named is the one next to the config's folder.
  const elsewhere = fresh();
  const r = await runCli(['inspect', '--config', join(dir, 'conf', 'm.json')], { cwd: elsewhere });
  assert.match(r.stderr, new RegExp(`${join(dir, 'no-store-here').replaceAll('/', '\\/')}`));
});
