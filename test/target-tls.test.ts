/**
 * TLS and connection strings against a real PostgreSQL started with ssl=on and a hostssl-only
 * pg_hba.conf, with a CA and a server certificate for "localhost" made here with openssl.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { resolveConfig } from '../src/config/load-config.js';
import { startTempPostgres, type TempPostgres } from '../src/pg-instance/index.js';
import { postgresRunAs } from '../src/pg-instance/os-user.js';
import { connectTo, targetServer } from '../src/pipeline/pg-target.js';
import { LoadError, ConfigError } from '../src/util/errors.js';
import { runCli, migrationDir } from './support/cli.js';

let dir: string;
let server: TempPostgres;

function openssl(...args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'target-tls-'));
  chmodSync(dir, 0o755);
  makeCa('ca');
  makeCa('other-ca');
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  // PostgreSQL wants its key private to the user it runs as (unprivileged when we are root).
  const who = postgresRunAs();
  if (who.uid !== undefined && who.gid !== undefined && process.getuid?.() === 0) chownSync(join(dir, 'server.key'), who.uid, who.gid);
  chmodSync(join(dir, 'server.key'), 0o600);
  chmodSync(join(dir, 'server.crt'), 0o644);
  writeFileSync(join(dir, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n', {
    mode: 0o644,
  });
  server = await startTempPostgres({
    settings: {
      ssl: 'on',
      ssl_cert_file: join(dir, 'server.crt'),
      ssl_key_file: join(dir, 'server.key'),
      hba_file: join(dir, 'pg_hba.conf'),
    },
  });
});

after(async () => {
  await server?.stop();
});

/** The target as a user would give it: a keyword/value string through --target (postgres_url). */
function target(conninfo: string, env: NodeJS.ProcessEnv = {}) {
  return targetServer(
    resolveConfig({ flags: { postgres_url: `port=${server.port} user=${server.user} password=${server.password} ${conninfo}` }, env })
      .config,
  );
}

async function sslInUse(client: pg.Client): Promise<boolean> {
  const r = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  await client.end();
  return r.rows[0]!.ssl;
}

test('verify-full succeeds with the CA for the name on the certificate, and fails for another name', async () => {
  assert.equal(await sslInUse(await connectTo(target(`host=localhost sslmode=verify-full sslrootcert=${dir}/ca.crt`), 'postgres')), true);
  await assert.rejects(
    connectTo(target(`host=127.0.0.1 sslmode=verify-full sslrootcert=${dir}/ca.crt`), 'postgres'),
    (e: unknown) =>
      e instanceof LoadError &&
      /certificate does not name host "127\.0\.0\.1" \(sslmode verify-full\)/.test(e.message) &&
      /verify-ca/.test(e.hint ?? ''),
  );
  // verify-ca checks the chain only.
  assert.equal(await sslInUse(await connectTo(target(`host=127.0.0.1 sslmode=verify-ca sslrootcert=${dir}/ca.crt`), 'postgres')), true);
});

test('require encrypts without a CA; with a root certificate it checks the chain, as libpq', async () => {
  assert.equal(await sslInUse(await connectTo(target('host=127.0.0.1 sslmode=require'), 'postgres')), true);
  await assert.rejects(
    connectTo(target(`host=127.0.0.1 sslmode=require sslrootcert=${dir}/other-ca.crt`), 'postgres'),
    (e: unknown) => e instanceof LoadError && /certificate is not trusted \(sslmode require/.test(e.message),
  );
  // PGSSLMODE=require means libpq's require (no check), not node-pg's verify-full.
  const fromEnv = targetServer(
    resolveConfig({
      flags: { postgres_url: `host=127.0.0.1 port=${server.port} user=${server.user} password=${server.password}` },
      env: { PGSSLMODE: 'require' },
    }).config,
  );
  assert.equal(await sslInUse(await connectTo(fromEnv, 'postgres')), true);
});

test('verify-full without a root certificate is a configuration error naming sslrootcert', () => {
  assert.throws(
    () => target('host=localhost sslmode=verify-full'),
    (e: unknown) =>
      e instanceof ConfigError && /sslmode "verify-full" needs a root certificate/.test(e.message) && /sslrootcert/.test(e.hint ?? ''),
  );
});

test('disable is refused by a TLS-only server with one line naming sslmode and the fix; allow and prefer end up on TLS', async () => {
  await assert.rejects(
    connectTo(target('host=127.0.0.1 sslmode=disable'), 'postgres'),
    (e: unknown) =>
      e instanceof LoadError &&
      /refused a connection without TLS \(sslmode disable\)/.test(e.message) &&
      /sslmode/.test(e.hint ?? '') &&
      /require/.test(e.hint ?? '') &&
      !e.message.includes('\n'),
  );
  assert.equal(await sslInUse(await connectTo(target('host=127.0.0.1 sslmode=allow'), 'postgres')), true);
  assert.equal(await sslInUse(await connectTo(target('host=127.0.0.1'), 'postgres')), true, 'default prefer');
});

test('the temporary instance ignores PGSSLMODE; prefer falls back to plain on a server without TLS', async () => {
  const saved = process.env.PGSSLMODE;
  process.env.PGSSLMODE = 'require';
  let plain: TempPostgres | undefined;
  try {
    plain = await startTempPostgres({ startTimeoutSeconds: 30 });
    const cfg = resolveConfig({
      flags: { postgres_url: `host=127.0.0.1 port=${plain.port} user=${plain.user} password=${plain.password} sslmode=prefer` },
    }).config;
    assert.equal(await sslInUse(await connectTo(targetServer(cfg), 'postgres')), false);
  } finally {
    if (saved === undefined) delete process.env.PGSSLMODE;
    else process.env.PGSSLMODE = saved;
    await plain?.stop();
  }
});

test('a password left out is read from PGPASSFILE, without a deprecation warning', async () => {
  const passfile = join(dir, 'pgpass');
  writeFileSync(passfile, `127.0.0.1:${server.port}:*:${server.user}:${server.password}\n`, { mode: 0o600 });
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  const saved = process.env.PGPASSFILE;
  process.env.PGPASSFILE = passfile;
  try {
    const cfg = resolveConfig({ flags: { postgres_url: `host=127.0.0.1 port=${server.port} user=${server.user} sslmode=require` } }).config;
    assert.equal(await sslInUse(await connectTo(targetServer(cfg), 'postgres')), true);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      warnings.filter((w) => /pgpass/i.test(w)),
      [],
    );
  } finally {
    process.off('warning', onWarning);
    if (saved === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = saved;
  }
});

test('CLI: --target as keyword/value with verify-full lands a one-database backup in the named database, logs it, never echoes the password', async () => {
  const admin = await connectTo(target('host=localhost sslmode=require'), 'postgres');
  await admin.query('CREATE DATABASE app');
  await admin.end();
  const cwd = migrationDir('target-tls-cli-', {
    source: { type: 'backup', url: new URL('../sample/backup', import.meta.url).pathname },
    test_postgresql_import: false,
  });
  const password = server.password;
  const r = await runCli(
    [
      '--target',
      `host=localhost port=${server.port} user=${server.user} password=${password} dbname=app sslmode=verify-full sslrootcert=${dir}/ca.crt`,
    ],
    { cwd, timeoutMs: 180_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /database emails → PostgreSQL database "app" \(named in the target connection string\)/);
  const log = readFileSync(join(cwd, 'migration.log'), 'utf8');
  for (const text of [r.stdout, r.stderr, log]) assert.equal(text.includes(password), false, 'password leaked');
  const app = await connectTo(target('host=localhost sslmode=require'), 'app');
  const n = await app.query<{ n: string }>('SELECT count(*)::text AS n FROM public.email');
  await app.end();
  assert.equal(n.rows[0]!.n, '5');

  const bad = await runCli(['--target', `host=localhost password=${password} sslmode=sometimes`], { cwd });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /key "postgres_sslmode" has value "sometimes"/);
  assert.equal(bad.stderr.includes(password), false, 'password leaked');
});

test(
  'from --create-config, edited as a user would, to check and a verified migration into the TLS-only server (certificate path relative to the config file)',
  { timeout: 300_000 },
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'target-tls-config-'));
    const created = await runCli(['--create-config', '--config', 'conf/migration_config.json'], { cwd: home });
    assert.equal(created.code, 0, created.stderr);
    mkdirSync(join(home, 'conf', 'certs'));
    copyFileSync(join(dir, 'ca.crt'), join(home, 'conf', 'certs', 'ca.crt'));
    const file = join(home, 'conf', 'migration_config.json');
    const edits: [string, string][] = [
      [
        '"s3_backup_path": "s3://your-bucket/your-backup-path"',
        `"s3_backup_path": ${JSON.stringify(new URL('../sample/backup', import.meta.url).pathname)}`,
      ],
      ['// "postgres_host": "localhost",', '"postgres_host": "localhost",'],
      ['// "postgres_port": 5432,', `"postgres_port": ${server.port},`],
      ['// "postgres_username": "postgres",', `"postgres_username": ${JSON.stringify(server.user)},`],
      ['// "postgres_password": "your_postgres_password_here",', `"postgres_password": ${JSON.stringify(server.password)},`],
      ['// "postgres_sslmode": "prefer",', '"postgres_sslmode": "verify-full",'],
      ['// "postgres_sslrootcert": "root.crt",', '"postgres_sslrootcert": "certs/ca.crt",'],
    ];
    let text = readFileSync(file, 'utf8');
    for (const [from, to] of edits) {
      assert.ok(text.includes(from), `the sample has ${from}`);
      text = text.replace(from, to);
    }
    writeFileSync(file, text);

    // From another folder: the certificate is found next to the config file, not here.
    const elsewhere = mkdtempSync(join(tmpdir(), 'target-tls-cwd-'));
    const check = await runCli(['check', '--config', file], { cwd: elsewhere });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /target PostgreSQL .*localhost.*sslmode verify-full.*: reachable, login and privileges ok/);
    assert.match(check.stdout, /^estimated time: /m);

    const run = await runCli(['--config', file], { cwd: elsewhere, timeoutMs: 300_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Migration completed: 7 tables, 28 rows; verified identical: 7\/7 in the target, 7\/7 in the test instance/);
    assert.equal(run.stderr.includes(server.password), false, 'password leaked');
    const emails = await connectTo(target('host=localhost sslmode=require'), 'emails');
    assert.equal(await sslInUse(emails), true);
  },
);
