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
import type { LoadProgressEvent } from './types.js';

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

test('abort after K chunks, rerun: identical data, fingerprint accumulated across runs', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'abort');
  await client.query(createGeneratedTableSql());
  const n = 5_321;
  const ac = new AbortController();
  const events: LoadProgressEvent[] = [];
  await assert.rejects(
    loadTable(client, generatedPlan(n), {
      chunkSize: 1000,
      signal: ac.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.phase === 'chunk' && e.rows >= 2000) setImmediate(() => ac.abort()); // lands mid-chunk 3
      },
    }),
    /aborted/,
  );
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

test('the source failing mid-chunk, then a rerun', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'srcfail');
  await client.query(createGeneratedTableSql());
  await assert.rejects(loadTable(client, generatedPlan(3000, { failAt: 1234 }), { chunkSize: 500 }), (e: Error) => {
    assert.equal(e.name, 'LoadError');
    assert.match(e.message, /loading src\.public\.gen into "public"\."gen" failed after 1000 rows: simulated source failure at row 1234/);
    return true;
  });
  await loadTable(client, generatedPlan(3000), { chunkSize: 500 });
  await assertExact(client, 3000);
});

test('SIGKILL of a child process loading, at several moments, then rerun', { timeout: 180_000 }, async (t) => {
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
    const child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href,
        `${ROOT}src/load/testing/load-child.ts`,
        JSON.stringify({ config, n, chunkSize: 700, holdAt }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, sig) => r(sig)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const committed = [...out.matchAll(/^(?:chunk|start) (\d+)$/gm)].map((x) => Number(x[1]));
        if (committed.some((r) => r >= afterRows) && out.includes(`held ${holdAt}\n`)) resolve();
      });
      child.once('exit', () => reject(new Error(`child exited before ${afterRows} rows:\n${out}`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
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
