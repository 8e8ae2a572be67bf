import { mergeSortedBatches, type RankedBatches } from '../util/merge-batches.js';
import { InternalKeyKind, type InternalKV } from '../sst/types.js';
import type { UserKeyCompare } from '../sst/comparer.js';

/** Counters the resolver fills while it runs. */
export interface ResolveStats {
  entries: number;
  visible: number;
  deleted: number;
  rangeDeleted: number;
  /** Older entries of a key whose newest entry decided it. */
  shadowed: number;
  /** Keys whose newest entry is a MERGE operand (surfaced as-is, not combined). */
  mergeOperands: number;
}

export function newResolveStats(): ResolveStats {
  return { entries: 0, visible: 0, deleted: 0, rangeDeleted: 0, shadowed: 0, mergeOperands: 0 };
}

/**
 * Applies Pebble/RocksDB precedence to a merged stream: per user key only the newest entry counts;
 * DEL/SINGLEDEL hide the key; a RANGEDEL with a higher sequence number covering the key hides it.
 * A MERGE on top is yielded unchanged (kind Merge, its own operand as value): CockroachDB uses
 * merges only for time series and legacy inline values, which the MVCC layer skips.
 *
 * @param rangeDelSeqAt returns the highest RANGEDEL sequence number covering a user key (or -1n);
 *                      it is called with ascending keys.
 */
export async function* resolveVisible(
  merged: AsyncIterable<InternalKV>,
  cmp: UserKeyCompare,
  rangeDelSeqAt: (userKey: Uint8Array) => bigint,
  stats: ResolveStats = newResolveStats(),
): AsyncGenerator<InternalKV> {
  const r = new VisibleResolver(cmp, rangeDelSeqAt, stats);
  for await (const kv of merged) if (r.visible(kv)) yield kv;
}

/** `resolveVisible` over batches: one array (never empty) per input batch that kept an entry. */
export async function* resolveVisibleBatches(
  merged: AsyncIterable<readonly InternalKV[]>,
  cmp: UserKeyCompare,
  rangeDelSeqAt: (userKey: Uint8Array) => bigint,
  stats: ResolveStats = newResolveStats(),
): AsyncGenerator<InternalKV[]> {
  const r = new VisibleResolver(cmp, rangeDelSeqAt, stats);
  for await (const batch of merged) {
    const out: InternalKV[] = [];
    for (let i = 0; i < batch.length; i++) if (r.visible(batch[i]!)) out.push(batch[i]!);
    if (out.length > 0) yield out;
  }
}

/** The synchronous core of `resolveVisible`: feed entries in internal-key order. */
class VisibleResolver {
  private last: Uint8Array | undefined;
  constructor(
    private readonly cmp: UserKeyCompare,
    private readonly rangeDelSeqAt: (userKey: Uint8Array) => bigint,
    private readonly stats: ResolveStats,
  ) {}

  /** True when `kv` is the visible entry of its user key. */
  visible(kv: InternalKV): boolean {
    const stats = this.stats;
    stats.entries++;
    if (this.last !== undefined && this.cmp(kv.userKey, this.last) === 0) {
      stats.shadowed++;
      return false;
    }
    this.last = kv.userKey;
    if (this.rangeDelSeqAt(kv.userKey) > kv.seqNum) {
      stats.rangeDeleted++;
      return false;
    }
    switch (kv.kind) {
      case InternalKeyKind.Set:
      case InternalKeyKind.SetWithDelete:
        stats.visible++;
        return true;
      case InternalKeyKind.Merge:
        stats.mergeOperands++;
        stats.visible++;
        return true;
      default:
        stats.deleted++;
        return false;
    }
  }
}

/** One level, file run or memtable of the store, ranked 0 = newest. */
export type RankedBatchSource = RankedBatches<InternalKV>;

/**
 * Merges internal-key-ordered batch streams (pebble `mergingIter`), by `mergeSortedBatches`. Order:
 * user key ascending, then sequence number descending, then source rank ascending (rank 0 = newest
 * source; breaks ties between equal sequence numbers, e.g. seqnum-0 tables from bottommost
 * compactions).
 */
export function mergeSourceBatches(sources: readonly RankedBatchSource[], cmp: UserKeyCompare): AsyncGenerator<readonly InternalKV[]> {
  return mergeSortedBatches(sources, (a, b) => cmp(a.userKey, b.userKey) || (a.seqNum === b.seqNum ? 0 : a.seqNum > b.seqNum ? -1 : 1));
}
