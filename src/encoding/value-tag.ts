/**
 * Value tags and self-describing lengths of value-encoded datums (docs/formats.md §5.4;
 * `crdb: pkg/util/encoding/encoding.go` `EncodeValueTag`, `DecodeValueTag`,
 * `PeekValueLengthWithOffsetsAndType`).
 */
import type { ByteReader } from '../util/byte-reader.js';
import { decodeNonsortingUvarint } from './primitives.js';
import { readKeyFloatLength } from './primitives.js';

/** `encoding.Type` (value encoding types). 26+ are from newer releases (TSQuery/TSVector/PGVector/LTree, [M]). */
export const ValueEncodingType = {
  Unknown: 0,
  Null: 1,
  NotNull: 2,
  Int: 3,
  Float: 4,
  Decimal: 5,
  Bytes: 6,
  BytesDesc: 7,
  Time: 8,
  Duration: 9,
  True: 10,
  False: 11,
  UUID: 12,
  Array: 13,
  IPAddr: 14,
  /** Also the sentinel: a low nibble of 15 means "real type follows as a second uvarint". */
  JSON: 15,
  Tuple: 16,
  BitArray: 17,
  BitArrayDesc: 18,
  TimeTZ: 19,
  Geo: 20,
  GeoDesc: 21,
  ArrayKeyAsc: 22,
  ArrayKeyDesc: 23,
  Box2D: 24,
  Void: 25,
  TSQuery: 26,
  TSVector: 27,
  PGVector: 44,
  LTree: 45,
} as const;

const SENTINEL = 15;

export interface ValueTag {
  /** Column ID minus the previous column's ID in this tuple (0 inside arrays / nested tuples). */
  readonly colIdDelta: number;
  readonly type: number;
}

/** `DecodeValueTag`: nonsorting uvarint (colIDDelta << 4 | type), type 15 ⇒ second uvarint holds the type. */
export function decodeValueTag(r: ByteReader): ValueTag {
  const b = r.bytes;
  let tag: number;
  // Fast path: single-byte tag (column delta < 8, type < 15).
  if (r.pos < b.length && b[r.pos]! < 0x80) tag = b[r.pos++]!;
  else tag = decodeNonsortingUvarint(r);
  let type = tag & 0xf;
  const colIdDelta = Math.floor(tag / 16);
  if (type === SENTINEL) type = decodeNonsortingUvarint(r);
  return { colIdDelta, type };
}

/** Skips one value-encoded datum whose tag has already been read (`PeekValueLengthWithOffsetsAndType`). */
export function skipValue(r: ByteReader, type: number): void {
  const at = r.pos;
  switch (type) {
    case ValueEncodingType.Null:
    case ValueEncodingType.True:
    case ValueEncodingType.False:
    case ValueEncodingType.Void:
      return;
    case ValueEncodingType.Int:
      skipStdVarints(r, 1);
      return;
    case ValueEncodingType.Float:
      r.bytesN(8, 'float value');
      return;
    case ValueEncodingType.Bytes:
    case ValueEncodingType.Array:
    case ValueEncodingType.JSON:
    case ValueEncodingType.Geo:
    case ValueEncodingType.TSQuery:
    case ValueEncodingType.TSVector:
    case ValueEncodingType.PGVector:
    case ValueEncodingType.LTree:
      r.bytesN(decodeNonsortingUvarint(r), 'length-prefixed value');
      return;
    case ValueEncodingType.Box2D:
      for (let i = 0; i < 4; i++) r.bytesN(readKeyFloatLength(r), 'box2d float');
      return;
    case ValueEncodingType.BitArray: {
      const bits = decodeNonsortingUvarint(r);
      r.bytesN(Math.ceil(bits / 64) * 8, 'bit array words');
      return;
    }
    case ValueEncodingType.Tuple: {
      const n = decodeNonsortingUvarint(r);
      for (let i = 0; i < n; i++) skipValue(r, decodeValueTag(r).type);
      return;
    }
    case ValueEncodingType.Decimal:
      r.bytesN(r.uvarint(), 'decimal value');
      return;
    case ValueEncodingType.Time:
    case ValueEncodingType.TimeTZ:
      skipStdVarints(r, 2);
      return;
    case ValueEncodingType.Duration:
      skipStdVarints(r, 3);
      return;
    case ValueEncodingType.UUID:
      r.bytesN(16, 'uuid value');
      return;
    case ValueEncodingType.IPAddr: {
      const fam = r.peek();
      if (fam === 0) r.bytesN(6, 'ipv4 value');
      else if (fam === 1) r.bytesN(18, 'ipv6 value');
      else r.fail(`invalid INET family ${fam}`, at);
      return;
    }
    default:
      r.fail(`unknown value encoding type ${type}`, at);
  }
}

function skipStdVarints(r: ByteReader, n: number): void {
  for (let i = 0; i < n; i++) {
    let c: number;
    let k = 0;
    do {
      c = r.u8();
      if (++k > 10) r.fail('varint longer than 10 bytes');
    } while (c & 0x80);
  }
}
