import { decodeEngineKey, decodeMVCCTimestampSuffix, encodeEngineKeyPrefix } from '../mvcc/engine-key.js';
import { decodeLockTableKey, decodeMVCCMetadata, LOCK_TABLE_SINGLE_PREFIX } from '../mvcc/mvcc-metadata.js';
import {
  newestVersionBatches,
  newNewestVersionsStats,
  type MVCCRangeTombstone,
  type NewestVersionsStats,
} from '../mvcc/newest-versions.js';
import { pickSplitKeys, roachKeyOfSeparator, type SplitCandidates } from '../mvcc/split-points.js';
import { flattenBatches, type MVCCKeyValue, type MVCCSource, type Timestamp } from '../mvcc/types.js';
import { toHex } from '../util/bytes.js';
import { openStoreDir, type Store } from './open-store.js';

/** An MVCCSource over an opened store directory (docs/formats.md §7.2). */
export interface StoreSource extends MVCCSource {
  readonly store: Store;
  /** MVCC range tombstones derived from the store's live range keys. */
  readonly rangeTombstones: readonly MVCCRangeTombstone[];
  /** Separated intents found in the lock table (provisional values skipped by scans). */
  readonly intentCount: number;
  /** Totals over all scans. */
  readonly stats: NewestVersionsStats;
  scanBatches(start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<readonly MVCCKeyValue[]>;
  splitCandidates(start: Uint8Array, end: Uint8Array, bytesPerPart: number): Promise<SplitCandidates>;
  close(): Promise<void>;
}

/** Opens a store directory as an MVCCSource (newest live version ≤ readAt per roach key). */
export async function openStoreSource(dir: string): Promise<StoreSource> {
  const store = await openStoreDir(dir);
  try {
    return await storeSource(store);
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Wraps an already opened store. */
export async function storeSource(store: Store): Promise<StoreSource> {
  const rangeTombstones: MVCCRangeTombstone[] = [];
  for (const rk of store.rangeKeys) {
    const ts = decodeMVCCTimestampSuffix(rk.suffix);
    if (ts === undefined) continue;
    rangeTombstones.push({ start: decodeEngineKey(rk.start).key, end: decodeEngineKey(rk.end).key, timestamp: ts });
  }
  // Separated intents: lock-table entries "\x01zk" ‖ bytes(key) with an MVCCMetadata holding txn.
  const intents = new Map<string, Timestamp[]>();
  let intentCount = 0;
  const lockEnd = Uint8Array.of(0x01, 0x7a, 0x6c);
  for await (const kv of store.entries({ start: encodeEngineKeyPrefix(LOCK_TABLE_SINGLE_PREFIX), end: encodeEngineKeyPrefix(lockEnd) })) {
    const ek = decodeEngineKey(kv.userKey);
    if (ek.version.kind !== 'lock') continue;
    const meta = decodeMVCCMetadata(kv.value);
    if (!meta.hasTxn) continue;
    const k = toHex(decodeLockTableKey(ek.key));
    const list = intents.get(k) ?? [];
    list.push(meta.timestamp);
    intents.set(k, list);
    intentCount++;
  }
  const stats = newNewestVersionsStats();
  const isIntent =
    intents.size === 0
      ? undefined
      : (key: Uint8Array, ts: Timestamp): boolean =>
          intents.get(toHex(key))?.some((t) => t.wallTime === ts.wallTime && t.logical === ts.logical) ?? false;
  const scanBatches = (start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<readonly MVCCKeyValue[]> => {
    const batches = store.entryBatches({ start: encodeEngineKeyPrefix(start), end: encodeEngineKeyPrefix(end) });
    return newestVersionBatches(batches, {
      ...(readAt ? { readAt } : {}),
      rangeTombstones,
      ...(isIntent ? { isIntent } : {}),
      stats,
    });
  };
  return {
    store,
    rangeTombstones,
    intentCount,
    stats,
    scan: (start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<MVCCKeyValue> =>
      flattenBatches(scanBatches(start, end, readAt)),
    scanBatches,
    splitCandidates: async (start: Uint8Array, end: Uint8Array, bytesPerPart: number): Promise<SplitCandidates> => {
      const pieces = await store.dataPieces({ start: encodeEngineKeyPrefix(start), end: encodeEngineKeyPrefix(end) });
      return pickSplitKeys(
        pieces.map((p) => ({ key: roachKeyOfSeparator(p.key), bytes: p.bytes })),
        start,
        end,
        bytesPerPart,
      );
    },
    close: () => store.close(),
  };
}
