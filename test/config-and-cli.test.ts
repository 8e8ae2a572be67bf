/**
 * Issue #2 acceptance checks beyond test/cli.test.ts: every option's help shows its default, the
 * built package works by name (bins and `import … from 'cockroach-migrate'`), bad values from the
 * file, the environment and flags are one line each, flags > file > environment, logging levels
 * and the log path, every kind of secret kept out of every output, and a test instance kept (and
 * its path printed) when do_cleanup is false.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS } from '../src/config/keys.js';
import { configFromOptions } from '../src/cli/main.js';
import { runCli } from './support/cli.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  exports: Record<string, Record<string, string>>;
};
const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-issue2-'));
const SAMPLE = join(ROOT, 'sample/backup');

/** Help text → one entry per option: its flags and its (unwrapped) description. */
function helpOptions(help: string): Array<{ flags: string; text: string }> {
  const section = help.split(/^Options:$/m)[1]!.split(/^(Commands:|Exit codes)/m)[0]!;
  const out: Array<{ flags: string; text: string }> = [];
  for (const line of section.split('\n')) {
    const m = /^ {2}(-\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (m) out.push({ flags: m[1]!.trim(), text: m[2] ?? '' });
    else if (/^ {4,}\S/.test(line) && out.length > 0) out[out.length - 1]!.text += ` ${line.trim()}`;
  }
  return out;
}

test('--help: every option shows its default, and the defaults are those of the config keys', async () => {
  const dir = fresh();
  const h = await runCli(['--help'], { cwd: dir });
  assert.equal(h.code, 0, h.stderr);
  const opts = helpOptions(h.stdout);
  assert.ok(opts.length >= 25, `found ${opts.length} options`);
  for (const o of opts) {
    if (/--help|--version/.test(o.flags)) continue;
    assert.match(o.text, /\(default: [^)]/, `option ${o.flags} shows no default: "${o.text}"`);
  }
  const textOf = (flag: string): string => opts.find((o) => o.flags.includes(flag))!.text;
  const expectDefault = (flag: string, value: unknown): void =>
    assert.ok(textOf(flag).includes(`(default: ${String(value)}`), `${flag}: "${textOf(flag)}" should show ${String(value)}`);
  expectDefault('--chunk-size', CONFIG_KEYS.chunk_size.default);
  expectDefault('--log-file', CONFIG_KEYS.log_file.default);
  expectDefault('--threads', CONFIG_KEYS.threads.default);
  expectDefault('--if-exists', CONFIG_KEYS.if_exists.default);
  expectDefault('--on-error', CONFIG_KEYS.on_error.default);
  expectDefault('--database-mapping', CONFIG_KEYS.database_mapping.default);
  expectDefault('--rowid', CONFIG_KEYS.rowid.default);
  expectDefault('--report-dir', CONFIG_KEYS.report_dir.default);
  expectDefault('--config', '"migration_config.json"');
  // Subcommands too.
  for (const sub of [['demo'], ['inspect'], ['debug', 'sst'], ['debug', 'wal']]) {
    const s = await runCli([...sub, '--help'], { cwd: dir });
    assert.equal(s.code, 0, s.stderr);
    for (const o of helpOptions(s.stdout))
      if (!/--help/.test(o.flags)) assert.match(o.text, /\(default: [^)]/, `${sub.join(' ')} ${o.flags}: "${o.text}"`);
  }
});

test('--version prints the package.json version', async () => {
  const v = await runCli(['--version'], { cwd: fresh() });
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), `cockroach-migrate ${PKG.version}`);
});

/** Runs a built bin the way npx / npm's .bin link does: the file itself, through its shebang. */
function runBin(bin: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('the built package: both bins run --create-config then --help, and `import { migrate } from "cockroach-migrate"` works by name', async () => {
  // dist/ is built by `npm ci` (the package's prepare script) or `npm run build`.
  assert.deepEqual(Object.keys(PKG.bin).sort(), ['cockroach-migrate', 'crdb-migrate']);
  for (const [name, rel] of Object.entries(PKG.bin)) {
    const bin = join(ROOT, rel);
    assert.ok(existsSync(bin), `${name} → ${rel} is missing: run npm run build (npm ci does it)`);
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, `${rel} starts with a node shebang`);
    accessSync(bin, constants.X_OK);
    const dir = fresh();
    const c = await runBin(bin, ['--create-config'], dir);
    assert.equal(c.code, 0, c.stderr);
    assert.match(readFileSync(join(dir, 'migration_config.json'), 'utf8'), /^\/\/ cockroach-migrate configuration/);
    const h = await runBin(bin, ['--help'], dir);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^Usage: cockroach-migrate \[options\] \[command\]/);
    assert.match(h.stdout, /--create-config/);
    const v = await runBin(bin, ['--version'], dir);
    assert.equal(v.stdout.trim(), `cockroach-migrate ${PKG.version}`);
  }
  // The library entry, resolved by package name through package.json "exports" (self-reference).
  assert.equal(PKG.name, 'cockroach-migrate');
  // (The name is a variable so the type-checker does not need dist/ to exist.)
  const name = PKG.name;
  assert.equal(import.meta.resolve(name), new URL(PKG.exports['.']!.import!, `file://${ROOT}`).href);
  const lib = (await import(name)) as Record<string, unknown>;
  for (const f of ['migrate', 'verifyOnly', 'resolveConfig', 'loadConfig', 'startTempPostgres', 'convertSchemaText', 'createLogger']) {
    assert.equal(typeof lib[f], 'function', `export ${f}`);
  }
  const { config } = (lib.resolveConfig as (i: object) => { config: { postgres_port: number } })({
    file: { postgres_port: '6543' },
    env: {},
  });
  assert.equal(config.postgres_port, 6543);
  assert.ok(existsSync(join(ROOT, PKG.exports['.']!.types!)), 'type declarations are built');
});

test('bad values in the file, the environment and on the command line: one line each naming key, value and expectation', async () => {
  const dir = fresh();
  const bad: Record<string, unknown> = {
    postgres_port: 'five',
    chunk_size: -3,
    do_cleanup: 'sometimes',
    if_exists: 'overwrite',
    threads: 4,
    log_level: 'loud',
    test_postgres_port: 70000,
    source: { type: 'store' },
    encryption_data_key: 'not-hex-SECRET-VALUE',
    databases: 'emails',
  };
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
  const r = await runCli(['--config', 'bad.json'], { cwd: dir });
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, Object.keys(bad).length, r.stderr);
  const named = new Set<string>();
  for (const l of lines) {
    const m = /^error: bad\.json: key "([a-z_]+)(?:\.[a-z_]+)?" has value (.+); expected (.+)$/.exec(l);
    assert.ok(m, `not the one-line form: ${l}`);
    named.add(m[1]!);
    if (m[1] === 'encryption_data_key') assert.equal(m[2], '(secret value)');
    else assert.ok(m[2]!.includes(JSON.stringify(bad[m[1]!]).slice(0, 20)) || m[1] === 'source', l);
  }
  assert.deepEqual([...named].sort(), Object.keys(bad).sort());
  assert.equal(r.stderr.includes('not-hex-SECRET-VALUE'), false);

  // Environment variables and flags are validated the same way, naming where the value came from.
  writeFileSync(join(dir, 'ok.json'), JSON.stringify({ source: { type: 'store', path: join(dir, 'none') } }));
  const env = await runCli(['--config', 'ok.json'], { cwd: dir, env: { PGPORT: 'abc', AWS_REGION: '' } });
  assert.equal(env.code, 2);
  assert.equal(env.stderr.trim(), 'error: environment variable PGPORT: key "postgres_port" has value "abc"; expected a whole number');
  const flag = await runCli(['--config', 'ok.json', '--jobs', '0', '--chunk-size', 'lots'], { cwd: dir });
  assert.equal(flag.code, 2);
  assert.deepEqual(flag.stderr.trim().split('\n'), [
    'error: command line: key "jobs" has value "0"; expected a number ≥ 1',
    'error: command line: key "chunk_size" has value "lots"; expected a whole number',
  ]);
});

test('unknown keys: a warning naming the nearest valid key, on the console and in migration.log', async () => {
  const dir = fresh();
  writeFileSync(
    join(dir, 'migration_config.json'),
    JSON.stringify({ source: { type: 'store', path: join(dir, 'none') }, postgre_port: 5432, chunksize: 10, s3_backup_pth: 'x' }),
  );
  const r = await runCli([], { cwd: dir });
  assert.equal(r.code, 1);
  const log = readFileSync(join(dir, 'migration.log'), 'utf8');
  for (const [bad, good] of [
    ['postgre_port', 'postgres_port'],
    ['chunksize', 'chunk_size'],
    ['s3_backup_pth', 's3_backup_path'],
  ]) {
    const w = `migration_config.json: unknown key "${bad}" ignored; did you mean "${good}"?`;
    assert.ok(r.stderr.includes(`warning: ${w}`), r.stderr);
    assert.ok(log.includes(`- WARN - ${w}`), log);
  }
});

test('precedence: flags override the file, the file overrides AWS_*/PG* variables, which fill what the file leaves out', () => {
  const dir = fresh();
  const path = join(dir, 'c.json');
  writeFileSync(path, JSON.stringify({ postgres_port: 7000, jobs: 2, aws_region: 'file-region', if_exists: 'skip' }));
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      PGHOST: 'env-host',
      PGPORT: '6000',
      PGUSER: 'env-user',
      PGDATABASE: 'env-db',
      PGPASSWORD: 'env-password',
      AWS_REGION: 'env-region',
      AWS_ACCESS_KEY_ID: 'AKIAENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-token',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_PROFILE: 'env-profile',
    });
    const { config, secrets } = configFromOptions(
      {
        config: path,
        jobs: '5',
        target: 'postgresql://flag-user:flag%20pw@flag-host:7777/flagdb',
        ifExists: 'drop',
        skipValidation: true,
        logFile: 'x.log',
      },
      true,
    );
    // Flags win.
    assert.equal(config.jobs, 5);
    assert.equal(config.skip_validation, true);
    assert.equal(config.log_file, 'x.log');
    assert.equal(config.if_exists, 'drop');
    assert.equal(config.postgres_host, 'flag-host');
    assert.equal(config.postgres_port, 7777);
    assert.equal(config.postgres_username, 'flag-user');
    assert.equal(config.postgres_password, 'flag pw');
    assert.equal(config.postgres_database, 'flagdb');
    // The file beats the environment.
    assert.equal(config.aws_region, 'file-region');
    // The environment fills the rest.
    assert.equal(config.aws_access_key_id, 'AKIAENV');
    assert.equal(config.aws_secret_access_key, 'env-secret');
    assert.equal(config.aws_session_token, 'env-token');
    assert.equal(config.aws_endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.aws_profile, 'env-profile');
    for (const s of ['flag pw', 'AKIAENV', 'env-secret', 'env-token']) assert.ok(secrets.includes(s), s);
    // Without flags, the file's port beats PGPORT and PG* fill host/user/database/password.
    const noFlags = configFromOptions({ config: path }, true).config;
    assert.equal(noFlags.postgres_port, 7000);
    assert.equal(noFlags.postgres_host, 'env-host');
    assert.equal(noFlags.postgres_username, 'env-user');
    assert.equal(noFlags.postgres_database, 'env-db');
    assert.equal(noFlags.postgres_password, 'env-password');
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('logging: --quiet prints only errors, the log file keeps info; --log-file and log_level choose path and level', async () => {
  const dir = fresh();
  writeFileSync(join(dir, 'migration_config.json'), JSON.stringify({ source: { type: 'store', path: join(dir, 'none') } }));
  const normal = await runCli([], { cwd: dir });
  assert.equal(normal.code, 1);
  const infoLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l !== '' && !/^(error|warning): /.test(l));
  assert.ok(infoLines(normal.stderr).length > 0, 'info lines on the console by default');
  const quiet = await runCli(['--quiet'], { cwd: dir });
  assert.equal(quiet.code, 1);
  assert.ok(
    quiet.stderr
      .trim()
      .split('\n')
      .every((l) => l.startsWith('error: ')),
    quiet.stderr,
  );
  const log = readFileSync(join(dir, 'migration.log'), 'utf8');
  assert.match(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - INFO - \S/m);
  assert.match(log, / - ERROR - cannot list store directory /);
  // --log-file: another path (directories created); nothing written to migration.log.
  rmSync(join(dir, 'migration.log'));
  const custom = await runCli(['--log-file', 'logs/run/custom.log', '--verbose'], { cwd: dir });
  assert.equal(custom.code, 1);
  assert.ok(existsSync(join(dir, 'logs/run/custom.log')));
  assert.equal(existsSync(join(dir, 'migration.log')), false);
  // log_level warn in the file: the log holds no INFO lines, the console neither.
  writeFileSync(
    join(dir, 'warn.json'),
    JSON.stringify({ source: { type: 'store', path: join(dir, 'none') }, log_level: 'warn', log_file: 'warn.log' }),
  );
  const warn = await runCli(['--config', 'warn.json'], { cwd: dir });
  assert.equal(warn.code, 1);
  const warnLog = readFileSync(join(dir, 'warn.log'), 'utf8');
  assert.doesNotMatch(warnLog, / - INFO - /);
  assert.match(warnLog, / - ERROR - /);
  assert.deepEqual(infoLines(warn.stderr), []);
  // log_file "" = no log file at all.
  writeFileSync(join(dir, 'nolog.json'), JSON.stringify({ source: { type: 'store', path: join(dir, 'none') }, log_file: '' }));
  const before = readdirSync(dir).filter((f) => f.endsWith('.log'));
  await runCli(['--config', 'nolog.json'], { cwd: dir });
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.log')),
    before,
  );
});

test('secrets of every kind (config keys, env, keys file, URL credentials, Azure key/SAS/connection string) stay out of console, log and reports', async () => {
  const dir = fresh();
  const keysFile = join(dir, 'aws_keys');
  writeFileSync(keysFile, 'export AWS_ACCESS_KEY=AKIAKEYSFILE77\nexport AWS_SECRET_KEY=KEYS-FILE-SECRET-p0o\n');
  const azureKey = Buffer.from('URL-AZURE-ACCOUNT-KEY-secret').toString('base64');
  const config = {
    source: { type: 'backup', url: `azure://backups/emails?AZURE_ACCOUNT_NAME=devacct&AZURE_ACCOUNT_KEY=${encodeURIComponent(azureKey)}` },
    aws_access_key_id: 'AKIACONFIG1234',
    aws_secret_access_key: 'AWS-SECRET-vX9q2',
    aws_session_token: 'SESSION-TOKEN-k8Ja',
    aws_keys_file: keysFile,
    postgres_password: 'PG-TARGET-PASSWORD-3mZ',
    test_password: 'PG-TEST-PASSWORD-7Qw',
    encryption_passphrase: 'PASSPHRASE-horse-battery',
    encryption_data_key: 'ab'.repeat(32),
    locality_urls: ['s3://b/p?COCKROACH_LOCALITY=region%3Dus&AWS_ACCESS_KEY_ID=AKIALOCALITY&AWS_SECRET_ACCESS_KEY=LOCALITY-S3-SECRET-q1'],
    test_postgresql_import: false,
    postgres_host: '127.0.0.1',
    postgres_port: 1,
  };
  writeFileSync(join(dir, 'migration_config.json'), JSON.stringify(config));
  const env = {
    AZURE_STORAGE_KEY: Buffer.from('ENV-AZURE-STORAGE-KEY').toString('base64'),
    AZURE_STORAGE_SAS_TOKEN: '?sv=2022-11-02&ss=b&sig=ENV-SAS-SIGNATURE-w2',
    AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devacct;AccountKey=${Buffer.from('CONN-STRING-KEY').toString('base64')};BlobEndpoint=http://127.0.0.1:1/devacct`,
    AZURE_CLIENT_SECRET: 'ENV-AZURE-CLIENT-SECRET-5',
    AWS_SECRET_ACCESS_KEY: 'ENV-AWS-SECRET-4rt',
    PGPASSWORD: 'ENV-PG-PASSWORD-8uu',
    CRDB_ENCRYPTION_PASSPHRASE: 'ENV-PASSPHRASE-zebra',
  };
  const r = await runCli(['--verbose', '--target', 'postgresql://migrator:URL-PASSWORD-zz9@127.0.0.1:1/app'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /azure:\/\/backups\/emails/, 'the failing source is named (without its key)');
  const outputs: Array<[string, string]> = [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
    ['migration.log', readFileSync(join(dir, 'migration.log'), 'utf8')],
  ];
  for (const f of ['validation_report.txt', 'report.json', 'report.html']) outputs.push([f, readFileSync(join(dir, f), 'utf8')]);
  const secrets = [
    azureKey,
    encodeURIComponent(azureKey),
    'AKIACONFIG1234',
    'AWS-SECRET-vX9q2',
    'SESSION-TOKEN-k8Ja',
    'AKIAKEYSFILE77',
    'KEYS-FILE-SECRET-p0o',
    'PG-TARGET-PASSWORD-3mZ',
    'PG-TEST-PASSWORD-7Qw',
    'PASSPHRASE-horse-battery',
    'ab'.repeat(32),
    'AKIALOCALITY',
    'LOCALITY-S3-SECRET-q1',
    'URL-PASSWORD-zz9',
    ...Object.values(env).filter((v) => !v.startsWith('DefaultEndpoints')),
    'ENV-SAS-SIGNATURE-w2',
    Buffer.from('CONN-STRING-KEY').toString('base64'),
  ];
  for (const [where, text] of outputs) for (const s of secrets) assert.equal(text.includes(s), false, `secret ${s} leaked into ${where}`);
});

test(
  'do_cleanup false: the test instance is stopped but its data directory is kept, and its path is printed',
  { timeout: 180_000 },
  async () => {
    const dir = fresh();
    const base = mkdtempSync(join(tmpdir(), 'cm-keep-'));
    chmodSync(base, 0o755);
    try {
      writeFileSync(
        join(dir, 'migration_config.json'),
        JSON.stringify({
          source: { type: 'backup', url: SAMPLE },
          do_cleanup: false,
          temp_dir: base,
          postgres_import_enabled: false,
          threads: 'off',
        }),
      );
      const r = await runCli([], { cwd: dir, timeoutMs: 170_000 });
      assert.equal(r.code, 0, r.stderr);
      const m = /test instance data directory kept \(do_cleanup is false\): (\S+)/.exec(r.stderr);
      assert.ok(m, r.stderr);
      const dataDir = m[1]!;
      assert.ok(dataDir.startsWith(`${base}/cockroach_migration_pg_`), dataDir);
      assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'the kept directory is a PostgreSQL data directory');
      const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      assert.equal(ps.includes(dataDir), false, 'the server itself was stopped');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
);

test('README: the configuration reference names every config key, and the two commands are the ones CI runs', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const reference = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const missing = Object.keys(CONFIG_KEYS).filter((k) => !reference.includes(`\`${k}\``));
  assert.deepEqual(missing, [], 'keys missing from README "Configuration"');
  assert.match(readme, /^npm ci && npx cockroach-migrate demo$/m);
  assert.match(readme, /^npm ci && npm test$/m);
  assert.match(readFileSync(join(ROOT, '.ci/run'), 'utf8'), /^npm ci && npm test$/m);
});

/** Section numbers (`1.1`, `4`, …) a `docs/formats.md §…` citation names; ranges (`§6.2–6.5`) expand within one chapter. */
function citedSections(after: string): string[] {
  const out: string[] = [];
  const ref = /^[\s*/]*§(\d+(?:\.\d+)?)(?:[–-](\d+(?:\.\d+)?))?/;
  let rest = after;
  for (let m = ref.exec(rest); m; m = ref.exec(rest)) {
    const [from, to] = [m[1]!, m[2]];
    out.push(from);
    if (to !== undefined) {
      const [fa, fb] = from.split('.');
      const [ta, tb] = to.split('.');
      if (fa === ta && fb !== undefined && tb !== undefined) for (let n = Number(fb) + 1; n <= Number(tb); n++) out.push(`${fa}.${n}`);
      else out.push(to);
    }
    rest = rest.slice(m[0].length);
    const sep = /^(?:\s*,|\s*\/|\s+and)(?=\s*§)/.exec(rest);
    if (!sep) break;
    rest = rest.slice(sep[0].length);
  }
  return out;
}

test('docs/formats.md: every `docs/formats.md §…` citation in src/, bench/ and test/ names a section that exists there', () => {
  const doc = readFileSync(join(ROOT, 'docs/formats.md'), 'utf8');
  const sections = new Set([...doc.matchAll(/^#{2,3} (\d+(?:\.\d+)?)[.\s]/gm)].map((m) => m[1]!));
  const dangling: string[] = [];
  const outside: string[] = [];
  let citations = 0;
  for (const dir of ['src', 'bench', 'test']) {
    for (const rel of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mts|js|mjs)$/.test(rel) || rel.split(/[\\/]/).includes('node_modules')) continue;
      const file = join(dir, rel);
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (/crdb-formats\.md/.test(text)) outside.push(file);
      for (const m of text.matchAll(/docs\/formats\.md/g)) {
        const cited = citedSections(text.slice(m.index + m[0].length, m.index + m[0].length + 200));
        if (cited.length === 0) continue;
        citations++;
        const line = text.slice(0, m.index).split('\n').length;
        for (const s of cited) if (!sections.has(s)) dangling.push(`${file}:${line} §${s}`);
      }
    }
  }
  assert.ok(citations >= 90, `expected the ~99 section citations in src/, bench/ and test/, found ${citations}`);
  assert.deepEqual(dangling, [], 'citations naming no section heading of docs/formats.md');
  assert.deepEqual(outside, [], 'files still citing the old out-of-repo format reference');
});
