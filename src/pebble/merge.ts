import { MinHeap } from '../util/min-heap.js';
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
  const heap = new MinHeap<HeapItem>(less);
  const opened: AsyncIterator<InternalKV>[] = [];
  try {
    for (const s of sources) {
      const it = s.iter[Symbol.asyncIterator]();
      opened.push(it);
      const n = await it.next();
      if (!n.done) heap.push({ kv: n.value, rank: s.rank, it });
    }
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      yield top.kv;
      const n = await top.it.next();
      if (n.done) {
        heap.pop();
      } else {
        top.kv = n.value;
        heap.topChanged();
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

export interface RankedBatchSource {
  readonly rank: number;
  /** Arrays of entries in internal-key order (empty arrays are skipped). */
  readonly batches: AsyncIterable<readonly InternalKV[]>;
}

/** Largest array `mergeSourceBatches` yields when it interleaves several sources. */
const MERGE_BATCH = 1024;

/**
 * `mergeSources` over batch streams: same order, one await per input batch. When only one source
 * has entries its batches are passed through unchanged.
 */
export async function* mergeSourceBatches(sources: readonly RankedBatchSource[], cmp: UserKeyCompare): AsyncGenerator<readonly InternalKV[]> {
  interface Cursor {
    batch: readonly InternalKV[];
    i: number;
    readonly rank: number;
    readonly it: AsyncIterator<readonly InternalKV[]>;
  }
  const less = (a: Cursor, b: Cursor): boolean => {
    const ka = a.batch[a.i]!;
    const kb = b.batch[b.i]!;
    const c = cmp(ka.userKey, kb.userKey);
    if (c !== 0) return c < 0;
    if (ka.seqNum !== kb.seqNum) return ka.seqNum > kb.seqNum;
    return a.rank < b.rank;
  };
  const heap = new MinHeap<Cursor>(less);
  const nextBatch = async (it: AsyncIterator<readonly InternalKV[]>): Promise<readonly InternalKV[] | undefined> => {
    for (;;) {
      const n = await it.next();
      if (n.done) return undefined;
      if (n.value.length > 0) return n.value;
    }
  };
  const opened: AsyncIterator<readonly InternalKV[]>[] = [];
  try {
    for (const s of sources) {
      const it = s.batches[Symbol.asyncIterator]();
      opened.push(it);
      const b = await nextBatch(it);
      if (b !== undefined) heap.push({ batch: b, i: 0, rank: s.rank, it });
    }
    if (heap.size === 1) {
      const only = heap.peek()!;
      yield only.batch;
      for (let b = await nextBatch(only.it); b !== undefined; b = await nextBatch(only.it)) yield b;
      return;
    }
    let out: InternalKV[] = [];
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      out.push(top.batch[top.i]!);
      if (++top.i < top.batch.length) {
        heap.topChanged();
        continue;
      }
      if (out.length >= MERGE_BATCH) {
        yield out;
        out = [];
      }
      const b = await nextBatch(top.it);
      if (b === undefined) {
        heap.pop();
      } else {
        top.batch = b;
        top.i = 0;
        heap.topChanged();
      }
    }
    if (out.length > 0) yield out;
  } finally {
    for (const it of opened) await it.return?.();
  }
}
