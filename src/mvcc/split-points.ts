import { compareBytes } from '../util/bytes.js';
import { decodeEngineKey } from './engine-key.js';

/**
 * Candidate split keys for dividing a key span into parts of about equal data size, so that a
 * large table can be read (and loaded) as several parts in parallel. Pure: sources gather the
 * weighted keys cheaply (SST index entries, backup file sizes), this picks the cut points.
 */

/** A piece of data that ends at `key`: e.g. one SST data block and its index separator. */
export interface WeightedKey {
  /** Roach key ≥ every key of the piece (not necessarily a key that exists). */
  readonly key: Uint8Array;
  /** Approximate bytes of the piece (on-disk size). */
  readonly bytes: number;
}

/** What `MVCCSource.splitCandidates` returns. */
export interface SplitCandidates {
  /**
   * Roach keys strictly inside (start, end), strictly ascending, cutting the span into
   * `keys.length + 1` parts of roughly equal bytes. Keys may be shortened index separators that
   * are not real keys: callers align them to rows.
   */
  readonly keys: Uint8Array[];
  /** Approximate bytes of data in the span (what the keys were spread over). */
  readonly bytes: number;
}

/**
 * Picks up to n − 1 keys (n = round(total / bytesPerPart), at least 1) at the byte quantiles
 * total·i/n of the weighted keys, in key order. Deterministic: the same input multiset gives the
 * same keys whatever its order. Keys outside (start, end) still count their bytes (a block that
 * straddles the span end) but are never picked.
 */
export function pickSplitKeys(points: readonly WeightedKey[], start: Uint8Array, end: Uint8Array, bytesPerPart: number): SplitCandidates {
  if (!(bytesPerPart > 0)) throw new RangeError(`bytesPerPart must be positive, got ${bytesPerPart}`);
  const sorted = [...points].sort((a, b) => compareBytes(a.key, b.key) || a.bytes - b.bytes);
  let total = 0;
  for (const p of sorted) total += p.bytes;
  const n = Math.max(1, Math.round(total / bytesPerPart));
  const keys: Uint8Array[] = [];
  if (n === 1) return { keys, bytes: total };
  let cum = 0;
  let i = 1;
  for (const p of sorted) {
    cum += p.bytes;
    if (i >= n) break;
    if (cum < (total * i) / n) continue;
    while (i < n && cum >= (total * i) / n) i++;
    if (compareBytes(p.key, start) <= 0 || compareBytes(p.key, end) >= 0) continue;
    const last = keys[keys.length - 1];
    if (last === undefined || compareBytes(last, p.key) < 0) keys.push(p.key);
  }
  return { keys, bytes: total };
}

/**
 * The roach key of an SST index separator. Pebble's and CockroachDB's separators are engine keys
 * (a shortened roach key gets the bare 0x00 sentinel); one that does not parse as an engine key
 * is taken as raw bytes — good enough for a split candidate, and deterministic.
 */
export function roachKeyOfSeparator(separator: Uint8Array): Uint8Array {
  try {
    return decodeEngineKey(separator).key;
  } catch {
    return separator;
  }
}
