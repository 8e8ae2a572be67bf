/**
 * The change between two read times, from the layers written after the first (docs/formats.md
 * §4.7, §5.1, §5.9): for each roach key, the newest version at or below `readAt`; when that
 * version is newer than `since` the key changed in the window — a put (its value) or a deletion
 * (a point tombstone, or an MVCC range tombstone newer than the version). Keys whose newest
 * version is at or below `since` did not change. Incremental backups export exactly the keys
 * written in their span, tombstones included, so reading only the layers after `since` is enough.
 * Pure and streaming: one key's state at a time.
 */
import { compareBytes } from '../util/bytes.js';
import { compareTimestamps, decodeEngineKey } from './engine-key.js';
import { decodeMVCCValue } from './mvcc-value.js';
import type { EngineKV, MVCCRangeTombstone } from './newest-versions.js';
import type { Timestamp } from './types.js';

/** One changed roach key: its newest value in the window, or `undefined` when it was deleted. */
export interface ChangedKV {
  readonly key: Uint8Array;
  readonly timestamp: Timestamp;
  /** `roachpb.Value` bytes (header removed); undefined = deleted. */
  readonly value: Uint8Array | undefined;
}

export interface LayerDiffOptions {
  /** The read time the target reflects (exclusive lower bound of the window). */
  readonly since: Timestamp;
  /** The new read time (inclusive upper bound). */
  readonly readAt: Timestamp;
  /** Range tombstones of the window's layers, any order. */
  readonly rangeTombstones?: readonly MVCCRangeTombstone[];
}

const inWindow = (ts: Timestamp, o: LayerDiffOptions): boolean =>
  compareTimestamps(ts, o.since) > 0 && compareTimestamps(ts, o.readAt) <= 0;

/** Engine KVs in engine-key order → the changed keys, one array per input batch that had any. */
export async function* layerDiffBatches(batches: AsyncIterable<readonly EngineKV[]>, opts: LayerDiffOptions): AsyncGenerator<ChangedKV[]> {
  const tombs = (opts.rangeTombstones ?? []).filter((t) => inWindow(t.timestamp, opts));
  /** The newest range tombstone in the window covering `key` (there are few: a linear scan). */
  const coveringTomb = (key: Uint8Array): Timestamp | undefined => {
    let best: Timestamp | undefined;
    for (const t of tombs) {
      if (compareBytes(t.start, key) <= 0 && compareBytes(key, t.end) < 0 && (!best || compareTimestamps(t.timestamp, best) > 0))
        best = t.timestamp;
    }
    return best;
  };
  let cur: Uint8Array | undefined;
  let decided = false;
  for await (const batch of batches) {
    const out: ChangedKV[] = [];
    for (const kv of batch) {
      const ek = decodeEngineKey(kv.userKey);
      if (cur === undefined || compareBytes(cur, ek.key) !== 0) {
        cur = ek.key;
        decided = false;
      }
      // Unversioned (inline) and lock-table entries are not row versions; backups hold neither for SQL rows.
      if (decided || ek.version.kind !== 'mvcc') continue;
      const ts = ek.version.timestamp;
      if (compareTimestamps(ts, opts.readAt) > 0) continue;
      decided = true;
      const tomb = coveringTomb(cur);
      if (tomb && compareTimestamps(ts, tomb) < 0) {
        out.push({ key: cur, timestamp: tomb, value: undefined });
        continue;
      }
      if (compareTimestamps(ts, opts.since) <= 0) continue; // unchanged in the window
      const v = decodeMVCCValue(kv.value);
      out.push({ key: cur, timestamp: ts, value: v.isTombstone ? undefined : v.value });
    }
    if (out.length > 0) yield out;
  }
}

/** Window range tombstones overlapping [start, end): they may delete keys no window layer holds. */
export function rangeDeletionsIn(
  tombs: readonly MVCCRangeTombstone[],
  start: Uint8Array,
  end: Uint8Array,
  opts: LayerDiffOptions,
): MVCCRangeTombstone[] {
  return tombs.filter((t) => inWindow(t.timestamp, opts) && compareBytes(t.start, end) < 0 && compareBytes(start, t.end) < 0);
}
