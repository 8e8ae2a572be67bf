import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { startTempPostgres } from './temp-postgres.js';

function postgresProcessesFor(dataDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dataDir));
}

test('starts a temporary PostgreSQL as an unprivileged user and leaves nothing behind', async () => {
  const t0 = Date.now();
  const server = await startTempPostgres();
  const startedIn = Date.now() - t0;
  try {
    assert.equal(server.host, '127.0.0.1');
    const c = new pg.Client(server.clientConfig());
    await c.connect();
    const { rows } = await c.query<{ user: string; addr: string; enc: string }>(
      `SELECT current_user AS user, inet_server_addr()::text AS addr, pg_encoding_to_char(encoding) AS enc
         FROM pg_database WHERE datname = current_database()`,
    );
    await c.end();
    assert.equal(rows[0]?.user, 'postgres');
    assert.equal(rows[0]?.addr, '127.0.0.1/32');
    assert.equal(rows[0]?.enc, 'UTF8');
    assert.ok(postgresProcessesFor(server.dataDir).length > 0, 'postmaster runs');
    // The server process must not run as root.
    const owner = execFileSync('ps', ['-o', 'user=', '-p', String(readPostmasterPid(server.dataDir))], { encoding: 'utf8' }).trim();
    assert.notEqual(owner, 'root');
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(server.dataDir), false, 'data directory removed');
  assert.deepEqual(postgresProcessesFor(server.dataDir), [], 'no postgres process left');
  // Not a timing assertion on the product: the bound for start+stop, checked once here.
  assert.ok(startedIn < 15_000, `started in ${startedIn} ms`);
});

test('wrong password is refused (password auth is really on)', async () => {
  const server = await startTempPostgres({ password: 'right-password' });
  try {
    const c = new pg.Client({ ...server.clientConfig(), password: 'wrong-password' });
    await assert.rejects(c.connect(), /password authentication failed/);
  } finally {
    await server.stop();
  }
});

test('keep: true keeps the data directory after stop', async () => {
  const server = await startTempPostgres({ keep: true });
  await server.stop();
  assert.equal(existsSync(server.dataDir), true);
  execFileSync('rm', ['-rf', server.dataDir.replace(/\/data$/, '')]);
});

test('a missing postgres_bin_dir is a one-line config error naming the key', async () => {
  await assert.rejects(startTempPostgres({ binDir: '/nonexistent/bin' }), (e: Error) => {
    assert.equal(e.name, 'ConfigError');
    assert.match(e.message, /postgres_bin_dir "\/nonexistent\/bin" does not contain initdb/);
    assert.equal(e.message.includes('\n'), false);
    return true;
  });
});

function readPostmasterPid(dataDir: string): number {
  const text = execFileSync('cat', [`${dataDir}/postmaster.pid`], { encoding: 'utf8' });
  return Number(text.split('\n')[0]);
}
