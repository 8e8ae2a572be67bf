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
 *   node --import tsx bench/make-large-backup.ts [scale=1] [outDir]
 *
 * Cached: rebuilt only when `<dir>/BENCH_DONE` is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFor, writeGeneration } from '../src/backup/testing/build-collection.js';
import { exportWindow, extractStore, type ExtractedKV, type ExtractedTable, type StoreExtract } from '../src/backup/testing/store-extract.js';
import { decodeBytesKey, decodeVarintAscending, encodeBytesKey, encodeVarintAscending, KeyMarker } from '../src/encoding/ordered.js';
import { skipKeyDatum } from '../src/encoding/key-decode.js';
import { ByteReader } from '../src/util/byte-reader.js';
import { ZERO_TIMESTAMP } from '../src/mvcc/types.js';

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

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

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
      return cat(Uint8Array.of(KeyMarker.time), encodeVarintAscending(secs + BigInt(replica) * 400n * DAY_SECONDS), encodeVarintAscending(nanos));
    }
  }
}

/** The extract with replicated rows (newest version per key only). */
export function replicate(ex: StoreExtract, scale: number): { extract: StoreExtract; rows: Map<string, number> } {
  const names = new Map<number, string>();
  for (const d of ex.descriptors) if (d.head.kind === 'table') names.set(d.id, d.head.name);
  const rows = new Map<string, number>();
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
    return { ...t, kvs: out };
  });
  return { extract: { ...ex, tables }, rows };
}

export interface LargeBackup {
  readonly dir: string;
  readonly rows: Record<string, number>;
  readonly totalRows: number;
  readonly built: boolean;
}

/** Returns the cached backup for `scale`, building it when missing. */
export async function makeLargeBackup(scale = 1, base = BENCH_DIR): Promise<LargeBackup> {
  const dir = join(base, `movr-x${scale}`);
  const done = join(dir, 'BENCH_DONE');
  if (existsSync(done)) {
    const rows = JSON.parse(readFileSync(done, 'utf8')) as Record<string, number>;
    return { dir, rows, totalRows: Object.values(rows).reduce((a, b) => a + b, 0), built: false };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ex = await extractStore(MOVR_STORE, 'movr-v19.2.4');
  const { extract, rows } = replicate(ex, scale);
  await writeGeneration(dir, extract, 'manifest-gzip', planFor(extract, 0));
  const obj = Object.fromEntries(rows);
  await writeFile(done, JSON.stringify(obj, null, 1));
  return { dir, rows: obj, totalRows: Object.values(obj).reduce((a, b) => a + b, 0), built: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const scale = Number(process.argv[2] ?? 1);
  const t0 = performance.now();
  const b = await makeLargeBackup(scale, process.argv[3] ?? BENCH_DIR);
  console.log(`${b.built ? 'built' : 'cached'} ${b.dir}: ${b.totalRows} rows ${JSON.stringify(b.rows)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
