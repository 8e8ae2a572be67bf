/**
 * Builds a large backup collection (manifest-gzip generation: LATEST + BACKUP_MANIFEST + data SSTs)
 * from the REAL CockroachDB v19.2.4 MovR store (/work/shared/fixtures/crdb-stores/movr-v19.2.4):
 * descriptors and values are CockroachDB's own bytes. Rows are replicated by rewriting only the
 * last primary-key column of each row key (UUID → a fresh UUID, TIMESTAMP → shifted by whole
 * 400-day steps, STRING → "<code>~<replica>"), re-encoded with the column's own key encoding.
 * Because the key changed, the roachpb.Value checksum (first 4 value bytes) is set to 0 ("not set",
 * which CockroachDB accepts); the rest of each value is exactly as CockroachDB wrote it.
 *
 * Originals keep every index (newest version); replicas are primary-index only (the migration reads
 * only the primary index). Foreign keys still hold: replicas only reference original rows.
 *
 *   node --import tsx bench/make-large-backup.ts [scale=1] [one-sst|production] [outDir]
 *
 * Cached: rebuilt only when `<dir>/BENCH_DONE` is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFor, writeGeneration } from '../src/backup/testing/build-collection.js';
import {
  exportWindow,
  extractStore,
  type ExtractedKV,
  type ExtractedTable,
  type StoreExtract,
} from '../src/backup/testing/store-extract.js';
import { decodeBytesKey, decodeVarintAscending, encodeBytesKey, encodeVarintAscending, KeyMarker } from '../src/encoding/ordered.js';
import { skipKeyDatum } from '../src/encoding/key-decode.js';
import { ByteReader } from '../src/util/byte-reader.js';
import { concatBytes } from '../src/util/bytes.js';
import { ZERO_TIMESTAMP, type Timestamp } from '../src/mvcc/types.js';
import { compareEngineKeys } from '../src/sst/comparer.js';

export const MOVR_STORE = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/movr-v19.2.4/', import.meta.url));
export const BENCH_DIR = join(tmpdir(), 'cockroach-migrate-bench');

type Rewrite = 'uuid' | 'timestamp' | 'string';
interface TablePlan {
  /** Primary-key columns before the rewritten (last) one. */
  readonly skip: number;
  readonly rewrite: Rewrite;
  /** Replicas per original row at scale 1. */
  readonly replicas: number;
}

/** MovR schema (SOURCE.md of the store): PK columns and what the last one is. */
const PLANS: Record<string, TablePlan> = {
  users: { skip: 1, rewrite: 'uuid', replicas: 100 }, // PK (city, id UUID)
  vehicles: { skip: 1, rewrite: 'uuid', replicas: 300 }, // PK (city, id UUID)
  rides: { skip: 1, rewrite: 'uuid', replicas: 200 }, // PK (city, id UUID)
  vehicle_location_histories: { skip: 2, rewrite: 'timestamp', replicas: 18 }, // PK (city, ride_id, "timestamp")
  promo_codes: { skip: 0, rewrite: 'string', replicas: 50 }, // PK code STRING
};

const DAY_SECONDS = 86_400n;

/** xorshift128+ (deterministic fresh UUIDs without per-row crypto calls). */
function uuidGen(seed: number): () => Uint8Array {
  let s0 = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  let s1 = 0xbf58476d1ce4e5b9n ^ BigInt(seed);
  const M = (1n << 64n) - 1n;
  const next = (): bigint => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = (x ^ (x << 23n)) & M;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (s1 + y) & M;
  };
  return () => {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, next());
    dv.setBigUint64(8, next());
    b[6] = (b[6]! & 0x0f) | 0x40; // version 4
    b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
    return b;
  };
}

const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** Row key → (prefix up to the rewritten column, the column's bytes, family suffix). */
function splitKey(roachKey: Uint8Array, tablePrefixLen: number, plan: TablePlan): { head: Uint8Array; col: Uint8Array; tail: Uint8Array } {
  const r = new ByteReader(roachKey, 'key', 0, tablePrefixLen + 1); // table ID, index ID 1 (0x89)
  for (let i = 0; i < plan.skip; i++) skipKeyDatum(r);
  const colStart = r.pos;
  skipKeyDatum(r);
  return { head: roachKey.subarray(0, colStart), col: roachKey.subarray(colStart, r.pos), tail: roachKey.subarray(r.pos) };
}

function rewriteColumn(col: Uint8Array, plan: TablePlan, replica: number, uuid: () => Uint8Array): Uint8Array {
  switch (plan.rewrite) {
    case 'uuid':
      return encodeBytesKey(uuid());
    case 'string': {
      const v = decodeBytesKey(new ByteReader(col, 'key'), false);
      return encodeBytesKey(cat(v, new TextEncoder().encode(`~${replica}`)));
    }
    case 'timestamp': {
      if (col[0] !== KeyMarker.time) throw new Error(`expected a time key marker, got ${col[0]}`);
      const r = new ByteReader(col, 'key', 0, 1);
      const secs = decodeVarintAscending(r);
      const nanos = decodeVarintAscending(r);
      return cat(
        Uint8Array.of(KeyMarker.time),
        encodeVarintAscending(secs + BigInt(replica) * 400n * DAY_SECONDS),
        encodeVarintAscending(nanos),
      );
    }
  }
}

/** The extract with replicated rows (newest version per key only); `replicas` holds each table's new KVs. */
export function replicate(
  ex: StoreExtract,
  scale: number,
): { extract: StoreExtract; rows: Map<string, number>; replicas: Map<number, ExtractedKV[]> } {
  const names = new Map<number, string>();
  for (const d of ex.descriptors) if (d.head.kind === 'table') names.set(d.id, d.head.name);
  const rows = new Map<string, number>();
  const replicas = new Map<number, ExtractedKV[]>();
  const tables: ExtractedTable[] = ex.tables.map((t) => {
    const name = names.get(t.id) ?? String(t.id);
    const latest = exportWindow(t.kvs, ZERO_TIMESTAMP, { wallTime: (1n << 63n) - 1n, logical: 0 }, false);
    const plen = t.start.length;
    const primary = latest.filter((k) => k.roachKey[plen] === 0x89);
    const plan = PLANS[name];
    if (!plan) {
      rows.set(name, primary.length);
      return { ...t, kvs: latest };
    }
    const uuid = uuidGen(t.id);
    const out: ExtractedKV[] = [...latest];
    const n = plan.replicas * scale;
    // Rows of one original key share the rewritten column across its families (MovR has one family).
    for (let rep = 1; rep <= n; rep++) {
      let lastHead: Uint8Array | undefined;
      let lastCol: Uint8Array | undefined;
      let newCol: Uint8Array | undefined;
      for (const kv of primary) {
        const { head, col, tail } = splitKey(kv.roachKey, plen, plan);
        if (!(lastHead && lastCol && Buffer.compare(head, lastHead) === 0 && Buffer.compare(col, lastCol) === 0)) {
          newCol = rewriteColumn(col, plan, rep, uuid);
          lastHead = head;
          lastCol = col;
        }
        const roachKey = cat(head, newCol!, tail);
        const value = Uint8Array.from(kv.value);
        if (value.length >= 4) value.fill(0, 0, 4); // checksum: 0 = not set (the key changed)
        out.push({ roachKey, key: cat(roachKey, kv.key.subarray(kv.roachKey.length)), timestamp: kv.timestamp, value });
      }
    }
    const familyZero = primary.filter((k) => k.roachKey[k.roachKey.length - 1] === 0x88).length;
    rows.set(name, familyZero * (n + 1));
    replicas.set(t.id, out.slice(latest.length));
    return { ...t, kvs: out };
  });
  return { extract: { ...ex, tables }, rows, replicas };
}

/** Engine key of `roachKey` at wall time `wall` (`roachKey ‖ 0x00 ‖ wall BE64 ‖ 9`; docs/formats.md §4.7). */
function versionedKey(roachKey: Uint8Array, wall: bigint): Uint8Array {
  const k = new Uint8Array(roachKey.length + 10);
  k.set(roachKey);
  new DataView(k.buffer).setBigUint64(roachKey.length + 1, wall, false);
  k[k.length - 1] = 9;
  return k;
}

/** Seconds between the full backup's end and each incremental's changes. */
const LAYER_STEP_NS = 10_000_000_000n;

/**
 * Production shape (issue 14): the replicated rows as a full backup plus three incrementals, each
 * a real MVCC change of replica rows (never originals, so foreign keys keep holding):
 *  - layer 1 updates 2 % of them (i % 50 = 1),
 *  - layer 2 deletes 1 % (i % 100 = 2, MVCC tombstones),
 *  - layer 3 re-inserts half of those (i % 200 = 2) and updates another 2 % (i % 50 = 3).
 * An update takes the value of the previous replica in key-generation order when both rows share
 * their first primary-key column (MovR's city: rides' CHECK and the foreign keys stay valid), so
 * the row's content really changes. Tables whose primary index has several column families are
 * left unchanged (a tombstone of one family KV is not a row deletion).
 */
export function shapeLikeProduction(
  ex: StoreExtract,
  rows: Map<string, number>,
  replicas: ReadonlyMap<number, ExtractedKV[]>,
): {
  extract: StoreExtract;
  rows: Map<string, number>;
  ends: Timestamp[];
  changes: { updated: number; deleted: number; reinserted: number };
} {
  const last = ex.timestamps[ex.timestamps.length - 1]!;
  const at = [1n, 2n, 3n].map((k) => last.wallTime + k * LAYER_STEP_NS);
  const names = new Map<number, string>();
  for (const d of ex.descriptors) if (d.head.kind === 'table') names.set(d.id, d.head.name);
  const out = new Map(rows);
  const changes = { updated: 0, deleted: 0, reinserted: 0 };
  const tables = ex.tables.map((t) => {
    const reps = replicas.get(t.id);
    const name = names.get(t.id) ?? String(t.id);
    if (!reps || reps.length === 0 || !reps.every((k) => k.roachKey[k.roachKey.length - 1] === 0x88)) return t;
    const plen = t.start.length;
    const firstCol = (k: Uint8Array): Uint8Array => {
      const r = new ByteReader(k, 'key', 0, plen + 1);
      skipKeyDatum(r);
      return k.subarray(plen + 1, r.pos);
    };
    const added: ExtractedKV[] = [];
    const put = (kv: ExtractedKV, wall: bigint, value: Uint8Array): void => {
      added.push({ roachKey: kv.roachKey, key: versionedKey(kv.roachKey, wall), timestamp: { wallTime: wall, logical: 0 }, value });
    };
    const updated = (i: number): Uint8Array => {
      const donor = reps[i - 1];
      const sameCity = PLANS[name]?.skip === 0 || (donor && Buffer.compare(firstCol(donor.roachKey), firstCol(reps[i]!.roachKey)) === 0);
      return donor && sameCity ? donor.value : reps[i]!.value;
    };
    let gone = 0;
    reps.forEach((kv, i) => {
      if (i % 50 === 1) put(kv, at[0]!, updated(i));
      if (i % 100 === 2) put(kv, at[1]!, new Uint8Array(0));
      if (i % 200 === 2) put(kv, at[2]!, kv.value);
      if (i % 50 === 3) put(kv, at[2]!, updated(i));
      if (i % 50 === 1 || i % 50 === 3) changes.updated++;
      if (i % 100 === 2) changes.deleted++;
      if (i % 200 === 2) changes.reinserted++;
      if (i % 100 === 2 && i % 200 !== 2) gone++;
    });
    out.set(name, (out.get(name) ?? 0) - gone);
    // Store order (roach key ascending, newest version first), as exportWindow expects.
    const kvs = [...t.kvs, ...added].sort((a, b) => compareEngineKeys(a.key, b.key));
    return { ...t, kvs };
  });
  const ends = [last.wallTime + 1000n, ...at.map((w) => w + 1000n)].map((wallTime) => ({ wallTime, logical: 0 }));
  return {
    extract: { ...ex, tables, timestamps: [...ex.timestamps, ...at.map((wallTime) => ({ wallTime, logical: 0 }))] },
    rows: out,
    ends,
    changes,
  };
}

export interface LargeBackup {
  readonly dir: string;
  readonly rows: Record<string, number>;
  readonly totalRows: number;
  readonly built: boolean;
  /** Data files over all layers, and layers (1 = the full backup only). */
  readonly files: number;
  readonly layers: number;
}

/**
 * `one-sst`: one full backup, one SST per table. `production`: the same rows cut into SSTs of
 * `PRODUCTION_FILE_KVS` KVs (≈ 1,100 files at scale 1, ≈ 25 KB each) plus three incremental
 * layers with updates and deletes (`shapeLikeProduction`).
 */
export type BackupShape = 'one-sst' | 'production';
export const PRODUCTION_FILE_KVS = Number(process.env.BENCH_FILE_KVS ?? 1000);

/** Returns the cached backup for `scale` and `shape`, building it when missing. */
export async function makeLargeBackup(scale = 1, base = BENCH_DIR, shape: BackupShape = 'one-sst'): Promise<LargeBackup> {
  const dir = join(base, shape === 'one-sst' ? `movr-x${scale}` : `movr-x${scale}-production-${PRODUCTION_FILE_KVS}`);
  const done = join(dir, 'BENCH_DONE');
  const d = existsSync(done)
    ? (JSON.parse(readFileSync(done, 'utf8')) as { rows?: Record<string, number>; files: number; layers: number })
    : undefined;
  // A marker without `rows` is from before files and layers were recorded: rebuilt.
  if (d?.rows)
    return {
      dir,
      rows: d.rows,
      totalRows: Object.values(d.rows).reduce((a, b) => a + b, 0),
      built: false,
      files: d.files,
      layers: d.layers,
    };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ex = await extractStore(MOVR_STORE, 'movr-v19.2.4');
  const replicated = replicate(ex, scale);
  let written: string[];
  let rows = replicated.rows;
  let layers = 1;
  if (shape === 'one-sst') {
    written = await writeGeneration(dir, replicated.extract, 'manifest-gzip', planFor(replicated.extract, 0));
  } else {
    const shaped = shapeLikeProduction(replicated.extract, replicated.rows, replicated.replicas);
    rows = shaped.rows;
    layers = shaped.ends.length;
    written = await writeGeneration(dir, shaped.extract, 'manifest-gzip', { ends: shaped.ends }, { fileKvs: PRODUCTION_FILE_KVS });
    console.log(`production shape: ${JSON.stringify(shaped.changes)} replica rows changed over 3 incrementals`);
  }
  const obj = Object.fromEntries(rows);
  const files = written.filter((p) => p.endsWith('.sst')).length;
  await writeFile(done, JSON.stringify({ rows: obj, files, layers }, null, 1));
  return { dir, rows: obj, totalRows: Object.values(obj).reduce((a, b) => a + b, 0), built: true, files, layers };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const scale = Number(process.argv[2] ?? 1);
  const shape = (process.argv[3] ?? 'one-sst') as BackupShape;
  const t0 = performance.now();
  const b = await makeLargeBackup(scale, process.argv[4] ?? BENCH_DIR, shape);
  console.log(
    `${b.built ? 'built' : 'cached'} ${b.dir}: ${b.totalRows} rows in ${b.files} SSTs, ${b.layers} layer(s) ${JSON.stringify(b.rows)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
