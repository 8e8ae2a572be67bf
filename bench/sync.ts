/**
 * What a small change costs to `sync` (issue 16): `npm run bench:sync`.
 *
 * The production-shaped benchmark backup (bench/make-large-backup.ts: MovR rows replicated to
 * ≈ 1.1 M at scale 1, a full backup plus three incrementals; layer 2 deletes 1 % of the replica
 * rows, layer 3 re-inserts half of those and updates another 2 %) on one temporary PostgreSQL:
 *  (a) a full migration at the newest layer (verified), timed: what a re-migration would cost;
 *  (b) a migration at layer 1 (untimed), then `sync` to layer 2 and to layer 3, each timed;
 *      verified by a new read of the source (sync_verify full, the default), verified from the
 *      recorded fingerprint carried forward by the changes (sync_verify changes), and with
 *      skip_validation.
 * Printed per sync: rows inserted / updated / deleted, seconds, the ratio to (a), and how far the
 * V8 heap grew during the sync (sampled; bounded by the staging batch, not by the change). The default
 * verifies every table in full against the source (as the migration does), so its cost has a
 * floor of one verification pass whatever the change; the apply part is the skip_validation one.
 *
 *   npm run bench:sync                  # scale 1
 *   BENCH_SCALE=0.1 npm run bench:sync  # ≈ 140 k rows, a minute
 *   BENCH_SYNC_LOG=1 npm run bench:sync # with each sync's log lines, timed
 */
import { join } from 'node:path';
import { readBackup } from '../src/backup/read-backup.js';
import { resolveConfig } from '../src/config/load-config.js';
import type { Timestamp } from '../src/mvcc/types.js';
import { startTempPostgres, type TempPostgres } from '../src/pg-instance/index.js';
import { migrate } from '../src/pipeline/migrate.js';
import { sync } from '../src/pipeline/sync.js';
import type { MigrationReport } from '../src/report/model.js';
import { backupOptions } from '../src/source/backup.js';
import { silentLogger, type Logger } from '../src/util/logger.js';
import { BENCH_DIR, makeLargeBackup } from './make-large-backup.js';

/** `BENCH_SYNC_LOG=1`: each sync's log lines with the seconds since the sync began (where its time goes). */
let syncStart = 0;
const stamp = (m: string): void => console.log(`  +${((performance.now() - syncStart) / 1000).toFixed(1)} s ${m}`);
const syncLogger: Logger = process.env['BENCH_SYNC_LOG']
  ? { error: stamp, warn: stamp, info: stamp, debug() {}, interactive: false }
  : silentLogger;

const hlc = (t: Timestamp): string => `${t.wallTime}.${String(t.logical).padStart(10, '0')}`;

function configFor(dir: string, pgi?: TempPostgres, asOf?: Timestamp) {
  return resolveConfig({
    file: {
      source: { type: 'backup', url: dir },
      ...(asOf ? { as_of: hlc(asOf) } : {}),
      test_postgresql_import: false,
      log_file: '',
      report_dir: join(BENCH_DIR, 'report-sync'),
      if_exists: 'drop',
      ...(pgi ? { postgres_host: pgi.host, postgres_port: pgi.port, postgres_username: pgi.user, postgres_password: pgi.password } : {}),
    },
    env: {},
  }).config;
}

/**
 * The most the V8 heap grew above its size at the start while `run` ran (sampled every 20 ms): a
 * sync's memory should follow its staging batch, not the size of the change.
 */
async function heapGrowthDuring<T>(run: () => Promise<T>): Promise<{ result: T; heapGrowthMB: number }> {
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  try {
    const result = await run();
    return { result, heapGrowthMB: (Math.max(peak, process.memoryUsage().heapUsed) - base) / 2 ** 20 };
  } finally {
    clearInterval(sample);
  }
}

async function timed(
  what: string,
  run: () => Promise<MigrationReport>,
  skippedVerification = false,
): Promise<{ seconds: number; report: MigrationReport; heapGrowthMB: number }> {
  const t0 = performance.now();
  const { result: report, heapGrowthMB } = await heapGrowthDuring(run);
  const seconds = (performance.now() - t0) / 1000;
  // Without verification, or verified from the changes only, the verdict says so (a warning);
  // anything else is a failed run.
  if (report.verdict !== 'success' && !(skippedVerification && report.verdict === 'success-with-warnings'))
    throw new Error(`${what}: verdict ${report.verdict}${report.error ? `: ${report.error}` : ''}`);
  return { seconds, report, heapGrowthMB };
}

const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const b = await makeLargeBackup(scale, BENCH_DIR, 'production');
console.log(`backup ${b.dir}: ${b.totalRows} rows, ${b.files} SSTs, ${b.layers} layers`);
const opened = await readBackup(b.dir, backupOptions(configFor(b.dir)));
const ends = opened.allLayers.map((l) => l.manifest.endTime);
await opened.close();
if (ends.length < 4) throw new Error(`expected a full backup and three incrementals, found ${ends.length} layers`);

const pgi = await startTempPostgres();
try {
  const full = await timed('full migration', () => migrate({ config: configFor(b.dir, pgi, ends[3]!), logger: silentLogger }));
  // Rows the full migration loaded (the builder's counts are estimates at fractional scales).
  const rows = full.report.tables.reduce((n, t) => n + t.rowsLoaded, 0);
  console.log(`full migration at layer 3 (verified): ${rows} rows in ${full.seconds.toFixed(1)} s`);
  // Verified by a new read of the source (sync_verify full, the default), verified by carrying the
  // recorded fingerprint forward (sync_verify changes), then skip_validation: the differences are
  // what each verification costs; the rest is reading the layers and applying the change.
  for (const mode of ['verified (full)', 'verified (changes)', 'skip_validation'] as const) {
    const skip = mode === 'skip_validation';
    const verifyBy = mode === 'verified (changes)' ? 'changes' : 'full';
    await timed('migration at layer 1', () => migrate({ config: configFor(b.dir, pgi, ends[1]!), logger: silentLogger }));
    for (const layer of [2, 3]) {
      syncStart = performance.now();
      const s = await timed(
        `sync to layer ${layer}`,
        () => sync({ ...configFor(b.dir, pgi, ends[layer]!), skip_validation: skip, sync_verify: verifyBy }, syncLogger),
        skip || verifyBy === 'changes', // both end with a warning saying what was not verified
      );
      const c = { inserted: 0, updated: 0, deleted: 0 };
      for (const t of s.report.tables) for (const k of ['inserted', 'updated', 'deleted'] as const) c[k] += t.sync?.[k] ?? 0;
      const changed = c.inserted + c.updated + c.deleted;
      console.log(
        `sync to layer ${layer} (${mode}): ${c.inserted} inserted, ${c.updated} updated, ${c.deleted} deleted (${((100 * changed) / rows).toFixed(2)} % of rows) ` +
          `in ${s.seconds.toFixed(1)} s = ${(s.seconds / full.seconds).toFixed(3)} × the full migration; heap grew at most ${s.heapGrowthMB.toFixed(0)} MB`,
      );
    }
  }
} finally {
  await pgi.stop();
}
