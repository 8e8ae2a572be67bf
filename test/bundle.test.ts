/**
 * The package as users run it: the bundles scripts/bundle.mjs writes (library, CLI, load worker),
 * built here into a scratch copy of the package, so what is checked is these sources' bundles and
 * not a dist/ left from an earlier build. Each bundle finds package.json (the version) and the
 * sample (the demo) from where it is; the CLI bundle starts the worker bundle, and the
 * dependencies bundled into both work: configuration files, PostgreSQL, descriptors, SSTables,
 * object storage.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { startTestS3, type TestS3 } from '../src/storage/testing/s3-server.js';
import { migrationDir, runCli } from './support/cli.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BACKUP = fileURLToPath(new URL('../../shared/fixtures/crdb-backups/exports-v19.1.4/backup', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

let pkg = '';
let cli = '';
let s3: TestS3 | undefined;
after(async () => {
  await s3?.stop();
});
before(() => {
  pkg = mkdtempSync(join(tmpdir(), 'cm-bundle-'));
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  symlinkSync(join(ROOT, 'sample'), join(pkg, 'sample'));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--outdir', join(pkg, 'dist')], { stdio: 'inherit' });
  cli = join(pkg, 'dist', 'cli', 'main.js');
});

test('the bundles: the CLI prints the package version, the library exports its API', async () => {
  const r = await runCli(['--version'], { cwd: pkg, main: cli });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `cockroach-migrate ${version}`);
  const lib = (await import(pathToFileURL(join(pkg, 'dist', 'index.js')).href)) as Record<string, unknown>;
  for (const name of ['migrate', 'resolveConfig', 'openSource', 'verifyOnly']) assert.equal(typeof lib[name], 'function', name);
});

test('the CLI bundle runs the demo on the bundled sample', async () => {
  const r = await runCli(['demo'], { cwd: mkdtempSync(join(tmpdir(), 'cm-bundle-demo-')), main: cli, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Migration completed: 7 tables, 28 rows; verified identical: 7\/7 in the target, 7\/7 in the test instance/);
});

test('the CLI bundle loads a real backup on worker threads started from the worker bundle', async () => {
  const server = await withTempPostgres();
  const dir = migrationDir('cm-bundle-run-', {
    source: { type: 'backup', url: BACKUP },
    test_postgresql_import: false,
    threads: 'on',
    ...targetKeys(server),
  });
  const r = await runCli([], { cwd: dir, main: cli, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /decoding and loading on \d+ worker threads \(threads: on/);
  assert.match(r.stderr, /Migration completed: \d+ tables, \d+ rows; verified identical: (\d+)\/\1 in the target/);
});

test('the CLI bundle migrates a backup from S3, its worker threads reading through the main thread', { timeout: 180_000 }, async () => {
  s3 = await startTestS3();
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
  for (const f of files(BACKUP)) await s3.put(`bundle/${relative(BACKUP, f)}`, readFileSync(f));
  const server = await withTempPostgres();
  const dir = migrationDir('cm-bundle-s3-', {
    source: { type: 'backup', url: `s3://${s3.bucket}/bundle` },
    aws_endpoint: s3.endpoint,
    aws_region: 'us-east-1',
    aws_access_key_id: s3.accessKeyId,
    aws_secret_access_key: s3.secretAccessKey,
    test_postgresql_import: false,
    threads: 'on',
    if_exists: 'drop', // the same database as the test before, on the same server
    ...targetKeys(server),
  });
  const noAwsEnv = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('AWS_'))
      .map((k) => [k, '']),
  );
  const r = await runCli([], { cwd: dir, main: cli, env: noAwsEnv, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /decoding and loading on \d+ worker threads \(threads: on/);
  assert.match(r.stderr, /Migration completed: \d+ tables, \d+ rows; verified identical: (\d+)\/\1 in the target/);
});
