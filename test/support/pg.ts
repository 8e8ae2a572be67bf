/**
 * A real PostgreSQL for tests: one temporary server per test file (started lazily, stopped in
 * `after`). Tests create their own databases on it so they can run in any order.
 */
import type { TestContext } from 'node:test';
import pg from 'pg';
import { startTempPostgres, type TempPostgres } from '../../src/pg-instance/index.js';

let shared: Promise<TempPostgres> | undefined;

/**
 * The file's temporary PostgreSQL, started on first use and stopped when the test process has
 * nothing left to do (`beforeExit`; the server's handles are unref'd so the process can get there).
 */
export function withTempPostgres(): Promise<TempPostgres> {
  if (!shared) {
    const started = startTempPostgres();
    shared = started;
    process.once('beforeExit', () => {
      void started.then((s) => s.stop()).catch(() => undefined);
    });
  }
  return shared;
}

let dbCounter = 0;

/**
 * Creates a fresh database on the test server and returns a connected client for it, closed when
 * the test `t` ends (a client left open would keep the test process alive).
 */
export async function freshDatabase(server: TempPostgres, t: TestContext, prefix = 't'): Promise<{ name: string; client: pg.Client }> {
  const name = `${prefix}_${process.pid}_${++dbCounter}`;
  const admin = new pg.Client(server.clientConfig());
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client(server.clientConfig(name));
  await client.connect();
  t.after(async () => {
    await client.end().catch(() => undefined);
  });
  return { name, client };
}

/** The config keys that make a migration's target the test server `server`. */
export function targetKeys(server: TempPostgres): Record<string, string | number> {
  return { postgres_host: '127.0.0.1', postgres_port: server.port, postgres_username: server.user, postgres_password: server.password };
}
