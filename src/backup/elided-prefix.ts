/**
 * Length of the prefix a key-prefix-eliding backup removed from data keys (docs/formats.md §1.8):
 * the tenant prefix (`0xFE` + ordered uvarint tenant ID) and, for TenantAndTable, the table ID.
 * The ordered encodings themselves are `encoding/ordered.ts`.
 */
import { decodeUvarintAscending } from '../encoding/ordered.js';
import { ByteReader } from '../util/byte-reader.js';

export function elidedPrefixLength(spanKey: Uint8Array, mode: number): number {
  if (mode === 0) return 0;
  const r = new ByteReader(spanKey, 'key');
  if (spanKey[0] === 0xfe) {
    r.pos = 1;
    decodeUvarintAscending(r);
  }
  if (mode === 1 || r.done) return r.pos;
  decodeUvarintAscending(r);
  return r.pos;
}
