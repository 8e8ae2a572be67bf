import { MinHeap } from './min-heap.js';

/** One sorted input of `mergeSortedBatches`: arrays of entries in `compare` order. */
export interface RankedBatches<T> {
  /** Breaks ties between entries that compare equal: the lower rank comes first. */
  readonly rank: number;
  /** Empty arrays are skipped. */
  readonly batches: AsyncIterable<readonly T[]>;
}

export interface MergeOptions {
  /** Keep only the first (lowest-rank) of entries that compare equal. */
  readonly firstOfEqual?: boolean;
  /** Largest array yielded when several sources are interleaved (default 1024). */
  readonly batchSize?: number;
}

/**
 * Streaming k-way merge of sorted batch streams (the Pebble store's levels and memtables, a backup
 * chain's file runs): entries in `compare` order, ties by rank; one await per input batch, memory one
 * pending batch per source. Arrays out are never empty; when only one source has entries its
 * arrays are passed through unchanged (a source is assumed to hold no entries that compare equal).
 * Every input is closed when the merge ends or its consumer stops early.
 */
export async function* mergeSortedBatches<T>(
  sources: readonly RankedBatches<T>[],
  compare: (a: T, b: T) => number,
  opts: MergeOptions = {},
): AsyncGenerator<readonly T[]> {
  interface Cursor {
    batch: readonly T[];
    i: number;
    readonly rank: number;
    readonly it: AsyncIterator<readonly T[]>;
  }
  const less = (a: Cursor, b: Cursor): boolean => {
    const c = compare(a.batch[a.i]!, b.batch[b.i]!);
    return c !== 0 ? c < 0 : a.rank < b.rank;
  };
  const heap = new MinHeap<Cursor>(less);
  const nextBatch = async (it: AsyncIterator<readonly T[]>): Promise<readonly T[] | undefined> => {
    for (;;) {
      const n = await it.next();
      if (n.done) return undefined;
      if (n.value.length > 0) return n.value;
    }
  };
  const batchSize = opts.batchSize ?? 1024;
  const opened: AsyncIterator<readonly T[]>[] = [];
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
    let out: T[] = [];
    let last: T | undefined;
    // The batch last found to interleave with another source: while it stays on top the others'
    // heads do not move, so asking again would give the same answer.
    let interleaved: readonly T[] | undefined;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const second = heap.peekSecond();
      const tail = top.batch[top.batch.length - 1]!;
      if (second === undefined || (top.batch !== interleaved && compare(tail, second.batch[second.i]!) < 0)) {
        // The rest of this batch comes before every other source's next entry (the usual case for
        // a sparse later layer over a dense one): out in one piece, one comparison per batch
        // instead of a heap step per entry.
        let from = top.i;
        if (opts.firstOfEqual && last !== undefined && compare(last, top.batch[from]!) === 0) from++;
        if (from < top.batch.length) {
          if (out.length > 0) {
            yield out;
            out = [];
          }
          yield from === 0 ? top.batch : top.batch.slice(from);
          last = tail;
        }
      } else {
        interleaved = top.batch;
        // The entries before the other sources' smallest head go out without a heap step; only the
        // first of them can equal what went out last (a source holds no equal entries).
        const limit = second!.batch[second!.i]!;
        const x = top.batch[top.i]!;
        if (!opts.firstOfEqual || last === undefined || compare(last, x) !== 0) out.push(x);
        let i = top.i + 1;
        for (; i < top.batch.length && compare(top.batch[i]!, limit) < 0; i++) out.push(top.batch[i]!);
        last = top.batch[i - 1];
        top.i = i;
        if (i < top.batch.length) {
          heap.topChanged();
          continue;
        }
      }
      if (out.length >= batchSize) {
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
