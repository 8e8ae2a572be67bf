/**
 * Value-side primitives (docs/formats.md §0, §5.4–5.5; `crdb: pkg/util/encoding/encoding.go`,
 * `pkg/util/ipaddr/ipaddr.go`, `pkg/util/bitarray`, `pkg/geo/geopb/geopb.proto`):
 * nonsorting MSB-first uvarints, Go stdlib zigzag varints (fast path), bit arrays, INET buffers,
 * SpatialObject protos, and the key-style time/timetz/duration forms that legacy values reuse.
 */
import type { ByteReader } from '../util/byte-reader.js';
import { KeyMarker, decodeUvarintAscending, decodeUvarintDescending, decodeVarintAscending } from './ordered.js';

/** `DecodeNonsortingUvarint`: big-endian 7-bit groups, continuation bit on all but the last byte. */
export function decodeNonsortingUvarint(r: ByteReader): number {
  const at = r.pos;
  const b = r.bytes;
  let v = 0;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= b.length) r.fail('truncated nonsorting uvarint', at);
    const c = b[r.pos++]!;
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) {
      if (!Number.isSafeInteger(v)) r.fail('nonsorting uvarint exceeds 2^53', at);
      return v;
    }
  }
  return r.fail('nonsorting uvarint longer than 10 bytes', at);
}

/**
 * Go `binary.Varint` (zigzag LEB128) of at most 7 bytes (< 2^49, safe) as a number, advancing
 * `r`; NaN (and `r` unmoved) when longer. The shared fast path of `decodeZigzag(Num)`.
 */
function zigzagShort(r: ByteReader): number {
  const b = r.bytes;
  const start = r.pos;
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    if (r.pos >= b.length) r.fail('truncated varint', start);
    const c = b[r.pos++]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    mul *= 128;
  }
  r.pos = start;
  return NaN;
}

/** Go `binary.Varint` (zigzag LEB128) as bigint, with a number fast path for short encodings. */
export function decodeZigzag(r: ByteReader): bigint {
  const v = zigzagShort(r);
  return v === v ? BigInt(v) : r.varintBig();
}

/** Zigzag varint that must fit a safe number (no bigint unless the encoding is long). */
export function decodeZigzagNum(r: ByteReader): number {
  const at = r.pos;
  const short = zigzagShort(r);
  if (short === short) return short;
  const v = r.varintBig();
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    r.fail(`varint ${v} does not fit a safe integer`, at);
  }
  return Number(v);
}

/** Renders 64-bit words (MSB = first bit) as a '0'/'1' string of `bitLen` bits. */
export function wordsToBits(words: readonly bigint[], bitLen: number): string {
  let s = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const n = Math.min(64, bitLen - i * 64);
    const full = w.toString(2).padStart(64, '0');
    s += full.slice(0, n);
  }
  return s;
}

/** `DecodeUntaggedBitArrayValue`: nonsorting-uvarint bit length, then ⌈len/64⌉ 8-byte BE words. */
export function decodeBitArrayValue(r: ByteReader): string {
  const bitLen = decodeNonsortingUvarint(r);
  const nWords = Math.ceil(bitLen / 64);
  r.need(nWords * 8, 'bit array words');
  const words: bigint[] = new Array(nWords);
  for (let i = 0; i < nWords; i++) words[i] = r.u64be();
  return wordsToBits(words, bitLen);
}

/** `DecodeBitArrayAscending`/`Descending`: marker, ordered-uvarint words, terminator, ordered uvarint lastBitsUsed. */
export function decodeBitArrayKey(r: ByteReader, descending: boolean): string {
  const at = r.pos;
  const m = r.u8();
  const want = descending ? KeyMarker.bitArrayDesc : KeyMarker.bitArray;
  if (m !== want) r.fail(`did not find bit array marker 0x${want.toString(16)}`, at);
  const term = descending ? 0xff : 0x00;
  const words: bigint[] = [];
  for (;;) {
    if (r.peek() === term) {
      r.pos++;
      break;
    }
    words.push(descending ? decodeUvarintDescending(r) : decodeUvarintAscending(r));
  }
  const last = Number(descending ? decodeUvarintDescending(r) : decodeUvarintAscending(r));
  if (last > 64) r.fail(`bit array lastBitsUsed ${last} > 64`, at);
  const bitLen = words.length === 0 ? 0 : (words.length - 1) * 64 + (last === 0 ? 64 : last);
  return wordsToBits(words, bitLen);
}

/** `IPAddr.FromBuffer`: family (0 IPv4, 1 IPv6), mask bits, 4 or 16 address bytes. */
export function decodeIPAddr(r: ByteReader): { family: 4 | 6; maskBits: number; addr: Uint8Array } {
  const at = r.pos;
  const fam = r.u8();
  if (fam !== 0 && fam !== 1) r.fail(`IPAddr has unexpected family ${fam}`, at);
  const maskBits = r.u8();
  const family = fam === 0 ? 4 : 6;
  if (maskBits > (family === 4 ? 32 : 128)) r.fail(`IPAddr mask ${maskBits} too large`, at);
  const addr = r.bytesN(family === 4 ? 4 : 16, 'IP address');
  return { family, maskBits, addr };
}

/** Decoded `geopb.SpatialObject` (fields: type=1, ewkb=2, srid=3, shape_type=4, bounding_box=5). */
export interface SpatialObject {
  /** 1 GEOGRAPHY, 2 GEOMETRY. */
  readonly type: number;
  readonly ewkb: Uint8Array;
  readonly srid: number;
}

/** Parses the protobuf wire bytes of a SpatialObject, keeping only what a migration needs. */
export function decodeSpatialObject(r: ByteReader, len: number): SpatialObject {
  const at = r.pos;
  r.need(len, 'SpatialObject');
  const end = r.pos + len;
  let type = 0;
  let srid = 0;
  let ewkb: Uint8Array = new Uint8Array(0);
  while (r.pos < end) {
    const key = Number(r.uvarintBig());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = r.uvarintBig();
      if (field === 1) type = Number(v);
      else if (field === 3) srid = Number(BigInt.asIntN(32, v));
    } else if (wire === 2) {
      const n = r.uvarint();
      const bytes = r.bytesN(n, 'SpatialObject field');
      if (field === 2) ewkb = bytes;
    } else if (wire === 1) r.bytesN(8);
    else if (wire === 5) r.bytesN(4);
    else r.fail(`SpatialObject has unsupported wire type ${wire}`, at);
  }
  if (r.pos !== end) r.fail('SpatialObject field overruns its length', at);
  return { type, ewkb, srid };
}

/** Key-style timestamp (`DecodeTimeAscending`/`Descending`): 0x14, ordered varint secs, ordered varint nanos. */
export function decodeTimeKey(r: ByteReader, descending: boolean): { seconds: bigint; nanos: number } {
  const at = r.pos;
  const m = r.u8();
  if (m !== KeyMarker.time) r.fail(`did not find time marker 0x14 (got 0x${m.toString(16)})`, at);
  let s = decodeVarintAscending(r);
  let n = decodeVarintAscending(r);
  if (descending) {
    s = -s - 1n;
    n = -n - 1n;
  }
  // Go's time.Unix normalises nanos outside [0, 1e9); inside (always, as CockroachDB writes
  // keys) there is nothing to carry, and no bigint arithmetic to pay for.
  if (n >= 0n && n < 1_000_000_000n) return { seconds: s, nanos: Number(n) };
  const carry = n >= 0n ? n / 1_000_000_000n : -((-n + 999_999_999n) / 1_000_000_000n);
  return { seconds: s + carry, nanos: Number(n - carry * 1_000_000_000n) };
}

/**
 * Key-style TIMETZ (`DecodeTimeTZAscending`/`Descending`): 0x3C, ordered varint (µs + offset·10⁶),
 * ordered varint offset. CockroachDB's offset sign is reversed from ISO (UTC−8 → +28800); the
 * returned `offsetSecs` is PostgreSQL's (east of UTC positive).
 */
export function decodeTimeTZKey(r: ByteReader, descending: boolean): { micros: bigint; offsetSecs: number } {
  const at = r.pos;
  const m = r.u8();
  if (m !== KeyMarker.timeTZ) r.fail(`did not find timetz marker 0x3c (got 0x${m.toString(16)})`, at);
  let u = decodeVarintAscending(r);
  let off = decodeVarintAscending(r);
  if (descending) {
    u = -u - 1n;
    off = -off - 1n;
  }
  const crdbOffset = Number(BigInt.asIntN(32, off));
  return { micros: u - BigInt(crdbOffset) * 1_000_000n, offsetSecs: -crdbOffset };
}

const NANOS_PER_DAY = 86_400_000_000_000n;
const NANOS_PER_MONTH = 30n * NANOS_PER_DAY;

/** Key-style INTERVAL (`DecodeDurationAscending`/`Descending`): marker, sortNanos, months, days. */
export function decodeDurationKey(r: ByteReader, descending: boolean): { months: bigint; days: bigint; nanos: bigint } {
  const at = r.pos;
  const m = r.u8();
  if (m !== KeyMarker.duration) {
    if (m === KeyMarker.durationBigNeg || m === KeyMarker.durationBigPos) {
      r.fail('interval key uses the unsupported big-duration marker', at);
    }
    r.fail(`did not find duration marker 0x16 (got 0x${m.toString(16)})`, at);
  }
  const f = descending ? (x: bigint) => -x - 1n : (x: bigint) => x;
  const sortNanos = f(decodeVarintAscending(r));
  const months = f(decodeVarintAscending(r));
  const days = f(decodeVarintAscending(r));
  // duration.Decode: nanos = sortNanos - months*30 days - days*1 day.
  return { months, days, nanos: sortNanos - months * NANOS_PER_MONTH - days * NANOS_PER_DAY };
}

/** Length of the key-encoded float at the cursor (1 or 9 bytes), for skipping Box2D values (`peekBox2DLength`). */
export function readKeyFloatLength(r: ByteReader): number {
  const m = r.peek();
  if (m === KeyMarker.floatNaN || m === KeyMarker.floatNaNDesc || m === KeyMarker.floatZero) return 1;
  if (m === KeyMarker.floatNeg || m === KeyMarker.floatPos) return 9;
  return r.fail(`unexpected float marker 0x${m.toString(16)} in box2d`);
}
