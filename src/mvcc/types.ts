/** MVCC contracts shared by `mvcc/`, `store/`, `backup/` and `rows/` (docs/formats.md §4.7, §5.1, §5.9). */
import type { SplitCandidates } from './split-points.js';

/** HLC timestamp: wall time in nanoseconds since the Unix epoch, plus a logical counter. */
export interface Timestamp {
  readonly wallTime: bigint;
  readonly logical: number;
}

export const ZERO_TIMESTAMP: Timestamp = Object.freeze({ wallTime: 0n, logical: 0 });

/**
 * The newest live version of one roach key at a read timestamp: what row decoding consumes.
 * `value` is the `roachpb.Value` bytes (checksum ‖ tag ‖ payload) with any MVCCValueHeader removed.
 * Tombstones never appear here. `key` and `timestamp` may be accessors made on first read (as in
 * newest-versions): copy a KV field by field, never with an object spread.
 */
export interface MVCCKeyValue {
  readonly key: Uint8Array;
  readonly timestamp: Timestamp;
  readonly value: Uint8Array;
  /**
   * Optional, set together with `keyLength`: the roach key as `keyBytes[0, keyLength)`, for a
   * source that has those bytes inside a larger buffer (newest-versions: the engine key) and makes
   * `key` only when it is read. Row decoding reads these, sparing a view per KV.
   */
  readonly keyBytes?: Uint8Array;
  readonly keyLength?: number;
}

/** A source of MVCC key-values for a key span, in ascending roach-key order. */
export interface MVCCSource {
  /** Newest live version of each key in [start, end) at or below `readAt` (default: newest). */
  scan(start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<MVCCKeyValue>;
  /**
   * The same key-values as `scan`, in the same order, in arrays (typically one per SST block):
   * one promise per batch instead of per KV. Arrays are never empty and may be kept by the consumer.
   * Optional: `scanBatchesOf` falls back to batching `scan`.
   */
  scanBatches?(start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<readonly MVCCKeyValue[]>;
  /**
   * Candidate keys that cut [start, end) into parts of about `bytesPerPart` data bytes each, and
   * the span's approximate bytes, from metadata only (SST index blocks, file sizes; no data block
   * is read). Deterministic: the same source gives the same keys every time, so a resumed run
   * recomputes the same parts. Keys need not exist (see `SplitCandidates`). Optional: sources
   * without it are read as one part.
   */
  splitCandidates?(start: Uint8Array, end: Uint8Array, bytesPerPart: number): Promise<SplitCandidates>;
  /**
   * A hint that [start, end) will be scanned soon, maybe in another thread: a source whose storage
   * can fetch ahead asks it for the scan's first bytes. Optional; no effect on what scans return.
   */
  warm?(start: Uint8Array, end: Uint8Array): void;
}

/** `src.scanBatches` when the source has it, else `scan` grouped into arrays. */
export function scanBatchesOf(
  src: MVCCSource,
  start: Uint8Array,
  end: Uint8Array,
  readAt?: Timestamp,
): AsyncIterable<readonly MVCCKeyValue[]> {
  if (src.scanBatches) return src.scanBatches(start, end, readAt);
  return batchesOf(src.scan(start, end, readAt));
}

/** Groups an async stream into arrays of up to `size` items (never empty). */
export async function* batchesOf<T>(items: AsyncIterable<T>, size = 256): AsyncGenerator<T[]> {
  let out: T[] = [];
  for await (const x of items) {
    out.push(x);
    if (out.length >= size) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** Flattens batches back into a stream of items. */
export async function* flattenBatches<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const b of batches) for (const x of b) yield x;
}
