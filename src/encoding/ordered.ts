/**
 * CockroachDB order-preserving ("key") primitives: ordered varints, escaped bytes, floats.
 * docs/formats.md §4.2–4.4; authority `crdb: pkg/util/encoding/encoding.go`, `float.go`.
 *
 * Every decoder reads from a ByteReader (bounds-checked; errors carry the reader's layer and the
 * absolute offset). Encoders exist for building key prefixes/spans and for tests.
 */
import type { ByteReader } from '../util/byte-reader.js';

/** Marker bytes (`encoding.go` const block). */
export const KeyMarker = {
  null: 0x00,
  notNull: 0x01,
  floatNaN: 0x02,
  floatNeg: 0x03,
  floatZero: 0x04,
  floatPos: 0x05,
  floatNaNDesc: 0x06,
  bytes: 0x12,
  bytesDesc: 0x13,
  time: 0x14,
  durationBigNeg: 0x15,
  duration: 0x16,
  durationBigPos: 0x17,
  decimalNaN: 0x18,
  decimalNegInf: 0x19,
  decimalNegLarge: 0x1a,
  decimalNegMedium: 0x25,
  decimalNegSmall: 0x26,
  decimalZero: 0x27,
  decimalPosSmall: 0x28,
  decimalPosMedium: 0x29,
  decimalPosLarge: 0x34,
  decimalInf: 0x35,
  decimalNaNDesc: 0x36,
  jsonInvertedIndex: 0x37,
  jsonEmptyArray: 0x38,
  jsonEmptyObject: 0x39,
  bitArray: 0x3a,
  bitArrayDesc: 0x3b,
  timeTZ: 0x3c,
  geo: 0x3d,
  geoDesc: 0x3e,
  arrayKey: 0x3f,
  arrayKeyDesc: 0x40,
  box2D: 0x41,
  geoInvertedIndex: 0x42,
  emptyArray: 0x43,
  void: 0x44,
  intMin: 0x80,
  intZero: 0x88,
  intMax: 0xfd,
  notNullDesc: 0xfe,
  nullDesc: 0xff,
} as const;

const INT_ZERO = 0x88;
const INT_SMALL = 109;
const TWO64 = 1n << 64n;
const MAX_INT64 = (1n << 63n) - 1n;

/** Reads `n` (≤ 8) big-endian bytes, optionally one's-complemented, as a bigint. */
function readBE(r: ByteReader, n: number, complement: boolean, what: string): bigint {
  r.need(n, what);
  const b = r.bytes;
  let p = r.pos;
  r.pos += n;
  if (n <= 6) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (complement ? ~b[p++]! & 0xff : b[p++]!);
    return BigInt(v);
  }
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(complement ? ~b[p++]! & 0xff : b[p++]!);
  return v;
}

/** `DecodeUvarintAscending`: tag 0x88+v for v ≤ 109, else 0xF5+n then n big-endian bytes. */
export function decodeUvarintAscending(r: ByteReader): bigint {
  const at = r.pos;
  const tag = r.u8();
  const len = tag - INT_ZERO;
  if (len < 0) r.fail(`ordered uvarint has invalid tag 0x${tag.toString(16)}`, at);
  if (len <= INT_SMALL) return BigInt(len);
  const n = len - INT_SMALL;
  if (n > 8) r.fail(`ordered uvarint has invalid length ${n}`, at);
  return readBE(r, n, false, 'ordered uvarint');
}

/** `DecodeUvarintDescending`: tag 0x88-n, then n one's-complemented bytes. */
export function decodeUvarintDescending(r: ByteReader): bigint {
  const at = r.pos;
  const tag = r.u8();
  const n = INT_ZERO - tag;
  if (n < 0 || n > 8) r.fail(`descending ordered uvarint has invalid tag 0x${tag.toString(16)}`, at);
  return readBE(r, n, true, 'ordered uvarint');
}

/** `DecodeVarintAscending`: negative values use tags 0x80–0x87 (0x88 - byte count). */
export function decodeVarintAscending(r: ByteReader): bigint {
  const at = r.pos;
  const tag = r.peek();
  const len = tag - INT_ZERO;
  if (len < 0) {
    r.pos++;
    const n = -len;
    if (n > 8) r.fail(`ordered varint has invalid tag 0x${tag.toString(16)}`, at);
    // Fold the one's complement of each byte, then complement the result: v = -(acc) - 1.
    const acc = readBE(r, n, true, 'ordered varint');
    return -acc - 1n;
  }
  if (tag > 0xfd) r.fail(`ordered varint has invalid tag 0x${tag.toString(16)}`, at);
  const v = decodeUvarintAscending(r);
  if (v > MAX_INT64) r.fail(`ordered varint ${v} overflows int64`, at);
  return v;
}

/** `DecodeVarintDescending` = ^DecodeVarintAscending. */
export function decodeVarintDescending(r: ByteReader): bigint {
  return -decodeVarintAscending(r) - 1n;
}

/** Ordered uvarint that must fit a safe number (table/index/family IDs, lengths). */
export function decodeUvarintAscendingNum(r: ByteReader): number {
  const at = r.pos;
  const v = decodeUvarintAscending(r);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`ordered uvarint ${v} exceeds 2^53`, at);
  return Number(v);
}

/** Length in bytes of the ordered varint starting at `b[i]` (`getVarintLen`), or -1 if not an int tag. */
export function orderedVarintLength(tag: number): number {
  if (tag < 0x80 || tag > 0xfd) return -1;
  const len = tag - INT_ZERO;
  if (len >= 0) return len <= INT_SMALL ? 1 : 1 + len - INT_SMALL;
  return 1 - len;
}

/** `EncodeUvarintAscending`. */
export function encodeUvarintAscending(v: bigint | number): Uint8Array {
  let x = BigInt(v);
  if (x < 0n || x >= TWO64) throw new RangeError(`uvarint out of range: ${x}`);
  if (x <= BigInt(INT_SMALL)) return Uint8Array.of(INT_ZERO + Number(x));
  const bytes: number[] = [];
  while (x > 0n) {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return Uint8Array.from([0xf5 + bytes.length, ...bytes]);
}

/** `EncodeVarintAscending`. */
export function encodeVarintAscending(v: bigint | number): Uint8Array {
  const x = BigInt(v);
  if (x >= 0n) return encodeUvarintAscending(x);
  let n = 1;
  while (n < 8 && x < -((1n << BigInt(8 * n)) - 1n)) n++;
  const u = x & ((1n << BigInt(8 * n)) - 1n);
  const out = new Uint8Array(n + 1);
  out[0] = INT_ZERO - n;
  for (let i = 0; i < n; i++) out[n - i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** `EncodeUvarintDescending`. */
export function encodeUvarintDescending(v: bigint | number): Uint8Array {
  const x = BigInt(v);
  if (x === 0n) return Uint8Array.of(INT_ZERO);
  const asc = encodeUvarintAscending(x);
  const n = asc.length === 1 ? 1 : asc.length - 1;
  const payload = asc.length === 1 ? Uint8Array.of(Number(x)) : asc.subarray(1);
  const out = new Uint8Array(n + 1);
  out[0] = INT_ZERO - n;
  for (let i = 0; i < n; i++) out[i + 1] = ~payload[i]! & 0xff;
  return out;
}

/** `EncodeVarintDescending` = EncodeVarintAscending(^v). */
export function encodeVarintDescending(v: bigint | number): Uint8Array {
  return encodeVarintAscending(-BigInt(v) - 1n);
}

/**
 * `DecodeBytesAscending` / `DecodeBytesDescending` after the marker: escaped body terminated by
 * 0x00 0x01 (ascending; 0x00 0xFF = literal 0x00) or its complement (descending). Returns a view
 * into the input when no escapes occur (ascending), else a fresh copy.
 */
export function decodeEscapedBytes(r: ByteReader, descending: boolean): Uint8Array {
  const b = r.bytes;
  const start = r.pos;
  const esc = descending ? 0xff : 0x00;
  const term = descending ? 0xfe : 0x01;
  const esc00 = descending ? 0x00 : 0xff;
  let i = start;
  const end = b.length;
  // Fast path: find the first escape byte.
  while (i < end && b[i] !== esc) i++;
  if (i >= end) r.fail('did not find bytes terminator', start);
  if (i + 1 >= end) r.fail('malformed escape in bytes', i);
  if (b[i + 1] === term && !descending) {
    r.pos = i + 2;
    return b.subarray(start, i);
  }
  const out: number[] = [];
  let p = start;
  for (;;) {
    while (i < end && b[i] !== esc) i++;
    if (i >= end) r.fail('did not find bytes terminator', start);
    if (i + 1 >= end) r.fail('malformed escape in bytes', i);
    for (let k = p; k < i; k++) out.push(b[k]!);
    const v = b[i + 1]!;
    if (v === term) {
      r.pos = i + 2;
      break;
    }
    if (v !== esc00) r.fail(`unknown escape sequence 0x${esc.toString(16)} 0x${v.toString(16)}`, i);
    out.push(descending ? 0xff : 0x00);
    i += 2;
    p = i;
  }
  const res = Uint8Array.from(out);
  if (descending) for (let k = 0; k < res.length; k++) res[k] = ~res[k]! & 0xff;
  return res;
}

/** Marker + escaped bytes (`DecodeBytesAscending`/`Descending`), checking the marker. */
export function decodeBytesKey(r: ByteReader, descending: boolean): Uint8Array {
  const at = r.pos;
  const m = r.u8();
  const want = descending ? KeyMarker.bytesDesc : KeyMarker.bytes;
  if (m !== want) r.fail(`did not find bytes marker 0x${want.toString(16)} (got 0x${m.toString(16)})`, at);
  return decodeEscapedBytes(r, descending);
}

/** `EncodeBytesAscending` / `EncodeBytesDescending`. */
export function encodeBytesKey(data: Uint8Array, descending = false): Uint8Array {
  const out: number[] = [descending ? KeyMarker.bytesDesc : KeyMarker.bytes];
  const body: number[] = [];
  for (const c of data) {
    if (c === 0) body.push(0x00, 0xff);
    else body.push(c);
  }
  body.push(0x00, 0x01);
  for (const c of body) out.push(descending ? ~c & 0xff : c);
  return Uint8Array.from(out);
}

const f64 = new Float64Array(1);
const f64u = new BigUint64Array(f64.buffer);

/** `DecodeFloatAscending`/`Descending` (float.go). ±0 both decode to +0 (composite columns keep the sign). */
export function decodeFloatKey(r: ByteReader, descending: boolean): number {
  const at = r.pos;
  const m = r.u8();
  let v: number;
  switch (m) {
    case KeyMarker.floatNaN:
    case KeyMarker.floatNaNDesc:
      return NaN;
    case KeyMarker.floatZero:
      return 0;
    case KeyMarker.floatNeg:
      f64u[0] = ~r.u64be() & (TWO64 - 1n);
      v = f64[0]!;
      break;
    case KeyMarker.floatPos:
      f64u[0] = r.u64be();
      v = f64[0]!;
      break;
    default:
      return r.fail(`unknown float key marker 0x${m.toString(16)}`, at);
  }
  return descending ? -v : v;
}

/** `EncodeFloatAscending`/`Descending` (tests, span building). */
export function encodeFloatKey(f: number, descending = false): Uint8Array {
  if (Number.isNaN(f)) return Uint8Array.of(descending ? KeyMarker.floatNaNDesc : KeyMarker.floatNaN);
  if (descending) f = -f;
  if (f === 0) return Uint8Array.of(KeyMarker.floatZero);
  f64[0] = f;
  let u = f64u[0]!;
  const out = new Uint8Array(9);
  if (u >> 63n) {
    u = ~u & (TWO64 - 1n);
    out[0] = KeyMarker.floatNeg;
  } else out[0] = KeyMarker.floatPos;
  new DataView(out.buffer).setBigUint64(1, u, false);
  return out;
}

const f64b = new Uint8Array(f64.buffer);
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Bits of a float64 as stored in values (`EncodeUntaggedFloatValue`: big-endian IEEE bits). The
 * bytes go through a module scratch Float64Array: a DataView per reader would cost an allocation
 * per row (the hot path of FLOAT columns).
 */
export function readFloat64BE(r: ByteReader): number {
  r.need(8, 'float64');
  const b = r.bytes;
  const p = r.pos;
  if (HOST_LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64b[i] = b[p + 7 - i]!;
  else for (let i = 0; i < 8; i++) f64b[i] = b[p + i]!;
  r.pos += 8;
  return f64[0]!;
}
