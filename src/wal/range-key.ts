import { ByteReader } from '../util/byte-reader.js';
import { InternalKeyKind, type RangeKeySpan } from '../sst/types.js';

/**
 * Decodes the value of a range-key internal entry into spans (pebble `internal/rangekey/rangekey.go`):
 *   RANGEKEYSET:   varstring(end) ‖ { varstring(suffix) ‖ varstring(value) }*
 *   RANGEKEYUNSET: varstring(end) ‖ { varstring(suffix) }*
 *   RANGEKEYDEL:   end (raw, no length prefix)
 * One span is returned per suffix (one for RANGEKEYDEL). `base` is the value's file offset, for errors.
 */
export function decodeRangeKeyValue(
  start: Uint8Array,
  seqNum: bigint,
  kind: InternalKeyKind.RangeKeySet | InternalKeyKind.RangeKeyUnset | InternalKeyKind.RangeKeyDelete,
  value: Uint8Array,
  base = 0,
): RangeKeySpan[] {
  const empty = value.subarray(0, 0);
  if (kind === InternalKeyKind.RangeKeyDelete) {
    return [{ start, end: value, seqNum, kind, suffix: empty, value: empty }];
  }
  const r = new ByteReader(value, 'wal', base);
  const end = r.bytesN(r.uvarint(), 'range key end');
  const out: RangeKeySpan[] = [];
  while (!r.done) {
    const suffix = r.bytesN(r.uvarint(), 'range key suffix');
    const v = kind === InternalKeyKind.RangeKeySet ? r.bytesN(r.uvarint(), 'range key value') : empty;
    out.push({ start, end, seqNum, kind, suffix, value: v });
  }
  return out;
}
