/**
 * Pulls real descriptor bytes and row KVs (every MVCC version, exactly as CockroachDB wrote them)
 * out of a fixture store, for wrapping into backup collections. Nothing is re-encoded: descriptor
 * bytes are the BYTES payload of `system.descriptor` values, row KVs are the store's engine KVs.
 * @internal
 */
import { openStoreDir } from '../../pebble/open-store.js';
import { storeSource } from '../../pebble/store-mvcc.js';
import { compareTimestamps, decodeEngineKey, encodeEngineKeyPrefix } from '../../mvcc/engine-key.js';
import type { Timestamp } from '../../mvcc/types.js';
import { decodeDescriptorHead, type DescriptorHead } from '../descriptor-id.js';
import { decodeUvarintAscending, encodeUvarintAscending } from '../../encoding/ordered.js';
import { ByteReader } from '../../util/byte-reader.js';

export interface ExtractedKV {
  /** Engine key (roachKey ‖ 0x00 ‖ version ‖ len) as stored. */
  readonly key: Uint8Array;
  readonly roachKey: Uint8Array;
  readonly timestamp: Timestamp;
  /** Stored value bytes (empty = tombstone). */
  readonly value: Uint8Array;
}

export interface ExtractedTable {
  readonly id: number;
  readonly head: DescriptorHead;
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly kvs: readonly ExtractedKV[];
}

export interface StoreExtract {
  readonly store: string;
  readonly descriptors: ReadonlyArray<{ id: number; bytes: Uint8Array; head: DescriptorHead }>;
  readonly tables: readonly ExtractedTable[];
  /** Sorted distinct version timestamps of all table KVs. */
  readonly timestamps: readonly Timestamp[];
}

/** First user descriptor ID in the versions our stores come from (keys.MinUserDescID = 50). */
const MIN_USER_ID = 50;

export const tableSpan = (id: number): { start: Uint8Array; end: Uint8Array } => ({
  start: encodeUvarintAscending(id),
  end: encodeUvarintAscending(id + 1),
});

/** Reads descriptors (newest, non-dropped, user IDs) and all versions of their tables' KVs. */
export async function extractStore(dir: string, name: string): Promise<StoreExtract> {
  const store = await openStoreDir(dir);
  try {
    const src = await storeSource(store);
    const descTable = tableSpan(3);
    const descriptors: Array<{ id: number; bytes: Uint8Array; head: DescriptorHead }> = [];
    for await (const kv of src.scan(descTable.start, descTable.end)) {
      // /Table/3/1/<id>/<family>: value is a roachpb.Value with tag BYTES (3) holding the proto.
      if (kv.key[1] !== 0x89 || kv.value[4] !== 3) continue;
      const id = Number(decodeUvarintAscending(new ByteReader(kv.key, 'key', 0, 2)));
      if (id < MIN_USER_ID) continue;
      const bytes = Uint8Array.from(kv.value.subarray(5));
      const head = decodeDescriptorHead(bytes);
      if (head.id !== id) throw new Error(`descriptor key ${id} holds descriptor ${head.id}`);
      if (head.kind === 'table' && head.state === 2) continue;
      descriptors.push({ id, bytes, head });
    }
    const tables: ExtractedTable[] = [];
    const all: Timestamp[] = [];
    for (const d of descriptors) {
      if (d.head.kind !== 'table' || d.head.isView) continue;
      const { start, end } = tableSpan(d.id);
      const kvs: ExtractedKV[] = [];
      for await (const kv of store.entries({ start: encodeEngineKeyPrefix(start), end: encodeEngineKeyPrefix(end) })) {
        const ek = decodeEngineKey(kv.userKey);
        if (ek.version.kind !== 'mvcc') continue; // intents/inline metadata are never exported
        kvs.push({
          key: Uint8Array.from(kv.userKey),
          roachKey: Uint8Array.from(ek.key),
          timestamp: ek.version.timestamp,
          value: Uint8Array.from(kv.value),
        });
        all.push(ek.version.timestamp);
      }
      tables.push({ id: d.id, head: d.head, start, end, kvs });
    }
    all.sort(compareTimestamps);
    const timestamps = all.filter((t, i) => i === 0 || compareTimestamps(t, all[i - 1]!) !== 0);
    return { store: name, descriptors, tables, timestamps };
  } finally {
    await store.close();
  }
}

/**
 * What `MVCCExportToSST` would put in a layer covering (start, end] (docs/formats.md §5.9): newest
 * version per key in the window (tombstones kept only for incrementals), or every version when
 * `revisions` is set.
 */
export function exportWindow(kvs: readonly ExtractedKV[], start: Timestamp, end: Timestamp, revisions: boolean): ExtractedKV[] {
  const full = start.wallTime === 0n && start.logical === 0;
  const inWindow = kvs.filter((k) => compareTimestamps(k.timestamp, start) > 0 && compareTimestamps(k.timestamp, end) <= 0);
  if (revisions) return inWindow;
  const out: ExtractedKV[] = [];
  let lastKey: string | undefined;
  // Store order is roach key asc, newest version first: the first in-window version per key wins.
  for (const k of inWindow) {
    const id = Buffer.from(k.roachKey).toString('hex');
    if (id === lastKey) continue;
    lastKey = id;
    if (full && k.value.length === 0) continue;
    out.push(k);
  }
  return out;
}
