/**
 * Preflight through the real CLI against a real PostgreSQL: `cockroach-migrate check` prints the
 * plan and finds the everyday mistakes (typo'd host, wrong port, wrong password, missing database,
 * existing tables, an enum of the same name, no CREATE on public) as one line naming the thing and
 * the fix; a migration runs the same checks before the test instance.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/cli.js';
import { freshDatabase, withTempPostgres } from './support/pg.js';

const STORES = new URL('../../shared/fixtures/crdb-stores/', import.meta.url).pathname;
const EMAILS = join(STORES, 'emails-v2.1.4');
const RABBLE = join(STORES, 'rabble-v23.1');
const SAMPLE_BACKUP = new URL('../sample/backup/', import.meta.url).pathname;
const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-preflight-'));

async function server() {
  const s = await withTempPostgres();
  const url = (db: string, over: { user?: string; password?: string; port?: number; host?: string } = {}): string =>
    `postgresql://${over.user ?? s.user}:${encodeURIComponent(over.password ?? s.password)}@${over.host ?? '127.0.0.1'}:${over.port ?? s.port}/${db}`;
  return { s, url };
}

/** stderr holds exactly one line, an error matching `re`. */
function oneError(r: { code: number; stderr: string }, re: RegExp): void {
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('warning: '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  assert.equal(r.code, 1, r.stderr);
}

test('check prints the plan: where the database goes, its tables, and "ready"', async (t) => {
  const { s, url } = await server();
  const { name } = await freshDatabase(s, t, 'plan');
  const r = await runCli(['check', '--store', EMAILS, '--target', url(name)], { cwd: fresh() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`database emails → PostgreSQL database "${name}" \\(named in the target connection string\\)`));
  assert.match(r.stdout, /database emails: 7 tables, 4 sequences/);
  assert.match(r.stdout, /^ {2}public\.folder$/m);
  assert.match(r.stdout, /reachable, login and privileges ok/);
  // A store records no row counts: its files' bytes, loaded twice (test instance, then target).
  assert.match(
    r.stdout,
    /^estimated time: ~\d+ s \(\d+ KiB of source files ≈ [\d.]+k rows of ~100 B × 2 loads \(test instance, then target\) at ~100k rows\/s verified on 2 cores; docs\/performance\.md\)$/m,
  );
  assert.match(r.stdout, /ready: every check passed/);
  assert.ok(!r.stdout.includes(s.password), 'no password printed');
});

test('check on a backup estimates the time from the rows its manifests record, at the rate skip_validation reaches', async (t) => {
  const { s, url } = await server();
  const { name } = await freshDatabase(s, t, 'estimate');
  const r = await runCli(['check', '--backup', SAMPLE_BACKUP, '--target', url(name), '--skip-validation'], { cwd: fresh() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /database emails: 7 tables, ~28 rows, /);
  assert.match(
    r.stdout,
    /^estimated time: ~1 s \(28 rows × 2 loads \(test instance, then target\) at ~220k rows\/s skip_validation on 2 cores; docs\/performance\.md\)$/m,
  );
});

test('the everyday mistakes are one line each, naming the thing and the fix', async (t) => {
  const { s, url } = await server();
  const { name, client } = await freshDatabase(s, t, 'mistakes');
  const cwd = fresh();
  const check = (target: string, ...more: string[]) => runCli(['check', '--store', EMAILS, '--target', target, ...more], { cwd });

  oneError(
    await check(url(name, { host: 'no-such-host.invalid' })),
    /^error: cannot reach target PostgreSQL .*no-such-host\.invalid.*: (ENOTFOUND|EAI_AGAIN); check postgres_host \/ postgres_port/,
  );
  oneError(
    await check(url(name, { port: 1 })),
    /^error: cannot reach target PostgreSQL .*127\.0\.0\.1:1 .*ECONNREFUSED; check postgres_host \/ postgres_port/,
  );
  const wrongPw = await check(url(name, { password: 'not-the-password-x7' }));
  oneError(
    wrongPw,
    /^error: target PostgreSQL .* refused the login: .*password authentication failed.*; check postgres_username \/ postgres_password/,
  );
  assert.ok(!wrongPw.stderr.includes('not-the-password-x7'), 'the password is not echoed');
  oneError(
    await check(url('no_such_db')),
    /^error: target PostgreSQL .*database "no_such_db" does not exist; create it \(createdb .*"no_such_db"\), or name an existing database/,
  );

  await client.query('CREATE TABLE public.folder (name text PRIMARY KEY)');
  oneError(
    await check(url(name)),
    new RegExp(`^error: target database "${name}" already has tables this migration would create: public\\.folder; use --if-exists drop`),
  );
  const skip = await check(url(name), '--if-exists', 'skip');
  assert.equal(skip.code, 0, skip.stderr);
  assert.match(skip.stdout, /already has tables this migration would create: public\.folder: --if-exists skip/);

  await client.query('DROP TABLE public.folder; CREATE SEQUENCE public.ruleid');
  oneError(await check(url(name)), /already has sequences this migration would create: sequence public\.ruleid; use --if-exists drop/);
});

test('a user without CREATE on public (PostgreSQL 15+) is told which GRANT it needs', async (t) => {
  const { s, url } = await server();
  const { name, client } = await freshDatabase(s, t, 'priv');
  const role = `weak_${process.pid}`;
  await client.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN PASSWORD 'weak-pw-1'`);
  await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON DATABASE ${name} FROM PUBLIC`);
  const r = await runCli(['check', '--store', EMAILS, '--target', url(name, { user: role, password: 'weak-pw-1' })], { cwd: fresh() });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `error: .*database "${name}": user "${role}" may not create schemas \\(cockroach_migrate\\) there; GRANT CREATE ON DATABASE`,
    ),
  );
  assert.match(
    r.stderr,
    new RegExp(
      `error: .*user "${role}" may not create tables, types or sequences in schema public .*; GRANT CREATE ON SCHEMA "?public"? TO`,
    ),
  );
});

test('an enum of the same name: check names it; --if-exists drop drops it and the migration loads', async (t) => {
  const { s, url } = await server();
  const { name, client } = await freshDatabase(s, t, 'enum');
  await client.query(`CREATE TYPE public."Role" AS ENUM ('x')`);
  const cwd = fresh();
  const args = ['--store', RABBLE, '--allow-missing-files', '--target', url(name)];
  const r = await runCli(['check', ...args], { cwd });
  oneError(r, /already has types this migration would create: type public\.Role; use --if-exists drop/);

  // The target only (no test instance), so that it is the enum in the target that drop meets.
  writeFileSync(join(cwd, 'target-only.json'), JSON.stringify({ test_postgresql_import: false }));
  const migrated = await runCli([...args, '--if-exists', 'drop', '--config', 'target-only.json'], { cwd, timeoutMs: 300_000 });
  assert.equal(migrated.code, 0, migrated.stderr);
  const labels = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'Role'`,
  );
  assert.equal(labels.rows[0]!.n, '3', 'the migration created its own Role enum (USER, PRODUCER, ADMIN)');
});

test('a migration runs the preflight before the test instance: an existing table stops it in seconds', async (t) => {
  const { s, url } = await server();
  const { name, client } = await freshDatabase(s, t, 'early');
  await client.query('CREATE TABLE public.folder (name text PRIMARY KEY)');
  const cwd = fresh();
  const r = await runCli(['--store', EMAILS, '--target', url(name)], { cwd });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already has tables this migration would create: public\.folder; use --if-exists drop/);
  assert.doesNotMatch(r.stderr, /start test instance/);
  const report = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as { phases: { name: string; status: string }[] };
  assert.deepEqual(
    report.phases.map((p) => `${p.name}:${p.status}`),
    ['read source:ok', 'convert schema:ok', 'preflight:failed'],
  );
});
