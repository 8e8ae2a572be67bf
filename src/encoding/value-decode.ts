/**
 * Value-encoded datums: TUPLE members of column-family values, array elements and nested tuples
 * (docs/formats.md §5.3–5.7; `crdb: pkg/sql/rowenc/valueside/decode.go` `DecodeUntaggedDatum`,
 * `array.go`, `tuple.go`). The SQL type drives decoding, as in CockroachDB; the tag type is only
 * used for NULL and BOOL (whose value lives in the tag).
 *
 * BYTES/UUID/INET/GEO datums are views into the input buffer (no copy); copy them if the buffer
 * is reused.
 */
import type { SqlType } from '../model/sql-type.js';
import { ByteReader } from '../util/byte-reader.js';
import type { Datum } from './datum.js';
import { dateDatum, decodeVectorPayload, enumDatum, jsonDatum, stringDatum, tsqueryDatum, tsvectorDatum } from './datum-build.js';
import { decodeNonsortingDecimal } from './decimal.js';
import { decodeFloatKey, readFloat64BE } from './ordered.js';
import {
  decodeBitArrayValue,
  decodeIPAddr,
  decodeNonsortingUvarint,
  decodeSpatialObject,
  decodeZigzag,
  decodeZigzagNum,
} from './primitives.js';
import { ValueEncodingType as VT, decodeValueTag, skipValue } from './value-tag.js';

const MAX_DEPTH = 64;

/**
 * One TUPLE member after its tag has been read (`valueside.Decode` minus the tag): NULL tag ⇒
 * null; BOOL takes its value from the tag; everything else from the payload.
 */
export function decodeTupleMember(r: ByteReader, type: SqlType, tagType: number, mask = expectedTagMask(type)): Datum {
  if (tagType === VT.Null) return null;
  if (tagType >= 32 || ((mask >>> tagType) & 1) === 0) checkTagType(r, type, tagType);
  return decodeUntagged(r, type, tagType, 0);
}

/** Encoding type each SQL family is written with (`valueside.Encode`); absent ⇒ not checked. */
const EXPECTED_TAG: Partial<Record<SqlType['family'], readonly number[]>> = {
  bool: [VT.True, VT.False],
  int: [VT.Int],
  oid: [VT.Int],
  pglsn: [VT.Int],
  date: [VT.Int],
  time: [VT.Int],
  float: [VT.Float],
  decimal: [VT.Decimal],
  string: [VT.Bytes],
  collatedstring: [VT.Bytes],
  bytes: [VT.Bytes],
  enum: [VT.Bytes],
  timestamp: [VT.Time],
  timestamptz: [VT.Time],
  interval: [VT.Duration],
  uuid: [VT.UUID],
  array: [VT.Array],
  inet: [VT.IPAddr],
  json: [VT.JSON],
  tuple: [VT.Tuple],
  bit: [VT.BitArray],
  timetz: [VT.TimeTZ],
  geometry: [VT.Geo],
  geography: [VT.Geo],
  box2d: [VT.Box2D],
};

const KNOWN_TAGS = new Set<number>(Object.values(VT));
/** Same table as bit masks (all expected tags are < 32), for the per-member hot path. */
const EXPECTED_MASK = new Map<string, number>(
  Object.entries(EXPECTED_TAG).map(([f, tags]) => [f, tags!.reduce((m, t) => m | (1 << t), 0)]),
);

/**
 * The encoding types `type` is written with, as a bit mask (bit t = type t; 0 when the family is
 * not checked). Row decoders compute it once per column and pass it to `decodeTupleMember`,
 * sparing a lookup by family name per value.
 */
export function expectedTagMask(type: SqlType): number {
  return EXPECTED_MASK.get(type.family) ?? 0;
}

/**
 * Unknown encoding types are an error (naming the id); a known type that does not match the
 * column's family means the schema and the data disagree (wrong descriptor version?).
 */
function checkTagType(r: ByteReader, type: SqlType, tagType: number): void {
  const mask = EXPECTED_MASK.get(type.family);
  if (mask !== undefined && tagType < 32 && ((mask >>> tagType) & 1) === 1) return;
  const ok = EXPECTED_TAG[type.family];
  if (!KNOWN_TAGS.has(tagType) || tagType === VT.Unknown) r.fail(`unknown value encoding type ${tagType}`);
  if (ok) r.fail(`value encoding type ${tagType} does not match column type ${type.family} (expected ${ok.join('/')})`);
}

/** Payload of a datum whose tag (if any) is already consumed; `tagType` is needed for BOOL. */
export function decodeUntagged(r: ByteReader, type: SqlType, tagType: number, depth: number): Datum {
  const at = r.pos;
  switch (type.family) {
    case 'bool':
      if (tagType === VT.True) return { kind: 'bool', value: true };
      if (tagType === VT.False) return { kind: 'bool', value: false };
      return r.fail(`BOOL value has encoding type ${tagType}, expected True(10)/False(11)`, at);
    case 'int':
    case 'oid':
    case 'pglsn':
      return { kind: 'int', value: decodeZigzag(r) };
    case 'date':
      return dateDatum(decodeZigzag(r));
    case 'time':
      return { kind: 'time', micros: decodeZigzag(r) };
    case 'float':
      return { kind: 'float', value: readFloat64BE(r) };
    case 'decimal':
      return { kind: 'decimal', value: decodeNonsortingDecimal(r, r.uvarint()) };
    case 'string':
    case 'collatedstring':
    case 'refcursor':
    case 'jsonpath':
    case 'ltree':
      return stringDatum(lengthPrefixed(r));
    case 'bytes':
    case 'encodedkey':
      return { kind: 'bytes', value: lengthPrefixed(r) };
    case 'enum':
      return enumDatum(r, type, lengthPrefixed(r), at);
    case 'uuid':
      return { kind: 'uuid', value: r.bytesN(16, 'uuid') };
    case 'inet':
      return { kind: 'inet', ...decodeIPAddr(r) };
    case 'timestamp':
    case 'timestamptz': {
      const seconds = decodeZigzag(r);
      const nanos = decodeZigzagNum(r);
      return { kind: type.family, seconds, nanos };
    }
    case 'timetz': {
      const micros = decodeZigzag(r);
      const off = decodeZigzagNum(r);
      return { kind: 'timetz', micros, offsetSecs: -off };
    }
    case 'interval': {
      const months = decodeZigzag(r);
      const days = decodeZigzag(r);
      const nanos = decodeZigzag(r);
      return { kind: 'interval', months, days, nanos };
    }
    case 'json': {
      const b = lengthPrefixed(r);
      return jsonDatum(b, r.base + r.pos - b.length);
    }
    case 'array': {
      const len = decodeNonsortingUvarint(r);
      r.need(len, 'array value');
      const end = r.pos + len;
      const d = decodeArrayBody(r, type, depth + 1);
      if (r.pos !== end) r.fail('array value length does not match its contents', at);
      return d;
    }
    case 'tuple':
      return decodeTupleBody(r, type, depth + 1);
    case 'bit':
      return { kind: 'bit', bits: decodeBitArrayValue(r) };
    case 'geometry':
    case 'geography': {
      const so = decodeSpatialObject(r, decodeNonsortingUvarint(r));
      return { kind: 'geo', ewkb: so.ewkb, srid: so.srid, geography: type.family === 'geography' };
    }
    case 'box2d':
      return decodeBox2D(r);
    case 'tsvector': {
      const b = lengthPrefixed(r);
      return tsvectorDatum(b, r.base + r.pos - b.length);
    }
    case 'tsquery': {
      const b = lengthPrefixed(r);
      return tsqueryDatum(b, false, r.base + r.pos - b.length);
    }
    case 'pgvector': {
      const b = lengthPrefixed(r);
      return decodeVectorPayload(new ByteReader(b, 'value', r.base + r.pos - b.length));
    }
    case 'void':
      return null;
    default:
      return r.fail(`cannot decode a value of type family ${type.family}`, at);
  }
}

function lengthPrefixed(r: ByteReader): Uint8Array {
  return r.bytesN(decodeNonsortingUvarint(r), 'length-prefixed value');
}

/** Box2D value: four ascending key-encoded floats loX, hiX, loY, hiY (`DecodeUntaggedBox2DValue`). */
export function decodeBox2D(r: ByteReader): Datum {
  const loX = decodeFloatKey(r, false);
  const hiX = decodeFloatKey(r, false);
  const loY = decodeFloatKey(r, false);
  const hiY = decodeFloatKey(r, false);
  return { kind: 'box2d', loX, hiX, loY, hiY };
}

/**
 * Array body (`decodeArray`): header byte (low nibble = dimensions, 0x10 = has NULLs), element
 * encoding type as a value tag, nonsorting-uvarint count, NULL bitmap (LSB-first), then the
 * non-NULL elements untagged (BOOL elements are a True/False tag byte).
 */
export function decodeArrayBody(r: ByteReader, type: SqlType, depth = 1): Datum {
  const at = r.pos;
  if (depth > MAX_DEPTH) r.fail('array/tuple nesting too deep', at);
  const elemType = type.arrayContents;
  if (!elemType) return r.fail('array type has no element type', at);
  const header = r.u8();
  const dims = header & 0x0f;
  if (dims > 1) r.fail(`array has ${dims} dimensions; only 1 is supported`, at);
  const hasNulls = (header & 0x10) !== 0;
  const elemEnc = decodeValueTag(r).type;
  const n = decodeNonsortingUvarint(r);
  let bitmap: Uint8Array | undefined;
  if (hasNulls) bitmap = r.bytesN(Math.ceil(n / 8), 'array NULL bitmap');
  if (!hasNulls && n > r.remaining && elemType.family !== 'bool') r.fail(`array claims ${n} elements, more than its bytes`, at);
  const elements: Datum[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (bitmap && ((bitmap[i >> 3]! >> (i & 7)) & 1) === 1) {
      elements[i] = null;
      continue;
    }
    elements[i] = decodeArrayElement(r, elemType, elemEnc, depth);
  }
  return { kind: 'array', elemType, elements };
}

function decodeArrayElement(r: ByteReader, elemType: SqlType, elemEnc: number, depth: number): Datum {
  switch (elemType.family) {
    case 'bool':
      // Each BOOL element is written with EncodeBoolValue (a bare True/False tag byte).
      return decodeUntagged(r, elemType, decodeValueTag(r).type, depth);
    case 'tsquery': {
      // Array elements use the pgwire tsquery layout (`EncodeTSQueryPGBinary`).
      const b = lengthPrefixed(r);
      return tsqueryDatum(b, true, r.base + r.pos - b.length);
    }
    case 'tuple':
      return decodeTupleBody(r, elemType, depth + 1);
    case 'date':
      // 1.1 wrote DATE arrays with element type Time; the payload is the same zigzag int.
      void elemEnc;
      return decodeUntagged(r, elemType, VT.Int, depth);
    default:
      return decodeUntagged(r, elemType, elemEnc, depth);
  }
}

/** Tuple body (`decodeTuple`): nonsorting-uvarint count, then each element with a value tag (column delta 0). */
export function decodeTupleBody(r: ByteReader, type: SqlType, depth = 1): Datum {
  const at = r.pos;
  if (depth > MAX_DEPTH) r.fail('array/tuple nesting too deep', at);
  const contents = type.tupleContents ?? [];
  const n = decodeNonsortingUvarint(r);
  const elements: Datum[] = new Array(contents.length);
  for (let i = 0; i < n; i++) {
    const tag = decodeValueTag(r);
    const t = contents[i];
    if (!t) {
      skipValue(r, tag.type);
      continue;
    }
    elements[i] = tag.type === VT.Null ? null : decodeUntagged(r, t, tag.type, depth);
  }
  for (let i = n; i < contents.length; i++) elements[i] = null;
  return { kind: 'tuple', elements };
}
