/**
 * Loader throughput vs `psql \copy` (issue 7): one temporary PostgreSQL, a simple 5-column table
 * (id int8, name text, amount numeric(12,2), created timestamptz, flag bool) of N generated rows
 * (src/load/generated-plan.ts).
 *  (1) `loadTable` from the row generator: Datum → COPY text → COPY, chunked with checkpoints,
 *      with the content fingerprint (default) and without it;
 *  (2) baseline: the same rows written (untimed) to a CSV file, loaded by `psql -c "\copy … csv"`.
 * Then `verifyTable` of (1) (PostgreSQL-side fingerprint + source recompute) is timed too.
 *
 *   node --import tsx bench/load-copy.ts            # 1,000,000 rows
 *   BENCH_ROWS=200000 node --import tsx bench/load-copy.ts
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadTable } from '../src/load/testing/load-table.js';
import { formatPgText } from '../src/copy/format.js';
import { createGeneratedTableSql, generatedPlan } from '../src/load/testing/generated-plan.js';
import { startTempPostgres } from '../src/pg-instance/index.js';
import { verifyTable } from '../src/verify/verify-table.js';

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 100_000);

const csvField = (t: string | null): string => (t === null ? '' : /[",\n\r]/.test(t) || t === '' ? `"${t.replace(/"/g, '""')}"` : t);

async function main(): Promise<void> {
  const server = await startTempPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'bench-load-'));
  const admin = new pg.Client(server.clientConfig());
  await admin.connect();
  try {
    const line = (label: string, seconds: number, extra = ''): void =>
      console.log(
        `${label.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s  ${Math.round(N / seconds)
          .toLocaleString('en-US')
          .padStart(10)} rows/s ${extra}`,
      );
    console.log(`rows: ${N.toLocaleString('en-US')}, chunk: ${CHUNK.toLocaleString('en-US')}, PostgreSQL on 127.0.0.1:${server.port}`);

    // (2) baseline CSV, written untimed.
    const csv = join(dir, 'gen.csv');
    const plan = generatedPlan(N);
    const out = createWriteStream(csv);
    let buf = '';
    for await (const row of plan.rows()) {
      buf += `${row.values.map((d, i) => csvField(d === null ? null : formatPgText(d, plan.columns[i]!.type))).join(',')}\n`;
      if (buf.length > 1 << 16) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
    out.end(buf);
    await once(out, 'finish');

    const runs: { label: string; db: string; fingerprint: boolean }[] = [
      { label: 'loadTable (with fingerprint)', db: 'bench_fp', fingerprint: true },
      { label: 'loadTable (fingerprint off)', db: 'bench_nofp', fingerprint: false },
    ];
    for (const db of ['bench_fp', 'bench_nofp', 'bench_psql']) {
      await admin.query(`CREATE DATABASE ${db}`);
      const c = new pg.Client(server.clientConfig(db));
      await c.connect();
      await c.query(createGeneratedTableSql());
      await c.end();
    }

    const cfg = server.clientConfig('bench_psql');
    const t0 = performance.now();
    const p = spawnSync(
      'psql',
      [
        '-X',
        '-q',
        '-h',
        String(cfg.host),
        '-p',
        String(cfg.port),
        '-U',
        String(cfg.user),
        '-d',
        'bench_psql',
        '-c',
        `\\copy gen FROM '${csv}' csv`,
      ],
      {
        env: { ...process.env, PGPASSWORD: String(cfg.password) },
        encoding: 'utf8',
      },
    );
    const psqlSeconds = (performance.now() - t0) / 1000;
    if (p.status !== 0) throw new Error(`psql failed: ${p.stderr}`);

    // The source alone (iterating the generated rows), to separate source cost from loader cost.
    const ts = performance.now();
    const cpuS = process.cpuUsage();
    let count = 0;
    for await (const _row of generatedPlan(N).rows()) count++;
    const cs = process.cpuUsage(cpuS);
    line(
      'source only (iterate the generated rows)',
      (performance.now() - ts) / 1000,
      `(${count} rows, node CPU ${((cs.user + cs.system) / 1e6).toFixed(2)} s)`,
    );

    const results: number[] = [];
    for (const r of runs) {
      const client = new pg.Client(server.clientConfig(r.db));
      await client.connect();
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const res = await loadTable(client, generatedPlan(N), { chunkSize: CHUNK, fingerprint: r.fingerprint });
      const s = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      results.push(s);
      const nodeCpu = (cpu.user + cpu.system) / 1e6;
      line(
        r.label,
        s,
        `${(res.bytes / s / 1e6).toFixed(1)} MB/s COPY text, node CPU ${nodeCpu.toFixed(2)} s (${((nodeCpu / N) * 1e6).toFixed(1)} µs/row), rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
      );
      if (r.fingerprint) {
        const tv = performance.now();
        const v = await verifyTable(client, generatedPlan(N), res.source);
        line('  verifyTable (target side only)', (performance.now() - tv) / 1000, `match=${v.match}`);
        const tv2 = performance.now();
        const v2 = await verifyTable(client, generatedPlan(N));
        line('  verifyTable (source recomputed + target)', (performance.now() - tv2) / 1000, `match=${v2.match}`);
      }
      await client.end();
    }
    line('psql \\copy of the equivalent CSV', psqlSeconds);
    console.log(
      `ratio loadTable/psql: ${(results[0]! / psqlSeconds).toFixed(2)}x (fingerprint on), ${(results[1]! / psqlSeconds).toFixed(2)}x (off)`,
    );
  } finally {
    await admin.end();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
