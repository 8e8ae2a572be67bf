/**
 * Resumability: a load stopped at any moment — by an AbortSignal, by the source failing, or by
 * SIGKILL of the process doing it — and run again ends with exactly the source rows (count,
 * distinct keys and content fingerprint computed by PostgreSQL).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { loadTables } from './load-tables.js';
import { loadTable } from './testing/load-table.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { verifyTable } from '../verify/verify-table.js';
import { createGeneratedTableSql, generatedPlan } from './testing/generated-plan.js';
import { readTableState } from './load-state.js';
import type { LoadProgressEvent, TableLoadPlan } from './types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function assertExact(client: pg.ClientBase, n: number, table = 'gen'): Promise<void> {
  const c = await client.query<{ n: string; d: string; lo: string; hi: string }>(
    `SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM ${table}`,
  );
  assert.deepEqual(c.rows[0], { n: String(n), d: String(n), lo: '1', hi: String(n) });
  // Independent of the load: recompute the source fingerprint and compare with PostgreSQL's.
  const v = await verifyTable(client, generatedPlan(n, { table }));
  assert.equal(v.match, true, v.differingKeys.join('; '));
}

/** Every page of the table all-visible (as COPY FREEZE leaves them; ANALYZE counts them from the visibility map). */
async function allVisible(client: pg.ClientBase, table = 'gen'): Promise<boolean> {
  await client.query(`ANALYZE ${table}`);
  const r = await client.query<{ relpages: number; relallvisible: number }>(
    `SELECT relpages, relallvisible FROM pg_class WHERE oid = '${table}'::regclass`,
  );
  const { relpages, relallvisible } = r.rows[0]!;
  return relpages > 0 && relallvisible === relpages;
}

/** Loads `plan` in chunks of 1,000 rows and aborts it once 2,000 rows are reported (landing mid-chunk 3); its progress events. */
async function abortedLoad(client: pg.ClientBase, plan: TableLoadPlan): Promise<LoadProgressEvent[]> {
  const ac = new AbortController();
  const events: LoadProgressEvent[] = [];
  await assert.rejects(
    loadTable(client, plan, {
      chunkSize: 1000,
      signal: ac.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.phase === 'chunk' && e.rows >= 2000) setImmediate(() => ac.abort());
      },
    }),
    /aborted/,
  );
  return events;
}

/**
 * Runs src/load/testing/load-child.ts with `arg` and SIGKILLs it once its source holds at row
 * `arg.holdAt` (inside a COPY) and `ready` says so of its progress lines.
 */
async function killLoadChild(
  arg: { config: pg.ClientConfig; n: number; chunkSize: number; holdAt: number; oneTransaction: boolean },
  ready: (out: string) => boolean,
): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href,
      `${ROOT}src/load/testing/load-child.ts`,
      JSON.stringify(arg),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, sig) => r(sig)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (ready(out) && out.includes(`held ${arg.holdAt}\n`)) resolve();
    });
    child.once('exit', () => reject(new Error(`child exited before it was ready to be killed (held at ${arg.holdAt}):\n${out}`)));
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

test('chunk by chunk: abort after K chunks, rerun: identical data, fingerprint accumulated across runs', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'abort');
  await client.query(createGeneratedTableSql());
  const n = 5_321;
  const events = await abortedLoad(client, generatedPlan(n));
  assert.deepEqual(
    events.map((e) => [e.phase, e.rows]),
    [
      ['start', 0],
      ['chunk', 1000],
      ['chunk', 2000],
    ],
  );
  assert.ok(events[2]!.bytes > 100_000, 'bytes are reported');
  const st = await readTableState(client, 'src.public.gen');
  assert.equal(st?.rows, 2000);
  const partial = await client.query<{ n: string }>('SELECT count(*) AS n FROM gen');
  assert.equal(partial.rows[0]!.n, '2000', 'the chunk in flight was rolled back');

  const r = await loadTable(client, generatedPlan(n), { chunkSize: 1000 });
  assert.equal(r.resumed, true);
  assert.equal(r.rows, n);
  assert.equal((await verifyTable(client, generatedPlan(n), r.source)).match, true, 'load-time fingerprint spans both runs');
  await assertExact(client, n);
});

test('one transaction (COPY FREEZE): abort after K chunks leaves it empty; the rerun loads it whole, frozen', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'abortwhole');
  await client.query(createGeneratedTableSql());
  const n = 5_321;
  const events = await abortedLoad(client, generatedPlan(n, { oneTransaction: true }));
  // No commit between chunks: the abort lands a chunk or two later, but before the end.
  assert.deepEqual(
    events.slice(0, 3).map((e) => [e.phase, e.rows]),
    [
      ['start', 0],
      ['chunk', 1000],
      ['chunk', 2000],
    ],
  );
  assert.ok(events.every((e) => e.phase !== 'done' && e.rows < n));
  assert.equal(await readTableState(client, 'src.public.gen'), undefined, 'no checkpoint: nothing was committed');
  const empty = await client.query<{ n: string }>('SELECT count(*) AS n FROM gen');
  assert.equal(empty.rows[0]!.n, '0', 'the whole load was rolled back');

  const r = await loadTable(client, generatedPlan(n, { oneTransaction: true }), { chunkSize: 1000 });
  assert.equal(r.resumed, false);
  assert.equal(r.rows, n);
  assert.equal((await verifyTable(client, generatedPlan(n), r.source)).match, true);
  await assertExact(client, n);
  assert.equal(await allVisible(client), true, 'written frozen: every page all-visible');
});

test('one transaction asked, but the table holds rows: never truncated, loaded chunk by chunk after them', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'kept');
  await client.query(createGeneratedTableSql());
  await client.query(`INSERT INTO gen (id, name) VALUES (-1, 'kept by the user')`);
  const r = await loadTable(client, generatedPlan(2000, { oneTransaction: true }), { chunkSize: 500 });
  assert.equal(r.rows, 2000);
  const kept = await client.query<{ name: string }>('SELECT name FROM gen WHERE id = -1');
  assert.deepEqual(kept.rows, [{ name: 'kept by the user' }]);
  await client.query('DELETE FROM gen WHERE id = -1');
  await assertExact(client, 2000);
});

test('one transaction asked, but PostgreSQL will not COPY FREEZE into the table (partitioned): loaded chunk by chunk', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'partitioned');
  await client.query(
    `CREATE TABLE gen (id bigint, name text, amount numeric(12,2), created timestamptz, flag boolean) PARTITION BY RANGE (id);
     CREATE TABLE gen_low PARTITION OF gen FOR VALUES FROM (MINVALUE) TO (1000);
     CREATE TABLE gen_high PARTITION OF gen FOR VALUES FROM (1000) TO (MAXVALUE)`,
  );
  const r = await loadTable(client, generatedPlan(3000, { binary: true, oneTransaction: true }), { chunkSize: 700 });
  assert.equal(r.rows, 3000);
  await assertExact(client, 3000);
});

for (const oneTransaction of [false, true]) {
  test(`the source failing mid-chunk, then a rerun (${oneTransaction ? 'one transaction' : 'chunk by chunk'})`, async (t) => {
    const server = await withTempPostgres();
    const { client } = await freshDatabase(server, t, 'srcfail');
    await client.query(createGeneratedTableSql());
    await assert.rejects(loadTable(client, generatedPlan(3000, { failAt: 1234, oneTransaction }), { chunkSize: 500 }), (e: Error) => {
      assert.equal(e.name, 'LoadError');
      const after = oneTransaction ? 0 : 1000;
      assert.match(
        e.message,
        new RegExp(`loading src\\.public\\.gen into "public"\\."gen" failed after ${after} rows: simulated source failure at row 1234`),
      );
      return true;
    });
    const left = await client.query<{ n: string }>('SELECT count(*) AS n FROM gen');
    assert.equal(left.rows[0]!.n, oneTransaction ? '0' : '1000');
    await loadTable(client, generatedPlan(3000, { oneTransaction }), { chunkSize: 500 });
    await assertExact(client, 3000);
  });
}

test('SIGKILL of a child process loading chunk by chunk, at several moments, then rerun', { timeout: 180_000 }, async (t) => {
  const server = await withTempPostgres();
  const { name, client } = await freshDatabase(server, t, 'kill');
  await client.query(createGeneratedTableSql());
  const n = 20_000;
  const config = server.clientConfig(name);
  // Kill after the first, third and sixth committed chunk: as the next COPY starts, in its middle,
  // and with all but its last row sent. The child says when its source holds at that row.
  for (const [afterRows, holdAt] of [
    [700, 701],
    [2100, 2150],
    [4200, 4900],
  ] as const) {
    await killLoadChild({ config, n, chunkSize: 700, holdAt, oneTransaction: false }, (out) => {
      const committed = [...out.matchAll(/^(?:chunk|start) (\d+)$/gm)].map((x) => Number(x[1]));
      return committed.some((r) => r >= afterRows);
    });
    const st = await readTableState(client, 'src.public.gen');
    const cnt = await client.query<{ n: string }>('SELECT count(*) AS n FROM gen');
    assert.equal(cnt.rows[0]!.n, String(st!.rows), 'table rows = checkpoint rows after a kill');
    assert.equal(st!.rows % 700, 0);
    assert.ok(st!.rows >= afterRows && st!.rows < n);
  }
  const r = await loadTable(client, generatedPlan(n), { chunkSize: 700 });
  assert.equal(r.rows, n);
  assert.equal((await verifyTable(client, generatedPlan(n), r.source)).match, true);
  await assertExact(client, n);
});

test(
  'SIGKILL of a child process loading in one transaction: nothing of it stays; the rerun loads it whole',
  { timeout: 60_000 },
  async (t) => {
    const server = await withTempPostgres();
    const { name, client } = await freshDatabase(server, t, 'killwhole');
    await client.query(createGeneratedTableSql());
    const n = 5_000;
    await killLoadChild({ config: server.clientConfig(name), n, chunkSize: 700, holdAt: 2150, oneTransaction: true }, (out) =>
      out.includes('chunk 1400\n'),
    );
    assert.equal(await readTableState(client, 'src.public.gen'), undefined);
    const cnt = await client.query<{ n: string }>('SELECT count(*) AS n FROM gen');
    assert.equal(cnt.rows[0]!.n, '0');
    const r = await loadTable(client, generatedPlan(n, { oneTransaction: true }), { chunkSize: 700 });
    assert.equal(r.rows, n);
    await assertExact(client, n);
    assert.equal(await allVisible(client), true);
  },
);

test('loadTables on a pool: several tables in parallel, a finished table is skipped on rerun', async (t) => {
  const server = await withTempPostgres();
  const { name, client } = await freshDatabase(server, t, 'pool');
  const pool = new pg.Pool({ ...server.clientConfig(name), max: 3 });
  t.after(() => pool.end());
  const plans = [1, 2, 3, 4].map((i) => generatedPlan(500 * i, { table: `g${i}` }));
  for (const p of plans) await client.query(createGeneratedTableSql('public', p.pgTable));
  const results = await loadTables(plans, { pool, jobs: 3, chunkSize: 300 });
  assert.deepEqual(
    results.map((r) => [r.id, r.rows]),
    plans.map((p, i) => [p.id, 500 * (i + 1)]),
  );
  for (const [i, p] of plans.entries()) await assertExact(client, 500 * (i + 1), p.pgTable);
  const again = await loadTables(plans, { pool, chunkSize: 300 });
  assert.deepEqual(
    again.map((r) => r.bytes),
    [0, 0, 0, 0],
  );
});
