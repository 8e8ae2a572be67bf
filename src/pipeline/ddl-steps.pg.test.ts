import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { TableLoads, runStepGraph, runSteps, type GraphStep } from './ddl-steps.js';

/** A database where `note(tag)` records which backend ran a statement, and when. */
async function notingDatabase(t: Parameters<typeof freshDatabase>[1], prefix: string) {
  const server = await withTempPostgres();
  const { name, client } = await freshDatabase(server, t, prefix);
  await client.query(`CREATE TABLE ran (pid int, tag text, at timestamptz DEFAULT clock_timestamp());
    CREATE FUNCTION note(tag text, secs float8 DEFAULT 0) RETURNS boolean LANGUAGE sql AS
      $$ INSERT INTO ran (pid, tag) VALUES (pg_backend_pid(), tag); SELECT pg_sleep(secs) IS NOT NULL $$;
    CREATE TABLE a (x int); CREATE TABLE b (x int); CREATE TABLE c (x int); INSERT INTO a VALUES (1); INSERT INTO b VALUES (1); INSERT INTO c VALUES (1)`);
  const extra: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client(server.clientConfig(name));
    await c.connect();
    extra.push(c);
    return c;
  };
  const tags = async (): Promise<{ pid: number; tag: string }[]> =>
    (await client.query<{ pid: number; tag: string }>(`SELECT pid, tag FROM ran ORDER BY at`)).rows;
  return { client, connect, extra, tags };
}

const step = (sql: string, tables: string[], after: number[] = [], barrier = false): GraphStep => ({ sql, tables, after, barrier });

/**
 * TableLoads that tells when the step graph goes idle: each of its job slots, finding nothing it
 * may start, subscribes with `onChange` and waits. `idle(n)` resolves once `n` slots have done so
 * after the call, i.e. they all looked at the state as it is now and chose to wait.
 */
class ObservedLoads extends TableLoads {
  private waits = 0;
  private waiters: { at: number; resolve: () => void }[] = [];

  override onChange(f: () => void): void {
    super.onChange(f);
    this.waits++;
    for (const w of this.waiters.filter((x) => this.waits >= x.at)) w.resolve();
    this.waiters = this.waiters.filter((x) => this.waits < x.at);
  }

  idle(slots: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ at: this.waits + slots, resolve }));
  }
}

test('runSteps: statements in order; a rerun skips what is done; a changed statement refuses to resume', async (t) => {
  const { client, tags } = await notingDatabase(t, 'steps');
  const statements = [`SELECT note('one')`, `SELECT note('two')`, 'CREATE TABLE three (x int)'];
  const seen: string[] = [];
  await runSteps(client, 'pre-data', statements, { onStatement: (sql) => seen.push(sql) });
  assert.deepEqual(seen, statements);
  assert.deepEqual(
    (await tags()).map((r) => r.tag),
    ['one', 'two'],
  );
  const again: string[] = [];
  await runSteps(client, 'pre-data', statements, { onStatement: (sql) => again.push(sql) });
  assert.deepEqual(again, [], 'every statement is recorded as done');
  await assert.rejects(
    runSteps(client, 'pre-data', [`SELECT note('uno')`, ...statements.slice(1)]),
    /cannot resume: pre-data statement 0 differs/,
  );
});

test('runStepGraph: a step runs once its tables are loaded, on the jobs the loads leave free', async (t) => {
  const { client, connect, extra, tags } = await notingDatabase(t, 'graph');
  const steps = [
    step(`ALTER TABLE a ADD CONSTRAINT a_chk CHECK (note('a-add')) NOT VALID`, ['a']), // 0
    step(`ALTER TABLE b ADD CONSTRAINT b_chk CHECK (note('b-add')) NOT VALID`, ['b']), // 1
    step(`ALTER TABLE a VALIDATE CONSTRAINT a_chk`, ['a'], [0]), // 2
    step(`ALTER TABLE b VALIDATE CONSTRAINT b_chk`, ['b'], [1]), // 3
    step(`ALTER TABLE c ADD CONSTRAINT c_chk CHECK (note('c', 0.3)) NOT VALID`, ['c']), // 4
    step(`ALTER TABLE c VALIDATE CONSTRAINT c_chk`, ['c'], [4]), // 5
    step(`ALTER TABLE a ADD CONSTRAINT a2_chk CHECK (note('a2', 0.3)) NOT VALID`, ['a']), // 6
    step(`ALTER TABLE a VALIDATE CONSTRAINT a2_chk`, ['a'], [6]), // 7
    step(`SELECT note('last')`, [], [], true), // 8
  ];
  // Three jobs, three load jobs busy: no step may run yet, even on a loaded table.
  const loads = new ObservedLoads(['a', 'b', 'c'], 3);
  const seen: string[] = [];
  let aStepsDone!: () => void;
  const fourDone = new Promise<void>((r) => (aStepsDone = r));
  const onStatement = (sql: string): void => {
    if (seen.push(sql) === 4) aStepsDone();
  };
  const running = runStepGraph(client, 'post-data', steps, { jobs: 3, connect, loads, onStatement });
  // All three job slots see table a loaded, and wait.
  const idle = loads.idle(3);
  loads.loaded('a');
  await idle;
  assert.deepEqual(seen, [], 'no step runs while every job is loading');
  loads.jobDone(); // one load job found nothing left: one connection may run steps
  assert.equal(loads.busy, 2);
  // Wait until a's steps are done while b and c are still "loading".
  await fourDone;
  assert.deepEqual(
    seen.sort(),
    [steps[0]!.sql, steps[2]!.sql, steps[6]!.sql, steps[7]!.sql].sort(),
    "only table a's steps ran while b and c were loading",
  );
  assert.equal(extra.length, 0, 'no extra connection while two of three jobs load');
  loads.loaded('b');
  loads.loaded('c');
  loads.end();
  await running;
  const rows = await tags();
  // 'a-add' and 'a2' ran at validation too (VALIDATE evaluates the check), hence more rows than steps.
  assert.equal(rows.at(-1)!.tag, 'last', 'the barrier step runs after every other');
  assert.ok(rows.findIndex((r) => r.tag === 'a-add') < rows.findIndex((r) => r.tag === 'b-add'), 'a (loaded first) before b');
  const ownPid = (await client.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p;
  assert.deepEqual(
    new Set(rows.filter((r) => r.tag.startsWith('a')).map((r) => r.pid)),
    new Set([ownPid]),
    "a's steps ran on the phase's own connection",
  );
  assert.ok(extra.length >= 1 && extra.length <= 2, `extra connections opened once loads ended (${extra.length})`);
  const open = (
    await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS NOT NULL`,
    )
  ).rows[0]!.n;
  assert.ok(open <= extra.length, 'extra connections are closed (or closing)');

  // A rerun skips recorded steps; an unrecorded one (record: false) runs again.
  const again: string[] = [];
  const loads2 = new TableLoads([]);
  loads2.end();
  await runStepGraph(client, 'post-data', [...steps, { ...step(`SELECT note('analyze')`, ['a']), record: false }], {
    jobs: 2,
    connect,
    loads: loads2,
    onStatement: (sql) => again.push(sql),
  });
  assert.deepEqual(again, [`SELECT note('analyze')`]);
});

test('runStepGraph: a failing step stops the graph and its error comes back; steps after it never start', async (t) => {
  const { client, connect, tags } = await notingDatabase(t, 'graphfail');
  const steps = [step(`SELECT note('first')`, ['a']), step(`SELECT 1/0`, ['a'], [0]), step(`SELECT note('after-failure')`, ['a'], [1])];
  const loads = new TableLoads(['a']);
  const running = runStepGraph(client, 'post-data', steps, { jobs: 2, connect, loads });
  loads.loaded('a');
  loads.end();
  await assert.rejects(running, /post-data statement failed: division by zero: SELECT 1\/0/);
  assert.deepEqual(
    (await tags()).map((r) => r.tag),
    ['first'],
  );
});

test('runStepGraph: aborting stops handing out steps', async (t) => {
  const { client, connect, tags } = await notingDatabase(t, 'graphabort');
  const loads = new TableLoads(['a']);
  const stop = new AbortController();
  const running = runStepGraph(client, 'post-data', [step(`SELECT note('never')`, ['a'])], {
    jobs: 1,
    connect,
    loads,
    signal: stop.signal,
  });
  stop.abort(new Error('load failed'));
  await assert.rejects(running, /load failed/);
  assert.deepEqual(await tags(), []);
});

test('runStepGraph: steps that wait on a step that does not exist are an error, not a hang', async (t) => {
  const { client, connect } = await notingDatabase(t, 'graphstuck');
  const loads = new TableLoads([]);
  loads.end();
  await assert.rejects(
    runStepGraph(client, 'post-data', [step(`SELECT 1`, [], [5])], { jobs: 2, connect, loads }),
    /wait on each other or on missing steps/,
  );
});

test('runStepGraph on a server of this machine: parallel workers only for cores nobody uses, never above the session default', async (t) => {
  const { client, connect } = await notingDatabase(t, 'graphparallel');
  await client.query(`CREATE TABLE workers (tag text, maintenance int, gather int)`);
  const record = (tag: string): string =>
    `INSERT INTO workers SELECT '${tag}', current_setting('max_parallel_maintenance_workers')::int, current_setting('max_parallel_workers_per_gather')::int`;
  const seen = async (): Promise<Record<string, [number, number]>> =>
    Object.fromEntries(
      (await client.query<{ tag: string; maintenance: number; gather: number }>('SELECT * FROM workers')).rows.map((r) => [
        r.tag,
        [r.maintenance, r.gather],
      ]),
    );
  const defaults = (
    await client.query<{ m: number; g: number }>(
      `SELECT current_setting('max_parallel_maintenance_workers')::int AS m, current_setting('max_parallel_workers_per_gather')::int AS g`,
    )
  ).rows[0]!;
  assert.ok(defaults.m >= 1 && defaults.g >= 1, 'the server allows parallel workers by default');

  // Two cores, one load job busy beside the step: no core left for a worker.
  const busy = new TableLoads(['b'], 1);
  const running = runStepGraph(client, 'p1', [step(record('beside a load'), ['a'])], { jobs: 2, connect, loads: busy, localCores: 2 });
  await running;
  busy.end();
  // 64 cores and nothing else running: as many as the session's default allows, not more.
  const idle = new TableLoads([]);
  idle.end();
  await runStepGraph(client, 'p2', [step(record('alone'), [])], { jobs: 1, connect, loads: idle, localCores: 64 });
  // A server elsewhere: its own settings, untouched.
  await client.query('RESET max_parallel_maintenance_workers; RESET max_parallel_workers_per_gather');
  await runStepGraph(client, 'p3', [step(record('remote'), [])], { jobs: 1, connect, loads: idle });
  assert.deepEqual(await seen(), {
    'beside a load': [0, 0],
    alone: [defaults.m, defaults.g],
    remote: [defaults.m, defaults.g],
  });
});
