/**
 * The command line as a new user meets it: --create-config, --help, bad configs, the demo, and
 * secrets kept out of every output.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/cli.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-cli-'));

test('--create-config writes a commented sample and refuses to overwrite without --force', async () => {
  const dir = fresh();
  const r1 = await runCli(['--create-config'], { cwd: dir });
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stdout, /Sample configuration written to .*migration_config\.json/);
  const text = readFileSync(join(dir, 'migration_config.json'), 'utf8');
  assert.match(text, /"s3_backup_path": "s3:\/\/your-bucket\/your-backup-path"/);
  assert.match(text, /^\s*\/\/ /m);
  const r2 = await runCli(['--create-config'], { cwd: dir });
  assert.equal(r2.code, 2);
  assert.equal(r2.stderr.trim().split('\n').length, 1);
  assert.match(r2.stderr, /migration_config\.json already exists; not overwritten; pass --force/);
  const r3 = await runCli(['--create-config', '--force'], { cwd: dir });
  assert.equal(r3.code, 0);
});

test('--help shows every option with its default, and --version', async () => {
  const dir = fresh();
  const h = await runCli(['--help'], { cwd: dir });
  assert.equal(h.code, 0);
  for (const flag of [
    '--config',
    '--create-config',
    '--skip-validation',
    '--version',
    '--jobs',
    '--if-exists',
    '--on-error',
    'demo',
    'inspect',
    'convert-schema',
    'verify',
    'debug',
  ]) {
    assert.ok(h.stdout.includes(flag), `help mentions ${flag}`);
  }
  assert.match(h.stdout, /default: "migration_config\.json"/);
  const v = await runCli(['--version'], { cwd: dir });
  assert.match(v.stdout, /^cockroach-migrate \d+\.\d+\.\d+/);
});

test('bad inputs are one-line errors naming the thing and the fix', async () => {
  const dir = fresh();
  const missing = await runCli([], { cwd: dir });
  assert.equal(missing.code, 2, 'a configuration error exits 2, as a usage error');
  assert.equal(
    missing.stderr.trim(),
    'error: Configuration file not found: migration_config.json; create one with `cockroach-migrate --create-config`, or pass --config PATH',
  );
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ postgres_port: 'five', chunk_size: -3 }));
  const bad = await runCli(['--config', 'bad.json'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.deepEqual(bad.stderr.trim().split('\n'), [
    'error: bad.json: key "postgres_port" has value "five"; expected a whole number',
    'error: bad.json: key "chunk_size" has value -3; expected a number ≥ 1',
  ]);
  const usage = await runCli(['--if-exists', 'sometimes'], { cwd: dir });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /argument 'sometimes' is invalid/);
  writeFileSync(
    join(dir, 'store.json'),
    JSON.stringify({ source: { type: 'store', path: join(dir, 'no-such-store') }, postgres_import_enabled: false }),
  );
  const store = await runCli(['--config', 'store.json'], { cwd: dir });
  assert.equal(store.code, 1);
  assert.match(store.stderr, /error: cannot list store directory .*no-such-store: ENOENT; pass the cockroach-data directory of one store/);
});

test('no secret appears in migration.log, the console or the reports', async () => {
  const dir = fresh();
  const secrets = {
    aws_secret_access_key: 'AWS-SECRET-vX9q2',
    aws_session_token: 'SESSION-TOKEN-k8Ja',
    postgres_password: 'PG-TARGET-PASSWORD-3mZ',
    test_password: 'PG-TEST-PASSWORD-7Qw',
    encryption_passphrase: 'PASSPHRASE-horse-battery',
  };
  const keysFile = join(dir, 'aws_keys');
  writeFileSync(keysFile, 'export AWS_ACCESS_KEY=AKIAEXAMPLE\nexport AWS_SECRET_KEY=KEYS-FILE-SECRET-p0o\n');
  writeFileSync(
    join(dir, 'migration_config.json'),
    JSON.stringify({
      ...secrets,
      aws_access_key_id: 'AKIAEXAMPLE',
      aws_keys_file: keysFile,
      // The sample backup (local), loaded into the test instance; the target is unreachable, so the
      // run fails after logging connection details.
      source: { type: 'backup', url: new URL('../sample/backup', import.meta.url).pathname },
      postgres_host: '127.0.0.1',
      postgres_port: 1,
      postgres_username: 'migrator',
    }),
  );
  const r = await runCli(['--verbose', '--target', 'postgresql://migrator:URL-PASSWORD-zz9@127.0.0.1:1/app'], {
    cwd: dir,
    env: { AWS_SECRET_ACCESS_KEY: 'ENV-AWS-SECRET-4rt', PGPASSWORD: 'ENV-PG-PASSWORD-8uu' },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot reach target PostgreSQL migrator@127\.0\.0\.1:1/);
  const outputs = [r.stdout, r.stderr, readFileSync(join(dir, 'migration.log'), 'utf8')];
  for (const f of readdirSync(dir))
    if (/^(validation_report\.txt|report\.(json|html))$/.test(f)) outputs.push(readFileSync(join(dir, f), 'utf8'));
  assert.ok(outputs.length >= 5, 'log and reports were written');
  const all = [...Object.values(secrets), 'URL-PASSWORD-zz9', 'KEYS-FILE-SECRET-p0o', 'ENV-AWS-SECRET-4rt', 'ENV-PG-PASSWORD-8uu'];
  for (const text of outputs) for (const s of all) assert.equal(text.includes(s), false, `secret ${s} leaked`);
  assert.ok(existsSync(join(dir, 'migration.log')));
});

test('demo: the README’s first command migrates the bundled sample and writes the reports here', async () => {
  const dir = fresh();
  const r = await runCli(['demo'], { cwd: dir, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Migration completed: 7 tables, 28 rows; verified identical: 7\/7 in the target, 7\/7 in the test instance/);
  // The plan's estimate, as `check` prints it, before anything is loaded.
  assert.match(r.stderr.split('start test instance')[0]!, /estimated time: ~\d+ s \(28 rows × 2 loads .* verified/);
  assert.match(r.stderr, /Reports: .*validation_report\.txt/);
  // Progress knows every table from the start and, from the backup's row counts, an ETA.
  const progress = r.stderr.split('\n').filter((l) => /^target: emails\.public\.\w+ loaded:/.test(l));
  assert.equal(progress.length, 7, r.stderr);
  for (const l of progress) assert.match(l, /all: \d\/7 tables, [\d,]+ rows, [\d,]+ rows\/s, ETA (<1s|\d+s)$/);
  assert.match(progress.at(-1)!, /all: 7\/7 tables, 28 rows, .*ETA <1s$/);
  for (const f of ['validation_report.txt', 'report.json', 'report.html', 'migration.log']) assert.ok(existsSync(join(dir, f)), f);
  const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { verdict: string; tables: unknown[] };
  // Same-meaning schema changes (constraint names, `:::` casts) are no warnings: a clean verdict.
  assert.equal(json.verdict, 'success');
  assert.equal(json.tables.length, 14);
});

test('inspect lists the bundled sample backup’s chain, tables and counts', async () => {
  const dir = fresh();
  const sample = new URL('../sample/backup', import.meta.url).pathname;
  const r = await runCli(['inspect', sample], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^layer 0 full: 2019\/04\/10-111936\.55 \[BACKUP_MANIFEST/m);
  assert.match(r.stdout, /table public\.email \(id 57\): 8 columns, 5 rows/);
  assert.match(r.stdout, /sequence public\.emailid: current value 5/);
  const dump = await runCli(['inspect', sample, '--dump', 'emails.folder'], { cwd: dir });
  assert.equal(dump.code, 0, dump.stderr);
  assert.equal(dump.stdout.trim().split('\n').length, 4, dump.stdout);
});
