import { compareBytes } from '../util/bytes.js';

/** Orders user keys the way the table's comparator does. */
export type UserKeyCompare = (a: Uint8Array, b: Uint8Array) => number;

/**
 * CockroachDB's `cockroach_comparator` over engine keys (`pebble: cockroachkvs/cockroachkvs.go`
 * `Compare`; docs/formats.md §4.7). The last byte L is the suffix length (version + that byte);
 * the prefix (roach key ‖ 0x00 sentinel) compares bytewise, an empty suffix sorts first, and
 * versions sort newest first after normalisation (a 13-byte version drops its synthetic byte, a
 * 12-byte version with logical 0 compares as its 8-byte wall time).
 */
export function compareEngineKeys(a: Uint8Array, b: Uint8Array): number {
  if (a.length === 0 || b.length === 0) return a.length - b.length;
  const aSuffixLen = a[a.length - 1]!;
  const bSuffixLen = b[b.length - 1]!;
  const aStart = a.length - aSuffixLen;
  const bStart = b.length - bSuffixLen;
  if (aStart < 0 || bStart < 0) return compareBytes(a, b);
  const c = compareRange(a, 0, aStart, b, 0, bStart);
  if (c !== 0) return c;
  if (aSuffixLen === 0 || bSuffixLen === 0) return aSuffixLen - bSuffixLen;
  // Version bytes exclude the trailing length byte; newest (largest) first, so b before a.
  return compareRange(b, bStart, bStart + normalizedVersionLen(b, bStart), a, aStart, aStart + normalizedVersionLen(a, aStart));
}

function normalizedVersionLen(k: Uint8Array, start: number): number {
  let n = k.length - 1 - start;
  if (n === 13) n = 12;
  if (n === 12 && k[start + 8] === 0 && k[start + 9] === 0 && k[start + 10] === 0 && k[start + 11] === 0) n = 8;
  return n;
}

function compareRange(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/** The comparer for a table's `rocksdb.comparator` property: CockroachDB's, else bytewise. */
export function comparerFor(name: string | undefined): { name: string; compare: UserKeyCompare } {
  if (name === 'cockroach_comparator') return { name, compare: compareEngineKeys };
  return { name: name ?? 'leveldb.BytewiseComparator', compare: compareBytes };
}
