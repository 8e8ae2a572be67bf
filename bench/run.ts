/**
 * End-to-end performance benchmark (issues 7 and 14): `npm run bench`.
 *
 * On one temporary PostgreSQL, in one run, each figure as a ratio against its limit and pass/fail:
 *  (a) the limit — the same rows exported once (untimed) by our decoder to COPY text files, then
 *      `psql -c "\copy t (cols) FROM 'file'"` per table (summed), plus the same post-data DDL;
 *  (b) ours — `migrate()` of the built package end to end (plain node, bench/migrate-child.mjs), with skip_validation and verified;
 *  (c) decode-only — read + decode every row without PostgreSQL, rows per CPU second;
 *  (d) peak RSS of each measured process (each runs in its own child process);
 *  (e) the same backup served over the S3 protocol (s3rver behind a loopback proxy adding
 *      BENCH_S3_LATENCY_MS, default 50 ms, to every request) vs from local disk;
 *  (f) a production-shaped backup (the same rows in ≥ 1,000 SSTs + 3 incremental layers with
 *      updates and deletes) vs the one-SST-per-table backup, locally and over the slow S3;
 *  (g) peer: pgloader (when installed) loading the same COPY files, plus the same post-data DDL.
 * Every ratio is measured in BENCH_ROUNDS rounds (default 3), its two sides back to back in each,
 * and the median round is reported with every round's ratio beside it (the host is shared: the
 * same work varies by ±20 % minutes apart). Peak RSS is the largest of the rounds.
 * Always exits 0 (a benchmark, not a test).
 *
 *   npm run bench                      # scale 1 (≈1.1 M rows)
 *   BENCH_SCALES=1,10 npm run bench    # also scale 10 (≈11 M rows): limit, ours, RSS, heap-capped run
 *   BENCH_SKIP=s3,production,pgloader  # leave groups out
 *   BENCH_ROUNDS=1 npm run bench       # one round per ratio (a third of the time)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
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
import { listFiles } from '../src/backup/testing/fixture-bed.js';
import { startLoopbackProxy, type LoopbackProxy } from '../src/storage/testing/http-proxy.js';
import { startTestS3, type TestS3 } from '../src/storage/testing/s3-server.js';
import { BENCH_DIR, makeLargeBackup, type LargeBackup } from './make-large-backup.js';

/** The measured migrate() child: plain node on the built package (dist/), see its comment. */
const MIGRATE_CHILD = fileURLToPath(new URL('./migrate-child.mjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const RESULT = 'BENCH_RESULT ';
const HEAP_CAP_MB = Number(process.env.BENCH_HEAP_CAP_MB ?? 128);
/**
 * Each ratio is measured this many times, its two sides run back to back in each round, and the
 * median round is reported: the host is shared, and the same work measured minutes apart varies by
 * ±20 % here (decode-only of one build: 1.2–1.9 s), more than most changes being measured.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

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

/** Where a measured child reads the backup: a local folder, or an S3 URL with its endpoint and keys. */
interface SourceSpec {
  readonly url: string;
  readonly s3?: { readonly endpoint: string; readonly accessKeyId: string; readonly secretAccessKey: string };
}
const sourceSpec = (arg: string): SourceSpec => (arg.startsWith('{') ? (JSON.parse(arg) as SourceSpec) : { url: arg });

function baseConfig(dir: string | SourceSpec, pgConn?: PgConn, skipValidation = true, threads: 'auto' | 'off' = 'auto') {
  return resolveConfig({ file: baseConfigFile(dir, pgConn, skipValidation, threads), env: {} }).config;
}

/** The migration_config.json object of a measured run. */
function baseConfigFile(
  dir: string | SourceSpec,
  pgConn?: PgConn,
  skipValidation = true,
  threads: 'auto' | 'off' = 'auto',
): Record<string, unknown> {
  const src = typeof dir === 'string' ? { url: dir } : dir;
  return {
    source: { type: 'backup', url: src.url },
    ...(src.s3
      ? {
          aws_endpoint: src.s3.endpoint,
          aws_access_key_id: src.s3.accessKeyId,
          aws_secret_access_key: src.s3.secretAccessKey,
          aws_region: 'us-east-1',
        }
      : {}),
    threads,
    test_postgresql_import: false,
    skip_validation: skipValidation,
    log_file: '',
    report_dir: join(BENCH_DIR, 'report'),
    if_exists: 'drop',
    ...(pgConn
      ? { postgres_host: pgConn.host, postgres_port: pgConn.port, postgres_username: pgConn.user, postgres_password: pgConn.password }
      : {}),
  };
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
    return {
      rows,
      wallSeconds: decodeWall,
      cpuSeconds: decodeCpu,
      maxRssMB: rssMB(),
      extra: { rowsPerCpuSecond: Math.round(rows / decodeCpu) },
    };
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
            for (let i = 0; i < plan.columns.length; i++)
              line += (i ? '\t' : '') + formatCopyText(row.values[i] ?? null, plan.columns[i]!.type);
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

async function childMain(): Promise<void> {
  const [, , , mode, ...args] = process.argv;
  let r: ChildResult;
  if (mode === 'decode') r = await childDecode(args[0]!);
  else if (mode === 'export') r = await childExport(args[0]!, args[1]!);
  else throw new Error(`unknown child mode ${mode}`);
  process.stdout.write(`${RESULT}${JSON.stringify(r)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------- parent (orchestration)

/**
 * Runs a measured child: `migrate <source> <conn JSON> skip|verify [threads-off]` as plain node on
 * the built package (bench/migrate-child.mjs, as users run it), other modes as this file under tsx.
 */
async function runChild(args: string[], nodeFlags: string[] = []): Promise<ChildResult> {
  const argv =
    args[0] === 'migrate'
      ? [
          MIGRATE_CHILD,
          JSON.stringify(
            baseConfigFile(
              sourceSpec(args[1]!),
              JSON.parse(args[2]!) as PgConn,
              args[3] === 'skip',
              args[4] === 'threads-off' ? 'off' : 'auto',
            ),
          ),
        ]
      : ['--import', 'tsx', SELF, '--child', ...args];
  const child = spawn(process.execPath, [...nodeFlags, ...argv], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
  const r = spawnSync(
    bin,
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pgi.host, '-p', String(pgi.port), '-U', pgi.user, '-d', db, ...args],
    {
      env: { ...process.env, PGPASSWORD: pgi.password },
      encoding: 'utf8',
    },
  );
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`psql ${args.join(' ')}: ${r.stderr || r.error}`);
  return s;
}

/** `psql` without blocking the event loop (for loads side by side). */
async function psqlAsync(pgi: TempPostgres, db: string, args: string[]): Promise<void> {
  const bin = join(pgi.binaries.binDir, 'psql');
  const c = spawn(bin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pgi.host, '-p', String(pgi.port), '-U', pgi.user, '-d', db, ...args], {
    env: { ...process.env, PGPASSWORD: pgi.password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(c, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`psql ${args.join(' ')}: ${err}`);
}

async function dropDatabases(pgi: TempPostgres): Promise<void> {
  const c = new pg.Client(pgi.clientConfig('postgres'));
  await c.connect();
  try {
    const r = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')",
    );
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
  /** pgloader loading the same COPY files (seconds) + the same post-data DDL; a note when not run. */
  readonly peer: { readonly loadSeconds: number; readonly postSeconds: number } | { readonly note: string };
  /** The same \copy loads with N connections at once (largest table first), wall seconds by N. */
  readonly parallelCopy: ReadonlyArray<{ readonly connections: number; readonly seconds: number }>;
  /** The limit (\\copy + post-data) once more: its seconds. */
  readonly again: () => Promise<number>;
}

const unquote = (id: string): string => (id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id);

/**
 * The peer: pgloader (Debian package) loading the same COPY text files into tables made by the same
 * pre-data DDL (untimed), one command file per table run by one pgloader process (timed), then the
 * same post-data DDL through psql (timed).
 */
function measurePgloader(
  pgi: TempPostgres,
  exportDir: string,
  tables: readonly ExportedTable[],
  dbs: ReadonlyArray<{ name: string; post: string }>,
): { loadSeconds: number; postSeconds: number } {
  const files: string[] = [];
  tables.forEach((t, i) => {
    const cols = t.columns.split(', ').map(unquote).join(', ');
    const [schema, table] = t.qualified.split('.').map(unquote) as [string, string];
    const url = `postgresql://${encodeURIComponent(pgi.user)}:${encodeURIComponent(pgi.password)}@${pgi.host}:${pgi.port}/${encodeURIComponent(t.db)}`;
    const f = join(exportDir, `pgloader-${i}.load`);
    writeFileSync(
      f,
      `LOAD COPY\n  FROM '${t.file}' (${cols})\n  INTO ${url}\n  TARGET TABLE "${schema}"."${table}" (${cols})\n  WITH workers = 2, concurrency = 1;\n`,
    );
    files.push(f);
  });
  const t0 = performance.now();
  const r = spawnSync('pgloader', ['--quiet', '--on-error-stop', '--logfile', join(exportDir, 'pgloader.log'), ...files], {
    encoding: 'utf8',
  });
  const loadSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`pgloader failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-800)}`);
  let postSeconds = 0;
  for (const d of dbs) postSeconds += psql(pgi, d.name, ['-f', d.post]);
  return { loadSeconds, postSeconds };
}

/** The limit: our decoder exports the rows once (untimed), then psql \\copy + the same post-data DDL (timed); then the peer. */
async function measureBaseline(pgi: TempPostgres, backupDir: string, withPeer: boolean): Promise<Baseline> {
  console.log(`exporting COPY files of ${backupDir} for the psql baseline (untimed)…`);
  const exportDir = join(BENCH_DIR, 'export');
  const exp = await runChild(['export', backupDir, exportDir]);
  const { tables, dbs } = JSON.parse(readFileSync(join(exportDir, 'tables.json'), 'utf8')) as {
    tables: ExportedTable[];
    dbs: Array<{ name: string; pre: string; post: string }>;
  };
  const prepare = async (): Promise<void> => {
    for (const d of dbs) {
      await createDatabase(pgi, d.name);
      psql(pgi, d.name, ['-f', d.pre]);
    }
  };
  /** One timed \\copy of every table + post-data, on fresh databases. */
  const limitOnce = async (): Promise<{ copySeconds: number; postSeconds: number }> => {
    await prepare();
    let copySeconds = 0;
    for (const t of tables) copySeconds += psql(pgi, t.db, ['-c', `\\copy ${t.qualified} (${t.columns}) FROM '${t.file}'`]);
    let postSeconds = 0;
    for (const d of dbs) postSeconds += psql(pgi, d.name, ['-f', d.post]);
    await dropDatabases(pgi);
    return { copySeconds, postSeconds };
  };
  console.log('baseline: psql \\copy…');
  const { copySeconds, postSeconds } = await limitOnce();
  const parallelCopy: Array<{ connections: number; seconds: number }> = [];
  if (withPeer) {
    for (const n of [2, 4]) {
      console.log(`baseline: \\copy with ${n} connections at once…`);
      await prepare();
      const queue = [...tables].sort((a, b) => b.rows - a.rows);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: n }, async () => {
          for (let t = queue.shift(); t; t = queue.shift())
            await psqlAsync(pgi, t.db, ['-c', `\\copy ${t.qualified} (${t.columns}) FROM '${t.file}'`]);
        }),
      );
      parallelCopy.push({ connections: n, seconds: (performance.now() - t0) / 1000 });
      await dropDatabases(pgi);
    }
  }
  let peer: Baseline['peer'] = { note: 'not run' };
  if (withPeer) {
    if (spawnSync('pgloader', ['--version'], { encoding: 'utf8' }).status !== 0) {
      peer = { note: 'pgloader not installed (Debian: apt-get install pgloader)' };
    } else {
      console.log('peer: pgloader…');
      await prepare();
      try {
        peer = measurePgloader(pgi, exportDir, tables, dbs);
        // pgloader logs rejected rows and goes on: the figure counts only if every row arrived.
        let loaded = 0;
        for (const t of tables) {
          const c = new pg.Client(pgi.clientConfig(t.db));
          await c.connect();
          loaded += Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.qualified}`)).rows[0]!.n);
          await c.end();
        }
        const want = tables.reduce((n, t) => n + t.rows, 0);
        if (loaded !== want) peer = { note: `pgloader loaded ${loaded} of ${want} rows (see ${join(exportDir, 'pgloader.log')})` };
      } catch (e) {
        peer = { note: e instanceof Error ? e.message.split('\n').slice(0, 3).join(' ') : String(e) };
      }
      await dropDatabases(pgi);
    }
  }
  const rows = tables.reduce((n, t) => n + t.rows, 0);
  const again = async (): Promise<number> => {
    const r = await limitOnce();
    return r.copySeconds + r.postSeconds;
  };
  return { copySeconds, postSeconds, rows, exported: exp.rows, peer, parallelCopy, again };
}

/** Uploads a backup folder to the S3 server under `prefix`, 16 objects at a time. */
async function upload(s3: TestS3, dir: string, prefix: string): Promise<void> {
  const files = await listFiles(dir);
  for (let i = 0; i < files.length; i += 16) {
    await Promise.all(files.slice(i, i + 16).map(async (f) => s3.put(`${prefix}/${relative(dir, f)}`, await readFile(f))));
  }
}

/** One measured `migrate()` of `source` (a folder or an S3 source spec), then the target emptied again. */
async function measuredMigration(pgi: TempPostgres, conn: PgConn, source: string, mode: 'skip' | 'verify'): Promise<ChildResult> {
  const r = await runChild(['migrate', source, JSON.stringify(conn), mode]);
  await dropDatabases(pgi);
  return r;
}

/** One round of a ratio: the measured run and the rate (rows/s) of its reference in the same round. */
interface Paired {
  readonly run: ChildResult;
  readonly referenceRate: number;
}
const ratioOf = (p: Paired): number => p.run.rows / p.run.wallSeconds / p.referenceRate;

/** The round with the median ratio (the lower middle one of an even count). */
function medianRound(rounds: readonly Paired[]): Paired {
  const sorted = [...rounds].sort((a, b) => ratioOf(a) - ratioOf(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** A ratio line: the median round's time and ratio, and every round's ratio beside it. */
const ratioLine = (figure: string, rounds: readonly Paired[], target: number | undefined, extra = ''): Line => {
  const m = medianRound(rounds);
  const rate = m.run.rows / m.run.wallSeconds;
  const ratio = ratioOf(m);
  const all = rounds.length > 1 ? ` (rounds ${rounds.map((r) => ratioOf(r).toFixed(2)).join(', ')})` : '';
  return {
    figure,
    value: `${f1(m.run.wallSeconds)} s, ${krs(rate)}`,
    target: target === undefined ? '(info)' : `≥ ${target.toFixed(2)}`,
    ratio: ratio.toFixed(2) + all,
    pass: (target === undefined ? '' : ratio >= target ? 'PASS' : 'FAIL') + extra,
  };
};

/** `rounds` × (reference run, measured run), back to back: each round's ratio against its own reference. */
async function pairedRounds(reference: () => Promise<ChildResult>, measured: () => Promise<ChildResult>): Promise<Paired[]> {
  const out: Paired[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const ref = await reference();
    out.push({ run: await measured(), referenceRate: ref.rows / ref.wallSeconds });
  }
  return out;
}
const rssLine = (figure: string, mb: number, extra = ''): Line => ({
  figure,
  value: `${f1(mb)} MB`,
  target: '< 512 MB',
  ratio: extra,
  pass: mb < 512 ? 'PASS' : 'FAIL',
});
const verifiedNote = (rounds: readonly Paired[]): string =>
  rounds.some((r) => r.run.extra?.verdict === 'failed')
    ? ' (verdict failed!)'
    : ` (${rounds.map((r) => r.run.extra?.verifiedTables).join('/')} tables match)`;

function printTable(lines: readonly Line[]): void {
  const cols: (keyof Line)[] = ['figure', 'value', 'target', 'ratio', 'pass'];
  const w = cols.map((c) => Math.max(c.length, ...lines.map((l) => l[c].length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  console.log('');
  console.log(row(cols));
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const l of lines) console.log(row(cols.map((c) => l[c])));
  console.log('');
}

/** Limit, ours skip_validation and verified for one backup: the two ratios and peak RSS. */
async function measureScale(
  pgi: TempPostgres,
  conn: PgConn,
  b: LargeBackup,
  scale: number,
  withPeer: boolean,
  lines: Line[],
  rounds = ROUNDS,
): Promise<{ base: Baseline; skip: ChildResult; verified: ChildResult }> {
  const base = await measureBaseline(pgi, b.dir, withPeer);
  const limitRate = base.rows / (base.copySeconds + base.postSeconds);
  // Round 1's limit is the baseline just measured; later rounds measure it again, then ours.
  const skipRounds: Paired[] = [];
  const verifiedRounds: Paired[] = [];
  for (let i = 0; i < rounds; i++) {
    const ref = i === 0 ? limitRate : base.rows / (await base.again());
    console.log(`ours (scale ${scale}, round ${i + 1} of ${rounds}): migrate() skip_validation, then verified…`);
    skipRounds.push({ run: await measuredMigration(pgi, conn, b.dir, 'skip'), referenceRate: ref });
    verifiedRounds.push({ run: await measuredMigration(pgi, conn, b.dir, 'verify'), referenceRate: ref });
  }
  const skip = medianRound(skipRounds).run;
  const verified = medianRound(verifiedRounds).run;
  const tag = `scale ${scale}, ${(b.totalRows / 1e6).toFixed(2)} M rows`;
  lines.push(
    {
      figure: `limit: \\copy + post-data (${tag})`,
      value: `${f1(base.copySeconds + base.postSeconds)} s, ${krs(limitRate)}`,
      target: '(limit)',
      ratio: '1.00',
      pass: '',
    },
    {
      figure: `  of which \\copy only`,
      value: `${f1(base.copySeconds)} s, ${krs(base.rows / base.copySeconds)}`,
      target: '(info)',
      ratio: '',
      pass: '',
    },
    ...base.parallelCopy.map((p) => ({
      figure: `  \\copy only, ${p.connections} connections at once`,
      value: `${f1(p.seconds)} s, ${krs(base.rows / p.seconds)}`,
      target: '(info)',
      ratio: `${(base.copySeconds / p.seconds).toFixed(2)}× of 1`,
      pass: '',
    })),
    ratioLine(`ours verified (${tag})`, verifiedRounds, 0.8, verifiedNote(verifiedRounds)),
    ratioLine(`ours skip_validation (${tag})`, skipRounds, 0.95),
    rssLine(`peak RSS migrate skip (scale ${scale})`, Math.max(...skipRounds.map((r) => r.run.maxRssMB))),
    rssLine(`peak RSS migrate verified (scale ${scale})`, Math.max(...verifiedRounds.map((r) => r.run.maxRssMB))),
  );
  if ('loadSeconds' in base.peer) {
    const t = base.peer.loadSeconds + base.peer.postSeconds;
    lines.push({
      figure: `peer: pgloader + post-data (${tag})`,
      value: `${f1(t)} s, ${krs(base.rows / t)}`,
      target: '(info)',
      ratio: (base.rows / t / limitRate).toFixed(2),
      pass: '',
    });
  } else if (withPeer) {
    lines.push({ figure: `peer: pgloader (${tag})`, value: 'skipped', target: '(info)', ratio: '', pass: base.peer.note.slice(0, 120) });
  }
  if (base.rows !== skip.rows || base.rows !== verified.rows)
    console.log(`WARNING: rows differ: limit ${base.rows}, skip ${skip.rows}, verified ${verified.rows}`);
  return { base, skip, verified };
}

async function main(): Promise<void> {
  const scales = (process.env.BENCH_SCALES ?? '1').split(',').map(Number);
  const skipGroups = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
  const latencyMs = Number(process.env.BENCH_S3_LATENCY_MS ?? 50);
  const load0 = loadavg();
  const build = (s: number, shape: 'one-sst' | 'production'): void => {
    // Built in a separate process so that its memory never shows in the measured processes. The
    // builder holds a scale's KVs in memory (≈ 4 GB at scale 10, past V8's default heap limit).
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=16384', '--import', 'tsx', join(SELF, '..', 'make-large-backup.ts'), String(s), shape],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error(`building the scale-${s} ${shape} backup failed (exit ${r.status ?? r.signal})`);
  };
  const backups: LargeBackup[] = [];
  for (const s of scales) {
    build(s, 'one-sst');
    backups.push(await makeLargeBackup(s));
  }
  const main1 = backups[0]!;
  let shaped: LargeBackup | undefined;
  if (!skipGroups.has('production')) {
    build(scales[0]!, 'production');
    shaped = await makeLargeBackup(scales[0]!, BENCH_DIR, 'production');
  }
  console.log(
    `backup: ${main1.dir} — ${main1.totalRows.toLocaleString('en-US')} rows in ${main1.files} SSTs ${JSON.stringify(main1.rows)}`,
  );
  if (shaped)
    console.log(
      `production-shaped: ${shaped.dir} — ${shaped.totalRows.toLocaleString('en-US')} rows in ${shaped.files} SSTs over ${shaped.layers} layers`,
    );
  if (!scales.includes(10)) console.log('scale 10 (≈ 11 M rows) is opt-in: BENCH_SCALES=1,10 npm run bench (≈ 10× the time of scale 1)');

  console.log('decode-only…');
  const dec = await runChild(['decode', main1.dir]);

  const pgi = await startTempPostgres();
  const conn: PgConn = { host: pgi.host, port: pgi.port, user: pgi.user, password: pgi.password };
  let s3: TestS3 | undefined;
  let proxy: LoopbackProxy | undefined;
  const lines: Line[] = [];
  try {
    const version = spawnSync(join(pgi.binaries.binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`PostgreSQL: ${version} (${pgi.binaries.binDir}), fsync=off`);

    const first = await measureScale(pgi, conn, main1, scales[0]!, !skipGroups.has('pgloader'), lines);
    const decRate = dec.rows / dec.cpuSeconds;
    lines.push(
      {
        figure: 'decode-only (read+decode) per core',
        value: krs(decRate),
        target: '≥ 600,000 rows/s',
        ratio: (decRate / 600_000).toFixed(2),
        pass: decRate >= 600_000 ? 'PASS' : 'FAIL',
      },
      {
        figure: 'decode + COPY render (as sent) per core',
        value: krs(Number(dec.extra!.renderRows) / Number(dec.extra!.renderCpu)),
        target: '(info)',
        ratio: '',
        pass: '',
      },
      rssLine('peak RSS decode-only', dec.maxRssMB),
    );

    /** A group that fails is one FAIL line; the figures measured so far are still printed. */
    const group = async (name: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 160);
        console.log(`${name} failed: ${msg}`);
        lines.push({ figure: name, value: 'failed', target: '', ratio: '', pass: `FAIL: ${msg}` });
        await dropDatabases(pgi).catch(() => undefined);
      }
    };
    const migrateSkip = (source: string): Promise<ChildResult> => measuredMigration(pgi, conn, source, 'skip');
    if (shaped)
      await group('production shape', async () => {
        console.log(
          `ours: migrate() skip_validation, production-shaped backup (${shaped.files} SSTs, ${shaped.layers} layers), each after the one-SST backup…`,
        );
        const rounds = await pairedRounds(
          () => migrateSkip(main1.dir),
          () => migrateSkip(shaped.dir),
        );
        lines.push(
          ratioLine(`production shape (${shaped.files} SSTs, ${shaped.layers} layers) vs one SST/table, skip_val.`, rounds, 0.9),
          rssLine('peak RSS migrate, production shape', Math.max(...rounds.map((r) => r.run.maxRssMB))),
        );
      });

    if (!skipGroups.has('s3'))
      await group('S3 with latency', async () => {
        s3 = await startTestS3('bench', { checkSignatures: false });
        // A loopback proxy holding every request `latencyMs` (object-storage latency).
        proxy = await startLoopbackProxy(s3.endpoint, { delayMs: latencyMs });
        const via = (prefix: string): string =>
          JSON.stringify({
            url: `s3://bench/${prefix}`,
            s3: { endpoint: proxy!.endpoint, accessKeyId: s3!.accessKeyId, secretAccessKey: s3!.secretAccessKey },
          });
        // s3rver and the delaying proxy run in this process, on the same two cores as the measured
        // run: their CPU during it is shown beside the figure (a real S3 spends its own).
        const fromS3 = (prefix: string, seen: { requests: number; serverCpu: number }) => async (): Promise<ChildResult> => {
          const r0 = proxy!.requests().length;
          const cpu0 = cpuNow();
          const r = await migrateSkip(via(prefix));
          seen.serverCpu = Math.max(seen.serverCpu, cpuNow() - cpu0);
          seen.requests = proxy!.requests().length - r0;
          return r;
        };
        console.log(`S3: uploading to s3rver (served through a proxy adding ${latencyMs} ms per request)…`);
        await upload(s3, main1.dir, 'one-sst');
        console.log('ours: migrate() skip_validation from slow S3, each after the same from local disk…');
        const one = { requests: 0, serverCpu: 0 };
        const oneRounds = await pairedRounds(() => migrateSkip(main1.dir), fromS3('one-sst', one));
        lines.push(
          ratioLine(
            `S3 +${latencyMs} ms/request vs local disk, skip_val. (${one.requests} requests)`,
            oneRounds,
            0.9,
            ` (server side ≤ ${f1(one.serverCpu)} CPU s on these cores)`,
          ),
          rssLine('peak RSS migrate from S3', Math.max(...oneRounds.map((r) => r.run.maxRssMB))),
        );
        if (shaped) {
          await upload(s3, shaped.dir, 'production');
          console.log('ours: migrate() skip_validation, production-shaped backup from slow S3, each after the same from local disk…');
          const prod = { requests: 0, serverCpu: 0 };
          const prodRounds = await pairedRounds(() => migrateSkip(shaped.dir), fromS3('production', prod));
          lines.push(
            ratioLine(
              `S3 +${latencyMs} ms vs local, production shape (${prod.requests} requests)`,
              prodRounds,
              0.9,
              ` (server side ≤ ${f1(prod.serverCpu)} CPU s on these cores)`,
            ),
            rssLine('peak RSS migrate from S3, production shape', Math.max(...prodRounds.map((r) => r.run.maxRssMB))),
          );
        }
      });

    for (let i = 1; i < scales.length; i++)
      await group(`scale ${scales[i]}`, async () => {
        const b = backups[i]!;
        const r = await measureScale(pgi, conn, b, scales[i]!, false, lines, 1);
        lines.push({
          figure: `peak RSS skip, scale ${scales[i]} vs scale ${scales[0]}`,
          value: `${f1(r.skip.maxRssMB)} MB`,
          target: 'flat',
          ratio: `${(r.skip.maxRssMB / first.skip.maxRssMB).toFixed(2)}×`,
          pass: r.skip.maxRssMB < 512 ? 'PASS' : 'FAIL',
        });
        // V8 sizes its heap by allocation rate, so peak RSS varies run to run; a hard heap cap shows
        // whether the live data really stays bounded as the backup grows.
        console.log(`ours: migrate() scale ${scales[i]} with --max-old-space-size=${HEAP_CAP_MB}…`);
        try {
          const capped = await runChild(['migrate', b.dir, JSON.stringify(conn), 'skip'], [`--max-old-space-size=${HEAP_CAP_MB}`]);
          lines.push({
            figure: `scale ${scales[i]}, heap capped ${HEAP_CAP_MB} MB`,
            value: `${f1(capped.wallSeconds)} s, RSS ${f1(capped.maxRssMB)} MB`,
            target: 'completes',
            ratio: '',
            pass: capped.rows === r.skip.rows ? 'PASS' : 'FAIL',
          });
        } catch (e) {
          lines.push({
            figure: `scale ${scales[i]}, heap capped ${HEAP_CAP_MB} MB`,
            value: (e instanceof Error ? e.message : String(e)).slice(0, 120),
            target: 'completes',
            ratio: '',
            pass: 'FAIL',
          });
        }
        await dropDatabases(pgi);
      });

    printTable(lines);
    const load1 = loadavg();
    console.log(
      `cores: ${cpus().length}; load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${load1.map((x) => x.toFixed(2)).join(' ')} (shared machine: compare ratios of one run)`,
    );
    console.log(
      `decode-only: ${dec.rows} rows in ${f1(dec.cpuSeconds)} CPU s (${f1(dec.wallSeconds)} s wall); render pass ${f1(Number(dec.extra!.renderCpu))} CPU s`,
    );
    console.log(
      `migrate CPU of the node process (excl. PostgreSQL): skip ${f1(first.skip.cpuSeconds)} s (${((first.skip.cpuSeconds / first.skip.rows) * 1e6).toFixed(1)} µs/row), verified ${f1(first.verified.cpuSeconds)} s`,
    );
    console.log(`phases skip: ${JSON.stringify(first.skip.extra)}`);
    console.log(`phases verified: ${JSON.stringify(first.verified.extra)}`);
  } finally {
    await proxy?.close();
    await s3?.stop();
    await pgi.stop();
  }
}

if (process.argv[2] === '--child') await childMain();
else
  await main().catch((e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  });
process.exitCode = 0;
