import { ByteReader } from '../util/byte-reader.js';
import type { DecodeLayer } from '../util/errors.js';
import { InternalKeyKind, type RangeKeySpan } from './types.js';

/**
 * Range-key values (`pebble: internal/rangekey/rangekey.go` `Decode`, `DecodeEndKey`). The
 * internal key holds the start key; the value holds:
 *   RANGEKEYSET:   varstring end ‖ (varstring suffix ‖ varstring value)*
 *   RANGEKEYUNSET: varstring end ‖ (varstring suffix)*
 *   RANGEKEYDEL:   end key (all of the value, no length)
 * One internal key can carry several suffixes; each becomes one RangeKeySpan. SSTs (range-key
 * block) and WAL batches store these values alike; `base` and `layer` place errors in their file.
 */
export function decodeRangeKeyValue(
  start: Uint8Array,
  seqNum: bigint,
  kind: number,
  value: Uint8Array,
  base = 0,
  layer: DecodeLayer = 'block',
): RangeKeySpan[] {
  if (kind === InternalKeyKind.RangeKeyDelete) {
    return [{ start, end: value, seqNum, kind, suffix: EMPTY, value: EMPTY }];
  }
  if (kind !== InternalKeyKind.RangeKeySet && kind !== InternalKeyKind.RangeKeyUnset) {
    new ByteReader(value, layer, base).fail(`key kind ${kind} in the range-key block is not a range key kind`);
  }
  const r = new ByteReader(value, layer, base);
  const end = r.bytesN(r.uvarint(), 'range key end');
  const out: RangeKeySpan[] = [];
  while (!r.done) {
    const suffix = r.bytesN(r.uvarint(), 'range key suffix');
    const v = kind === InternalKeyKind.RangeKeySet ? r.bytesN(r.uvarint(), 'range key value') : EMPTY;
    out.push({ start, end, seqNum, kind, suffix, value: v });
  }
  return out;
}

const EMPTY = new Uint8Array(0);
