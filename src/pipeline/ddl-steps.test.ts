import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { runSteps } from './ddl-steps.js';

test('runSteps: validations run on several connections, the rest in order; a rerun skips what is done', async (t) => {
  const server = await withTempPostgres();
  const { name, client } = await freshDatabase(server, t, 'steps');
  // A CHECK whose validation records the backend that ran it (and lasts long enough to overlap).
  await client.query(`CREATE TABLE ran (pid int, tbl text);
    CREATE FUNCTION note(t text) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO ran VALUES (pg_backend_pid(), t); SELECT pg_sleep(0.3) IS NOT NULL $$;
    CREATE TABLE a (x int); CREATE TABLE b (x int); CREATE TABLE c (x int); INSERT INTO a VALUES (1); INSERT INTO b VALUES (1); INSERT INTO c VALUES (1)`);
  const statements = [
    'CREATE INDEX a_x ON a (x)',
    'CREATE INDEX b_x ON b (x)',
    `ALTER TABLE a ADD CONSTRAINT a_chk CHECK (note('a')) NOT VALID`,
    `ALTER TABLE b ADD CONSTRAINT b_chk CHECK (note('b')) NOT VALID`,
    `ALTER TABLE c ADD CONSTRAINT c_chk CHECK (note('c')) NOT VALID`,
    'ALTER TABLE a VALIDATE CONSTRAINT a_chk',
    'ALTER TABLE b VALIDATE CONSTRAINT b_chk',
    'ALTER TABLE c VALIDATE CONSTRAINT c_chk',
    'CREATE TABLE last_step (x int)',
  ];
  const extra: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client(server.clientConfig(name));
    await c.connect();
    extra.push(c);
    return c;
  };
  const seen: string[] = [];
  await runSteps(client, 'post-data', statements, { jobs: 3, connect, onStatement: (sql) => seen.push(sql) });
  assert.deepEqual([...seen].sort(), [...statements].sort());
  assert.equal(seen.at(-1), 'CREATE TABLE last_step (x int)', 'a statement after a concurrent group waits for the whole group');
  const pids = await client.query<{ n: number }>(`SELECT count(DISTINCT pid)::int AS n FROM ran`);
  assert.ok(pids.rows[0]!.n >= 2, 'the three validations ran on more than one connection');
  const opened = extra.length;
  assert.equal(opened, 2, 'extra connections are opened once for the phase and reused');

  const again: string[] = [];
  await runSteps(client, 'post-data', statements, { jobs: 3, connect, onStatement: (sql) => again.push(sql) });
  assert.deepEqual(again, [], 'every statement is recorded as done');
  // Backends exit just after their client disconnects: wait for it (bounded).
  let open = 0;
  for (let tries = 0; tries < 50; tries++) {
    open = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`)).rows[0]!.n;
    if (open === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(open, 1, 'extra connections are closed');
});
