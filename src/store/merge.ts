import { InternalKeyKind, type InternalKV } from '../sst/types.js';
import type { UserKeyCompare } from '../sst/comparer.js';

/**
 * Streaming k-way merge of internal-key-ordered sources (pebble `mergingIter`). Order: user key
 * ascending, then sequence number descending, then source rank ascending (rank 0 = newest source;
 * breaks ties between equal sequence numbers, e.g. seqnum-0 tables from bottommost compactions).
 * Memory: one pending entry per source.
 */
export interface RankedSource {
  readonly rank: number;
  readonly iter: AsyncIterable<InternalKV>;
}

interface HeapItem {
  kv: InternalKV;
  rank: number;
  it: AsyncIterator<InternalKV>;
}

export async function* mergeSources(sources: readonly RankedSource[], cmp: UserKeyCompare): AsyncGenerator<InternalKV> {
  const less = (a: HeapItem, b: HeapItem): boolean => {
    const c = cmp(a.kv.userKey, b.kv.userKey);
    if (c !== 0) return c < 0;
    if (a.kv.seqNum !== b.kv.seqNum) return a.kv.seqNum > b.kv.seqNum;
    return a.rank < b.rank;
  };
  const heap: HeapItem[] = [];
  const push = (x: HeapItem): void => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const siftDown = (): void => {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  const opened: AsyncIterator<InternalKV>[] = [];
  try {
    for (const s of sources) {
      const it = s.iter[Symbol.asyncIterator]();
      opened.push(it);
      const n = await it.next();
      if (!n.done) push({ kv: n.value, rank: s.rank, it });
    }
    while (heap.length > 0) {
      const top = heap[0]!;
      yield top.kv;
      const n = await top.it.next();
      if (n.done) {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown();
        }
      } else {
        top.kv = n.value;
        siftDown();
      }
    }
  } finally {
    for (const it of opened) await it.return?.();
  }
}

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
  let last: Uint8Array | undefined;
  for await (const kv of merged) {
    stats.entries++;
    if (last !== undefined && cmp(kv.userKey, last) === 0) {
      stats.shadowed++;
      continue;
    }
    last = kv.userKey;
    if (rangeDelSeqAt(kv.userKey) > kv.seqNum) {
      stats.rangeDeleted++;
      continue;
    }
    switch (kv.kind) {
      case InternalKeyKind.Set:
      case InternalKeyKind.SetWithDelete:
        stats.visible++;
        yield kv;
        break;
      case InternalKeyKind.Merge:
        stats.mergeOperands++;
        stats.visible++;
        yield kv;
        break;
      default:
        stats.deleted++;
    }
  }
}
