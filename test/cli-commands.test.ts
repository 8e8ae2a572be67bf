/**
 * The subcommands as a user meets them: -V, `help COMMAND`, each subcommand's --help lists the
 * options it takes, --config honoured by convert-schema, inspect and verify, `--store DIR --target
 * URL` without a config file, and convert-schema's output piped into `psql -d mydb`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/cli.js';
import { freshDatabase, withTempPostgres } from './support/pg.js';

const EMAILS = new URL('../../shared/fixtures/crdb-stores/emails-v2.1.4', import.meta.url).pathname;
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-commands-'));
const TRIGRAM =
  'CREATE TABLE public.t (\n  id INT8 NOT NULL,\n  s STRING NULL,\n  CONSTRAINT t_pkey PRIMARY KEY (id ASC),\n  INVERTED INDEX t_s_idx (s gin_trgm_ops)\n);\n';

test('-V, help COMMAND, and each subcommand lists the options it takes', async () => {
  const dir = fresh();
  const v = await runCli(['-V'], { cwd: dir });
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^cockroach-migrate \d+\.\d+\.\d+/);
  const help = await runCli(['help', 'check'], { cwd: dir });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: cockroach-migrate check/);
  const takes: Record<string, string[]> = {
    check: ['--config', '--store', '--backup', '--target', '--if-exists'],
    inspect: ['--config', '--store', '--dump', '--encryption-passphrase'],
    verify: ['--config', '--store', '--target', '--report-dir'],
    'convert-schema': ['--config', '--database-mapping', '--rowid'],
    demo: ['--keep', '--report-dir'],
  };
  for (const [cmd, flags] of Object.entries(takes)) {
    const h = await runCli([cmd, '--help'], { cwd: dir });
    assert.equal(h.code, 0, h.stderr);
    for (const f of flags) assert.ok(h.stdout.includes(f), `${cmd} --help lists ${f}`);
  }
  const verifyHelp = await runCli(['verify', '--help'], { cwd: dir });
  assert.ok(!verifyHelp.stdout.includes('--create-config'), 'only the options verify takes');
  const usage = await runCli(['check', '--no-such-flag'], { cwd: dir });
  assert.equal(usage.code, 2);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ rowid: 'sometimes' }));
  const badConfig = await runCli(['convert-schema', '--config', 'bad.json'], { cwd: dir });
  assert.equal(badConfig.code, 2, 'a configuration error exits 2');
  assert.match(badConfig.stderr, /^error: bad\.json: key "rowid" has value "sometimes"; expected one of "keep", "drop"$/m);
});

test('convert-schema honours --config and its output runs in the current database (psql -d mydb)', async (t) => {
  const server = await withTempPostgres();
  const { name, client } = await freshDatabase(server, t, 'convert');
  const dir = fresh();
  writeFileSync(join(dir, 'in.sql'), TRIGRAM);
  writeFileSync(join(dir, 'ext.json'), JSON.stringify({ extensions: ['pg_trgm'] }));
  const r = await runCli(['convert-schema', '--config', 'ext.json', 'in.sql'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\\connect/);
  const psql = spawnSync(
    PSQL,
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(server.port), '-U', server.user, '-d', name],
    {
      input: r.stdout,
      env: { ...process.env, PGPASSWORD: server.password },
      encoding: 'utf8',
    },
  );
  assert.equal(psql.status, 0, psql.stderr);
  const ix = await client.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 't_s_idx'`);
  assert.match(ix.rows[0]?.def ?? '', /USING gin \(s gin_trgm_ops\)/);
});

test('--store DIR --target URL work without a config file (check and verify)', async (t) => {
  const server = await withTempPostgres();
  const { name } = await freshDatabase(server, t, 'noconfig');
  const url = `postgresql://${server.user}:${encodeURIComponent(server.password)}@127.0.0.1:${server.port}/${name}`;
  const dir = fresh();
  const check = await runCli(['check', '--store', EMAILS, '--target', url], { cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /ready: every check passed/);
  const verify = await runCli(['verify', '--store', EMAILS, '--target', url], { cwd: dir });
  // Nothing was loaded: verify runs (no config file needed) and finds the tables absent.
  assert.doesNotMatch(verify.stderr, /Configuration file not found/);
  assert.notEqual(verify.code, 2, verify.stderr);
});
