/**
 * A later history for the real recipes-v2.1.0 store, for `sync` tests: the store's own MVCC
 * history, then (after the full backup's end) layers with an update, a deletion, the same key
 * inserted again and a new row. Every value is one the store wrote (another row's bytes).
 */
import pg from 'pg';
import type { ExtractedKV, StoreExtract } from '../../src/backup/testing/store-extract.js';
import type { Timestamp } from '../../src/mvcc/types.js';
import { compareEngineKeys } from '../../src/sst/comparer.js';
import type { withTempPostgres } from './pg.js';

export const hlc = (t: Timestamp): string => `${t.wallTime}.${String(t.logical).padStart(10, '0')}`;
/** `s` seconds after `t` (layers a second apart: their folder names differ). */
export const at = (t: Timestamp, s: bigint): Timestamp => ({ wallTime: t.wallTime + s * 1_000_000_000n, logical: 0 });

/** The engine key of `roachKey` at `t` (a whole-second wall time, no logical part). */
export function engineKey(roachKey: Uint8Array, t: Timestamp): Uint8Array {
  const k = new Uint8Array(roachKey.length + 10);
  k.set(roachKey);
  new DataView(k.buffer).setBigUint64(roachKey.length + 1, t.wallTime, false);
  k[k.length - 1] = 9;
  return k;
}

/** The row key of recipe `id` (ids < 110 are one byte, 0x88 + id), from another row's key. */
export function rowKeyOf(like: Uint8Array, id: number): Uint8Array {
  const k = Uint8Array.from(like);
  k[k.length - 2] = 0x88 + id;
  return k;
}

/**
 * The store's history, then (after the full backup's end) layer 1: recipe 20 updated, 21 deleted;
 * layer 2: 21 inserted again (other values), 30 new; layer 3: 20 deleted.
 */
export function withLaterHistory(ex: StoreExtract): { ex: StoreExtract; ends: Timestamp[] } {
  const last = ex.timestamps[ex.timestamps.length - 1]!;
  const ends = [at(last, 1n), at(last, 3n), at(last, 5n), at(last, 7n)];
  const t = ex.tables.find((x) => x.kvs.some((kv) => kv.value.length > 0 && kv.roachKey[kv.roachKey.length - 2] === 0x88 + 20))!;
  const newest = (id: number): ExtractedKV =>
    t.kvs.find((kv) => kv.roachKey[kv.roachKey.length - 2] === 0x88 + id && kv.roachKey.length === t.kvs[0]!.roachKey.length)!;
  const k20 = newest(20).roachKey;
  const put = (id: number, value: Uint8Array, ts: Timestamp): ExtractedKV => ({
    key: engineKey(rowKeyOf(k20, id), ts),
    roachKey: rowKeyOf(k20, id),
    timestamp: ts,
    value,
  });
  const added = [
    put(20, newest(22).value, at(last, 2n)),
    put(21, new Uint8Array(0), at(last, 2n)),
    put(21, newest(20).value, at(last, 4n)),
    put(30, newest(21).value, at(last, 4n)),
    put(20, new Uint8Array(0), at(last, 6n)),
  ];
  const kvs = [...t.kvs, ...added].sort((a, b) => compareEngineKeys(a.key, b.key));
  const tables = ex.tables.map((x) => (x === t ? { ...x, kvs } : x));
  const timestamps = [...ex.timestamps, ...added.map((a) => a.timestamp)].sort((a, b) =>
    a.wallTime < b.wallTime ? -1 : a.wallTime > b.wallTime ? 1 : 0,
  );
  return { ex: { ...ex, tables, timestamps }, ends };
}

/**
 * What a recipes target holds, as one comparable string: the rows in key order, the sequence
 * position and (with `indexes`) the table's indexes. How the sync tests compare a synced target
 * with a fresh migration.
 */
export async function recipesSnapshot(
  server: Awaited<ReturnType<typeof withTempPostgres>>,
  opts: { indexes?: boolean } = {},
): Promise<string> {
  const c = new pg.Client(server.clientConfig('recipes'));
  await c.connect();
  try {
    const rows = await c.query(`SELECT * FROM recipes ORDER BY id`);
    const seq = await c.query(`SELECT last_value, is_called FROM customer_seq`);
    if (!opts.indexes) return JSON.stringify({ rows: rows.rows, seq: seq.rows });
    const indexes = await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'recipes' ORDER BY 1`);
    return JSON.stringify({ rows: rows.rows, seq: seq.rows, indexes: indexes.rows });
  } finally {
    await c.end();
  }
}
