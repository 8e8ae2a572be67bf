import { DecodeError } from '../util/errors.js';

/** Bit 64 of a v4+ key kind: "obsolete within this sstable" (`pebble: sstable/format.go`); not part of the kind. */
export const OBSOLETE_BIT = 0x40;

/**
 * Splits an internal key (user key ‖ 8-byte LE trailer `seqNum << 8 | kind`; docs/formats.md §6.4)
 * without copying: `userKey` is a view of `key`.
 */
export function splitInternalKey(key: Uint8Array, base = 0): { userKey: Uint8Array; seqNum: bigint; kind: number } {
  const n = key.length - 8;
  if (n < 0) throw new DecodeError('block', `internal key of ${key.length} bytes is shorter than its 8-byte trailer`, undefined, base);
  return { userKey: key.subarray(0, n), seqNum: trailerSeqNum(key, n), kind: key[n]! };
}

/** The 56-bit sequence number of the trailer starting at key[at]. */
export function trailerSeqNum(key: Uint8Array, at: number): bigint {
  const lo = (key[at + 1]! | (key[at + 2]! << 8) | (key[at + 3]! << 16)) >>> 0;
  const hi = (key[at + 4]! | (key[at + 5]! << 8) | (key[at + 6]! << 16)) + key[at + 7]! * 0x1000000;
  if (hi === 0) return lo < SMALL.length ? SMALL[lo]! : BigInt(lo);
  if (hi < 0x20000000) return BigInt(hi * 0x1000000 + lo);
  return (BigInt(hi) << 24n) | BigInt(lo);
}

const SMALL: bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));
