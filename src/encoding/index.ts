/** Public surface of `encoding/`: CockroachDB key and value encodings → exact Datums. */
export type { Datum, DatumKind } from './datum.js';
export {
  KeyMarker,
  decodeUvarintAscending,
  decodeUvarintDescending,
  decodeVarintAscending,
  decodeVarintDescending,
  decodeUvarintAscendingNum,
  encodeUvarintAscending,
  encodeUvarintDescending,
  encodeVarintAscending,
  encodeVarintDescending,
  decodeBytesKey,
  decodeEscapedBytes,
  encodeBytesKey,
  decodeFloatKey,
  encodeFloatKey,
} from './ordered.js';
export { decodeDecimalKey, decodeNonsortingDecimal, decimalText } from './decimal.js';
export { decodeKeyDatum, skipKeyDatum, type KeyDirection } from './key-decode.js';
export { ValueEncodingType, decodeValueTag, skipValue, type ValueTag } from './value-tag.js';
export {
  decodeTupleMember,
  decodeUntagged,
  decodeArrayBody,
  decodeTupleBody,
} from './value-decode.js';
export {
  RoachValueType,
  decodeRoachValue,
  decodeLegacyValue,
  computeValueChecksum,
  verifyValueChecksum,
  roachValueTypeName,
  type RoachValue,
} from './roach-value.js';
export { decodeJsonbText } from './jsonb.js';
export { decodeTSVectorText, decodeTSQueryText } from './tsearch.js';
export { prettyKey } from './pretty-key.js';
export { decodeIndexKeyPrefix, decodeFamilySuffix, type IndexKeyPrefix, type FamilySuffix } from './row-key.js';
