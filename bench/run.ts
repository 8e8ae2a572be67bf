/**
 * End-to-end performance benchmark (issue 7): `npm run bench`.
 *
 * On one temporary PostgreSQL, in one run:
 *  (a) baseline — the same rows exported once (untimed) by our decoder to COPY files, then
 *      `psql -c "\copy t (cols) FROM 'file'"` per table (summed), plus the same post-data DDL;
 *  (b) ours — `migrate()` end to end from the backup into a fresh database, with
 *      skip_validation and with verification; and a 2× larger backup to show RSS stays flat;
 *  (c) decode-only — read + decode every row (and read + decode + render COPY text) without
 *      PostgreSQL, rows per CPU second of one process;
 *  (d) peak RSS of each measured process (each runs in its own child process).
 * Prints figure / value / target / ratio / pass-fail; always exits 0 (a benchmark, not a test).
 *
 *   npm run bench                      # scale 1 (≈1.1 M rows) and scale 2 (≈2.2 M rows)
 *   BENCH_SCALES=1 npm run bench       # skip the 2× RSS run
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { resolveConfig } from '../src/config/load-config.js';
import { formatCopyText } from '../src/copy/format.js';
import { BinaryCopyWriter, binaryKind, type BinaryKind } from '../src/copy/binary.js';
import { convertSchema } from '../src/ddl/convert-schema.js';
import { quoteIdent } from '../src/util/sql-quote.js';
import { startTempPostgres, type TempPostgres } from '../src/pg-instance/index.js';
import { loadPlans } from '../src/pipeline/load-plans.js';
import { openBackupMigrationSource } from '../src/source/backup.js';
import { createLogger, silentLogger } from '../src/util/logger.js';
import { BENCH_DIR, makeLargeBackup } from './make-large-backup.js';

const BUILT_ENTRY = new URL('../dist/index.js', import.meta.url).href;
const SELF = fileURLToPath(import.meta.url);
const RESULT = 'BENCH_RESULT ';
const HEAP_CAP_MB = Number(process.env.BENCH_HEAP_CAP_MB ?? 128);

interface ChildResult {
  readonly rows: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMB: number;
  readonly extra?: Record<string, number | string>;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const rssMB = (): number => process.resourceUsage().maxRSS / 1024;

function baseConfig(dir: string, pgConn?: PgConn, skipValidation = true, threads: 'auto' | 'off' = 'auto') {
  return resolveConfig({
    file: {
      source: { type: 'backup', url: dir },
      threads,
      test_postgresql_import: false,
      skip_validation: skipValidation,
      log_file: '',
      report_dir: join(BENCH_DIR, 'report'),
      if_exists: 'drop',
      ...(pgConn
        ? { postgres_host: pgConn.host, postgres_port: pgConn.port, postgres_username: pgConn.user, postgres_password: pgConn.password }
        : {}),
    },
    env: {},
  }).config;
}

interface PgConn {
  host: string;
  port: number;
  user: string;
  password: string;
}

// ---------------------------------------------------------------- child modes (measured processes)

/** (c) read + decode every row of every user table; then again with COPY text rendering. */
async function childDecode(dir: string): Promise<ChildResult> {
  const config = baseConfig(dir);
  const source = await openBackupMigrationSource(dir, config);
  const tables = source.catalog.tables.filter((t) => t.database !== 'system' && t.materializedViewQuery === undefined);
  let rows = 0;
  let w0 = performance.now();
  let c0 = cpuNow();
  for (const t of tables) for await (const batch of source.rowBatches(t)) rows += batch.length;
  const decodeWall = (performance.now() - w0) / 1000;
  const decodeCpu = cpuNow() - c0;
  if (process.env['BENCH_DECODE_ONLY']) {
    await source.close();
    return { rows, wallSeconds: decodeWall, cpuSeconds: decodeCpu, maxRssMB: rssMB(), extra: { rowsPerCpuSecond: Math.round(rows / decodeCpu) } };
  }
  // Pass 2: decode + render what the loader sends with skip_validation (COPY BINARY where every
  // column has a binary form, else text), minus the socket.
  const schema = convertSchema(source.catalog);
  w0 = performance.now();
  c0 = cpuNow();
  let rendered = 0;
  let bytes = 0;
  for (const db of schema.databases) {
    if (db.crdbName === 'system') continue;
    for (const plan of loadPlans(db, source)) {
      const kinds = plan.columns.map((c) => (c.pgType ? binaryKind(c.pgType, c.type) : undefined));
      const binary = kinds.every((k) => k !== undefined) ? (kinds as BinaryKind[]) : undefined;
      const writer = new BinaryCopyWriter();
      for await (const batch of plan.rowBatches!()) {
        for (const row of batch) {
          if (binary) {
            writer.row(row.values, binary);
            if (writer.length >= 65536) bytes += writer.take().length;
          } else {
            let line = '';
            for (let i = 0; i < plan.columns.length; i++) line += (i ? '\t' : '') + formatCopyText(row.values[i] ?? null, plan.columns[i]!.type);
            bytes += line.length + 1;
          }
          rendered++;
        }
      }
      bytes += writer.take().length;
    }
  }
  const renderWall = (performance.now() - w0) / 1000;
  const renderCpu = cpuNow() - c0;
  await source.close();
  return {
    rows,
    wallSeconds: decodeWall,
    cpuSeconds: decodeCpu,
    maxRssMB: rssMB(),
    extra: { renderRows: rendered, renderWall, renderCpu, renderChars: bytes },
  };
}

interface ExportedTable {
  db: string;
  qualified: string;
  columns: string;
  file: string;
  rows: number;
}

/** (a, untimed) export the rows our decoder produces to COPY text files + the DDL around them. */
async function childExport(dir: string, out: string): Promise<ChildResult> {
  const source = await openBackupMigrationSource(dir, baseConfig(dir));
  const schema = convertSchema(source.catalog);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const tables: ExportedTable[] = [];
  const dbs: Array<{ name: string; pre: string; post: string }> = [];
  let total = 0;
  for (const db of schema.databases) {
    if (db.crdbName === 'system' || db.tables.length === 0) continue;
    const pre = join(out, `${db.pgName}.pre.sql`);
    const post = join(out, `${db.pgName}.post.sql`);
    await writeFile(pre, db.preData.map((s) => `${s};\n`).join(''));
    await writeFile(post, db.postData.map((s) => `${s};\n`).join(''));
    dbs.push({ name: db.pgName, pre, post });
    for (const plan of loadPlans(db, source)) {
      const file = join(out, `${db.pgName}.${plan.pgSchema}.${plan.pgTable}.copy`);
      const ws = createWriteStream(file);
      let buf = '';
      let n = 0;
      for await (const row of plan.rows()) {
        for (let i = 0; i < plan.columns.length; i++) buf += (i ? '\t' : '') + formatCopyText(row.values[i] ?? null, plan.columns[i]!.type);
        buf += '\n';
        n++;
        if (buf.length > 1 << 20) {
          if (!ws.write(buf)) await once(ws, 'drain');
          buf = '';
        }
      }
      ws.end(buf);
      await once(ws, 'finish');
      total += n;
      tables.push({
        db: db.pgName,
        qualified: `${quoteIdent(plan.pgSchema)}.${quoteIdent(plan.pgTable)}`,
        columns: plan.columns.map((c) => quoteIdent(c.pgName)).join(', '),
        file,
        rows: n,
      });
    }
  }
  await source.close();
  await writeFile(join(out, 'tables.json'), JSON.stringify({ tables, dbs }));
  return { rows: total, wallSeconds: 0, cpuSeconds: 0, maxRssMB: rssMB() };
}

/** (b) migrate() end to end into the server. */
async function childMigrate(dir: string, conn: PgConn, skipValidation: boolean, threads: 'auto' | 'off'): Promise<ChildResult> {
  const config = baseConfig(dir, conn, skipValidation, threads);
  const w0 = performance.now();
  const c0 = cpuNow();
  // BENCH_LOG=1: timestamped log lines and per-table progress on stderr (for finding where time goes).
  const verbose = process.env.BENCH_LOG === '1';
  const t = (): string => ((performance.now() - w0) / 1000).toFixed(2).padStart(7);
  // migrate() as users run it: the built package (from the TypeScript sources every worker thread
  // would first compile them, ~1 s each). `npm run bench` builds first.
  const { migrate: builtMigrate } = (await import(BUILT_ENTRY)) as typeof import('../src/index.js');
  const report = await builtMigrate({
    config,
    logger: verbose ? createLogger({ consoleLevel: 'debug' }) : silentLogger,
    ...(verbose ? { onProgress: (e) => (e.phase === 'chunk' ? undefined : console.error(`${t()} s ${e.phase} ${e.table} ${e.rows} rows`)) } : {}),
  });
  const wall = (performance.now() - w0) / 1000;
  if (report.error) throw new Error(`migrate failed: ${report.error}`);
  const rows = report.tables.reduce((n, t) => n + t.rowsLoaded, 0);
  const verified = report.tables.filter((t) => t.verification?.match).length;
  const phases = Object.fromEntries(report.phases.map((p) => [`phase:${p.name}`, p.seconds]));
  return { rows, wallSeconds: wall, cpuSeconds: cpuNow() - c0, maxRssMB: rssMB(), extra: { verdict: report.verdict, verifiedTables: verified, ...phases } };
}

async function childMain(): Promise<void> {
  const [, , , mode, ...args] = process.argv;
  let r: ChildResult;
  if (mode === 'decode') r = await childDecode(args[0]!);
  else if (mode === 'export') r = await childExport(args[0]!, args[1]!);
  else if (mode === 'migrate') r = await childMigrate(args[0]!, JSON.parse(args[1]!) as PgConn, args[2] === 'skip', args[3] === 'threads-off' ? 'off' : 'auto');
  else throw new Error(`unknown child mode ${mode}`);
  process.stdout.write(`${RESULT}${JSON.stringify(r)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------- parent (orchestration)

async function runChild(args: string[], nodeFlags: string[] = []): Promise<ChildResult> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', SELF, '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = out.split('\n').find((l) => l.startsWith(RESULT));
  if (code !== 0 || !line) throw new Error(`child ${args[0]} failed (exit ${code}): ${out.slice(-500)}`);
  return JSON.parse(line.slice(RESULT.length)) as ChildResult;
}

function psql(pgi: TempPostgres, db: string, args: string[]): number {
  const bin = join(pgi.binaries.binDir, 'psql');
  const t0 = performance.now();
  const r = spawnSync(bin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pgi.host, '-p', String(pgi.port), '-U', pgi.user, '-d', db, ...args], {
    env: { ...process.env, PGPASSWORD: pgi.password },
    encoding: 'utf8',
  });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`psql ${args.join(' ')}: ${r.stderr || r.error}`);
  return s;
}

async function dropDatabases(pgi: TempPostgres): Promise<void> {
  const c = new pg.Client(pgi.clientConfig('postgres'));
  await c.connect();
  try {
    const r = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')");
    for (const { datname } of r.rows) await c.query(`DROP DATABASE ${quoteIdent(datname)} WITH (FORCE)`);
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

async function createDatabase(pgi: TempPostgres, name: string): Promise<void> {
  const c = new pg.Client(pgi.clientConfig('postgres'));
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await c.end();
  }
}

interface Line {
  figure: string;
  value: string;
  target: string;
  ratio: string;
  pass: string;
}

const f1 = (n: number): string => n.toFixed(1);
const krs = (n: number): string => `${Math.round(n).toLocaleString('en-US')} rows/s`;

interface Baseline {
  readonly copySeconds: number;
  readonly postSeconds: number;
  readonly rows: number;
  readonly exported: number;
}

/** The limit: our decoder exports the rows once (untimed), then psql \\copy + the same post-data DDL (timed). */
async function measureBaseline(pgi: TempPostgres, backupDir: string): Promise<Baseline> {
  console.log(`exporting COPY files of ${backupDir} for the psql baseline (untimed)…`);
  const exportDir = join(BENCH_DIR, 'export');
  const exp = await runChild(['export', backupDir, exportDir]);
  const { tables, dbs } = JSON.parse(readFileSync(join(exportDir, 'tables.json'), 'utf8')) as {
    tables: ExportedTable[];
    dbs: Array<{ name: string; pre: string; post: string }>;
  };
  console.log('baseline: psql \\copy…');
  for (const d of dbs) {
    await createDatabase(pgi, d.name);
    psql(pgi, d.name, ['-f', d.pre]);
  }
  let copySeconds = 0;
  for (const t of tables) copySeconds += psql(pgi, t.db, ['-c', `\\copy ${t.qualified} (${t.columns}) FROM '${t.file}'`]);
  let postSeconds = 0;
  for (const d of dbs) postSeconds += psql(pgi, d.name, ['-f', d.post]);
  await dropDatabases(pgi);
  return { copySeconds, postSeconds, rows: tables.reduce((n, t) => n + t.rows, 0), exported: exp.rows };
}

async function main(): Promise<void> {
  const scales = (process.env.BENCH_SCALES ?? '1,2').split(',').map(Number);
  const backups = [];
  for (const s of scales) {
    // Built in a separate process so that its memory never shows in the measured processes.
    const t0 = performance.now();
    spawnSync(process.execPath, ['--import', 'tsx', join(SELF, '..', 'make-large-backup.ts'), String(s)], { stdio: 'inherit' });
    backups.push(await makeLargeBackup(s));
    if (performance.now() - t0 > 2000) console.log(`(backup scale ${s} ready in ${f1((performance.now() - t0) / 1000)} s)`);
  }
  const main1 = backups[0]!;
  console.log(`backup: ${main1.dir} — ${main1.totalRows.toLocaleString('en-US')} rows ${JSON.stringify(main1.rows)}`);

  console.log('decode-only…');
  const dec = await runChild(['decode', main1.dir]);

  const pgi = await startTempPostgres();
  const conn: PgConn = { host: pgi.host, port: pgi.port, user: pgi.user, password: pgi.password };
  try {
    const version = spawnSync(join(pgi.binaries.binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`PostgreSQL: ${version} (${pgi.binaries.binDir}), fsync=off`);

    const base1 = await measureBaseline(pgi, main1.dir);
    const { copySeconds, postSeconds, rows: baseRows, exported } = base1;

    console.log('ours: migrate() skip_validation…');
    const ours = await runChild(['migrate', main1.dir, JSON.stringify(conn), 'skip']);
    await dropDatabases(pgi);
    console.log('ours: migrate() skip_validation, threads off (one thread, for comparison)…');
    const oursOneThread = await runChild(['migrate', main1.dir, JSON.stringify(conn), 'skip', 'threads-off']);
    await dropDatabases(pgi);
    console.log('ours: migrate() with verification…');
    const oursV = await runChild(['migrate', main1.dir, JSON.stringify(conn), 'verify']);
    await dropDatabases(pgi);
    let big: ChildResult | undefined;
    let capped: ChildResult | undefined;
    let cappedError: string | undefined;
    let base2: Baseline | undefined;
    if (backups[1]) {
      base2 = await measureBaseline(pgi, backups[1].dir);
      console.log(`ours: migrate() skip_validation on ${backups[1].totalRows.toLocaleString('en-US')} rows (RSS check)…`);
      big = await runChild(['migrate', backups[1].dir, JSON.stringify(conn), 'skip']);
      await dropDatabases(pgi);
      // V8 sizes its heap by allocation rate, so peak RSS varies run to run; a hard heap cap shows
      // whether the live data really stays bounded as the backup grows.
      console.log(`ours: migrate() on ${backups[1].totalRows.toLocaleString('en-US')} rows with --max-old-space-size=${HEAP_CAP_MB}…`);
      try {
        capped = await runChild(['migrate', backups[1].dir, JSON.stringify(conn), 'skip'], [`--max-old-space-size=${HEAP_CAP_MB}`]);
      } catch (e) {
        cappedError = e instanceof Error ? e.message.slice(0, 200) : String(e);
      }
      await dropDatabases(pgi);
    }

    const baseTotal = copySeconds + postSeconds;
    const baseRate = baseRows / baseTotal;
    const copyRate = baseRows / copySeconds;
    const oursRate = ours.rows / ours.wallSeconds;
    const oursVRate = oursV.rows / oursV.wallSeconds;
    const decRate = dec.rows / dec.cpuSeconds;
    const renderRate = Number(dec.extra!.renderRows) / Number(dec.extra!.renderCpu);
    const lines: Line[] = [
      { figure: 'rows (scale 1)', value: main1.totalRows.toLocaleString('en-US'), target: '≥ 1,000,000', ratio: '', pass: main1.totalRows >= 1e6 ? 'pass' : 'FAIL' },
      { figure: 'baseline psql \\copy only', value: `${f1(copySeconds)} s, ${krs(copyRate)}`, target: '', ratio: '', pass: '' },
      { figure: 'baseline \\copy + post-data DDL', value: `${f1(baseTotal)} s, ${krs(baseRate)}`, target: '(limit)', ratio: '1.00', pass: '' },
      {
        figure: 'ours migrate, skip_validation',
        value: `${f1(ours.wallSeconds)} s, ${krs(oursRate)}`,
        target: '≥ 0.70 × limit',
        ratio: (oursRate / baseRate).toFixed(2),
        pass: oursRate / baseRate >= 0.7 ? 'pass' : 'FAIL',
      },
      {
        figure: 'ours migrate, verified',
        value: `${f1(oursV.wallSeconds)} s, ${krs(oursVRate)}`,
        target: '(info)',
        ratio: (oursVRate / baseRate).toFixed(2),
        pass: oursV.extra?.verdict === 'failed' ? 'FAIL' : `${oursV.extra?.verifiedTables} tables match`,
      },
      {
        figure: 'ours, skip_validation, threads off',
        value: `${f1(oursOneThread.wallSeconds)} s, ${krs(oursOneThread.rows / oursOneThread.wallSeconds)}`,
        target: '(info)',
        ratio: (oursOneThread.rows / oursOneThread.wallSeconds / baseRate).toFixed(2),
        pass: '',
      },
      { figure: 'ours vs \\copy only (skip_val.)', value: '', target: '(info)', ratio: (oursRate / copyRate).toFixed(2), pass: '' },
      { figure: 'decode-only (read+decode) /core', value: krs(decRate), target: '≥ 300,000 rows/s', ratio: (decRate / 300_000).toFixed(2), pass: decRate >= 300_000 ? 'pass' : 'FAIL' },
      { figure: 'decode + COPY render (as sent) /core', value: krs(renderRate), target: '(info)', ratio: '', pass: '' },
      { figure: 'peak RSS decode-only', value: `${f1(dec.maxRssMB)} MB`, target: '< 512 MB', ratio: '', pass: dec.maxRssMB < 512 ? 'pass' : 'FAIL' },
      { figure: 'peak RSS migrate (scale 1)', value: `${f1(ours.maxRssMB)} MB`, target: '< 512 MB', ratio: '', pass: ours.maxRssMB < 512 ? 'pass' : 'FAIL' },
      { figure: 'peak RSS migrate verified', value: `${f1(oursV.maxRssMB)} MB`, target: '< 512 MB', ratio: '', pass: oursV.maxRssMB < 512 ? 'pass' : 'FAIL' },
    ];
    if (big && backups[1] && base2) {
      const growth = big.maxRssMB / ours.maxRssMB;
      const base2Rate = base2.rows / (base2.copySeconds + base2.postSeconds);
      const bigRate = big.rows / big.wallSeconds;
      lines.push(
        { figure: 'baseline 2× \\copy + post-data', value: `${f1(base2.copySeconds + base2.postSeconds)} s, ${krs(base2Rate)}`, target: '(limit, scale 2)', ratio: '1.00', pass: '' },
        { figure: `ours migrate 2× (${(big.rows / 1e6).toFixed(2)} M rows), skip_val.`, value: `${f1(big.wallSeconds)} s, ${krs(bigRate)}`, target: '≥ 0.70 × limit', ratio: (bigRate / base2Rate).toFixed(2), pass: bigRate / base2Rate >= 0.7 ? 'pass' : 'FAIL' },
        { figure: 'peak RSS migrate (scale 2)', value: `${f1(big.maxRssMB)} MB`, target: '< 512 MB', ratio: `${growth.toFixed(2)}× of scale 1`, pass: big.maxRssMB < 512 ? 'pass' : 'FAIL' },
        capped
          ? { figure: `scale 2, heap capped ${HEAP_CAP_MB} MB`, value: `${f1(capped.wallSeconds)} s, RSS ${f1(capped.maxRssMB)} MB`, target: 'completes', ratio: '', pass: capped.rows === big.rows ? 'pass' : 'FAIL' }
          : { figure: `scale 2, heap capped ${HEAP_CAP_MB} MB`, value: cappedError ?? 'not run', target: 'completes', ratio: '', pass: 'FAIL' },
      );
    }
    const cols: (keyof Line)[] = ['figure', 'value', 'target', 'ratio', 'pass'];
    const w = cols.map((c) => Math.max(c.length, ...lines.map((l) => l[c].length)));
    const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
    console.log('');
    console.log(row(cols));
    console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
    for (const l of lines) console.log(row(cols.map((c) => l[c])));
    console.log('');
    console.log(`cores: ${cpus().length}; exported rows ${exported} (baseline loaded ${baseRows}); migrate rows ${ours.rows}, verified run ${oursV.rows}`);
    console.log(`decode-only: ${dec.rows} rows in ${f1(dec.cpuSeconds)} CPU s (${f1(dec.wallSeconds)} s wall); render pass ${f1(Number(dec.extra!.renderCpu))} CPU s`);
    console.log(
      `migrate CPU of the node process (excl. PostgreSQL): skip ${f1(ours.cpuSeconds)} s (${((ours.cpuSeconds / ours.rows) * 1e6).toFixed(1)} µs/row, ` +
        `${Math.round((ours.cpuSeconds / ours.wallSeconds) * 100)}% of one core), verified ${f1(oursV.cpuSeconds)} s` +
        (big ? `, scale 2 ${f1(big.cpuSeconds)} s (${((big.cpuSeconds / big.rows) * 1e6).toFixed(1)} µs/row)` : ''),
    );
    console.log(`phases skip: ${JSON.stringify(ours.extra)}`);
    console.log(`phases verified: ${JSON.stringify(oursV.extra)}`);
  } finally {
    await pgi.stop();
  }
}

if (process.argv[2] === '--child') await childMain();
else
  await main().catch((e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  });
process.exitCode = 0;
