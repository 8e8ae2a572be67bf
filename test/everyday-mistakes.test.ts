/**
 * Issue 13's "done when": the everyday mistakes — a typo'd host, a wrong port or password, a
 * missing database, existing tables, a typo'd config key, a config file that is not JSON, a
 * mistyped flag, a table pattern that matches nothing — each give one error line naming the thing
 * and the fix, within seconds, before any test instance is started. Each runs the real CLI as a
 * migration (not `check`) of the bundled sample backup into the project's temporary PostgreSQL.
 * Exit codes as the README says: 2 for usage and configuration errors, 1 for the others.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, type CliResult } from './support/cli.js';
import { freshDatabase, withTempPostgres } from './support/pg.js';

const SAMPLE = new URL('../sample/backup/', import.meta.url).pathname;
/** Seconds within which a mistake must be reported (the CLI's own start is ~1–3 s on the shared 2-core machine). */
const WITHIN_SECONDS = 30;

async function server() {
  const s = await withTempPostgres();
  const url = (db: string, over: { password?: string; port?: number; host?: string } = {}): string =>
    `postgresql://${s.user}${over.password === '' ? '' : `:${encodeURIComponent(over.password ?? s.password)}`}@${over.host ?? '127.0.0.1'}:${over.port ?? s.port}/${db}`;
  return { s, url };
}

/** Runs the CLI in a fresh folder and times it. */
async function timed(args: readonly string[], files: Record<string, string> = {}): Promise<CliResult & { seconds: number }> {
  const cwd = mkdtempSync(join(tmpdir(), 'cm-mistakes-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const t0 = Date.now();
  const r = await runCli(args, { cwd });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Exactly one error line matching `re` (besides the run's closing "Migration FAILED (the error is
 * above)" summary), the exit code, no test instance started, and within seconds.
 */
function oneError(r: CliResult & { seconds: number }, code: 1 | 2, re: RegExp): void {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: ') && !/^error: Migration FAILED \(the error is above/.test(l));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, re);
  assert.equal(r.code, code, r.stderr);
  assert.doesNotMatch(r.stderr, /start test instance/);
  assert.ok(r.seconds < WITHIN_SECONDS, `reported after ${r.seconds} s`);
}

test('target mistakes (host, port, password, database, existing table): one line each, exit 1, before the test instance', async (t) => {
  const { s, url } = await server();
  const { name, client } = await freshDatabase(s, t, 'mistakes');
  const migrate = (target: string, files?: Record<string, string>, ...more: string[]) =>
    timed(['--backup', SAMPLE, '--target', target, ...more], files);

  oneError(
    await migrate(url(name, { host: 'no-such-host.invalid' })),
    1,
    /^error: cannot reach target PostgreSQL .*no-such-host\.invalid.*: (ENOTFOUND|EAI_AGAIN); check postgres_host \/ postgres_port/,
  );
  oneError(
    await migrate(url(name, { port: 1 })),
    1,
    /^error: cannot reach target PostgreSQL .*127\.0\.0\.1:1 .*ECONNREFUSED; check postgres_host \/ postgres_port/,
  );
  const wrongPw = await migrate(url(name, { password: 'not-the-password-x7' }));
  oneError(
    wrongPw,
    1,
    /^error: target PostgreSQL .* refused the login: password authentication failed for user .*; check postgres_username \/ postgres_password/,
  );
  assert.ok(
    !wrongPw.stderr.includes('not-the-password-x7') && !wrongPw.stdout.includes('not-the-password-x7'),
    'the password is not echoed',
  );
  oneError(
    await migrate(url('no_such_db')),
    1,
    /^error: target PostgreSQL .*database "no_such_db" does not exist; create it \(createdb .*"no_such_db"\)/,
  );

  // A temp_dir that cannot hold the test instance (here a file, so even root cannot write there).
  const notADir = join(mkdtempSync(join(tmpdir(), 'cm-mistakes-')), 'a-file');
  writeFileSync(notADir, '');
  oneError(
    await migrate(url(name), {}, '--temp-dir', notADir),
    1,
    /^error: temporary directory .*a-file is not writable \(ENOTDIR\); set temp_dir \(--temp-dir\) to a writable directory/,
  );

  await client.query('CREATE TABLE public.folder (name text PRIMARY KEY)');
  oneError(
    await migrate(url(name)),
    1,
    new RegExp(`^error: target database "${name}" already has tables this migration would create: public\\.folder; use --if-exists drop`),
  );
});

test('a typo in a config key: a warning naming the key meant, then the one error it causes', async (t) => {
  const { s, url } = await server();
  const { name } = await freshDatabase(s, t, 'typo');
  const r = await timed(['--backup', SAMPLE, '--target', url(name, { password: '' }), '--config', 'typo.json'], {
    'typo.json': JSON.stringify({ postgres_pasword: s.password }),
  });
  assert.match(r.stderr, /^warning: typo\.json: unknown key "postgres_pasword" ignored; did you mean "postgres_password"\?$/m);
  oneError(r, 1, /^error: target PostgreSQL .* asks for a password and none was given; set postgres_password/);
  assert.ok(!r.stderr.includes(s.password), 'the password is not echoed');
});

test('configuration and usage errors exit 2 with one line: not JSON, a mistyped flag or command, a bad choice, a pattern matching no table', async (t) => {
  const { s, url } = await server();
  const { name } = await freshDatabase(s, t, 'usage');
  oneError(
    await timed(['--backup', SAMPLE, '--config', 'broken.json'], { 'broken.json': '{\n  "postgres_port": 5432\n  "jobs": 2\n}\n' }),
    2,
    /^error: Invalid JSON in configuration file broken\.json: CommaExpected at line 3, column 3; fix the syntax there .*--create-config --force/,
  );
  oneError(
    await timed(['--backup', SAMPLE, '--target', url(name), '--if-exist', 'drop']),
    2,
    /^error: unknown option '--if-exist' \(Did you mean --if-exists\?\); run with --help for usage$/,
  );
  oneError(
    await timed(['chekc', '--backup', SAMPLE]),
    2,
    /^error: unknown command 'chekc' \(Did you mean check\?\); run with --help for usage$/,
  );
  oneError(await timed(['help', 'chekc']), 2, /^error: unknown command 'chekc' \(Did you mean check\?\)/);
  oneError(
    await timed(['--backup', SAMPLE, '--target', url(name), '--if-exists', 'sometimes']),
    2,
    /^error: option '--if-exists <mode>' argument 'sometimes' is invalid\. Allowed choices are error, drop, truncate, skip; run with --help for usage$/,
  );
  // Found once the source's tables are known, during the run: still a configuration error.
  oneError(
    await timed(['--backup', SAMPLE, '--target', url(name), '--include-tables', 'folders']),
    2,
    /^error: include_tables: pattern "folders" matches no table of the source; check the spelling against `cockroach-migrate inspect`/,
  );
  // `check` reports a source URL it cannot use among its problems, and exits 2 for it.
  oneError(
    await timed(['check', '--backup', 's3:///no-bucket', '--target', url(name)]),
    2,
    /^error: storage URL s3:\/\/.* has no bucket; write it as s3:\/\/<bucket>\/<path>$/,
  );
  oneError(
    await timed(['check', '--backup', SAMPLE, '--target', url(name), '--exclude-tables', 'emails.nope.*']),
    2,
    /^error: exclude_tables: pattern "emails\.nope\.\*" matches no table of the source/,
  );
});
