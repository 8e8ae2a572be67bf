/** MVCC contracts shared by `mvcc/`, `store/`, `backup/` and `rows/` (crdb-formats.md §4.7, §5.1, §5.9). */

/** HLC timestamp: wall time in nanoseconds since the Unix epoch, plus a logical counter. */
export interface Timestamp {
  readonly wallTime: bigint;
  readonly logical: number;
}

export const ZERO_TIMESTAMP: Timestamp = Object.freeze({ wallTime: 0n, logical: 0 });

/**
 * The newest live version of one roach key at a read timestamp: what row decoding consumes.
 * `value` is the `roachpb.Value` bytes (checksum ‖ tag ‖ payload) with any MVCCValueHeader removed.
 * Tombstones never appear here.
 */
export interface MVCCKeyValue {
  readonly key: Uint8Array;
  readonly timestamp: Timestamp;
  readonly value: Uint8Array;
}

/** A source of MVCC key-values for a key span, in ascending roach-key order. */
export interface MVCCSource {
  /** Newest live version of each key in [start, end) at or below `readAt` (default: newest). */
  scan(start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<MVCCKeyValue>;
}
