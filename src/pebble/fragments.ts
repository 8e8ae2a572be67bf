import { InternalKeyKind, type RangeDeletion, type RangeKeySpan } from '../sst/types.js';
import type { UserKeyCompare } from '../sst/comparer.js';
import { bytesEqual } from '../util/bytes.js';

/**
 * Span fragmentation (pebble `internal/keyspan` Fragmenter): overlapping [start, end) spans are cut
 * at every boundary so each fragment has one set of covering spans. Used for RANGEDEL coverage
 * and for resolving range keys (RANGEKEYSET/UNSET/DEL) across tables and WALs.
 */
export interface Fragment<T> {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly spans: T[];
}

export function fragment<T extends { start: Uint8Array; end: Uint8Array }>(spans: readonly T[], cmp: UserKeyCompare): Fragment<T>[] {
  if (spans.length === 0) return [];
  const bounds: Uint8Array[] = [];
  for (const s of spans) bounds.push(s.start, s.end);
  bounds.sort(cmp);
  const uniq: Uint8Array[] = [];
  for (const b of bounds) if (uniq.length === 0 || cmp(uniq[uniq.length - 1]!, b) !== 0) uniq.push(b);
  const frags: Fragment<T>[] = [];
  for (let i = 0; i + 1 < uniq.length; i++) frags.push({ start: uniq[i]!, end: uniq[i + 1]!, spans: [] });
  const find = (k: Uint8Array): number => {
    let lo = 0;
    let hi = uniq.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(uniq[mid]!, k) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const s of spans) {
    if (cmp(s.start, s.end) >= 0) continue;
    for (let i = find(s.start); i < frags.length && cmp(frags[i]!.start, s.end) < 0; i++) frags[i]!.spans.push(s);
  }
  return frags.filter((f) => f.spans.length > 0);
}

/**
 * Returns a function giving the highest RANGEDEL sequence number covering a key (-1n if none).
 * Efficient for ascending keys (a moving cursor); correct for any order.
 */
export function rangeDelCoverage(dels: readonly RangeDeletion[], cmp: UserKeyCompare): (key: Uint8Array) => bigint {
  const frags = fragment(dels, cmp).map((f) => ({
    start: f.start,
    end: f.end,
    seq: f.spans.reduce((m, s) => (s.seqNum > m ? s.seqNum : m), -1n),
  }));
  if (frags.length === 0) return () => -1n;
  let i = 0;
  return (key) => {
    if (i > 0 && cmp(key, frags[i - 1]!.end) < 0) i = 0; // went backwards: restart
    while (i < frags.length && cmp(frags[i]!.end, key) <= 0) i++;
    const f = frags[i];
    return f !== undefined && cmp(f.start, key) <= 0 ? f.seq : -1n;
  };
}

/** A range key that is set (not unset or deleted by a newer entry) over [start, end). */
export interface LiveRangeKey {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly suffix: Uint8Array;
  readonly value: Uint8Array;
  readonly seqNum: bigint;
}

/**
 * Resolves range keys by sequence number within each fragment: the newest entry per suffix wins,
 * RANGEKEYDEL removes everything older. Adjacent fragments are returned separately.
 */
export function resolveRangeKeys(spans: readonly RangeKeySpan[], cmp: UserKeyCompare): LiveRangeKey[] {
  const out: LiveRangeKey[] = [];
  for (const f of fragment(spans, cmp)) {
    const sorted = [...f.spans].sort((a, b) => (a.seqNum > b.seqNum ? -1 : a.seqNum < b.seqNum ? 1 : 0));
    const seen: Uint8Array[] = [];
    for (const s of sorted) {
      if (s.kind === InternalKeyKind.RangeKeyDelete) break;
      if (seen.some((x) => bytesEqual(x, s.suffix))) continue;
      seen.push(s.suffix);
      if (s.kind === InternalKeyKind.RangeKeySet) {
        out.push({ start: f.start, end: f.end, suffix: s.suffix, value: s.value, seqNum: s.seqNum });
      }
    }
  }
  return out;
}
