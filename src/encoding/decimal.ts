/**
 * DECIMAL encodings, decoded straight to exact decimal text (never through a JS number).
 * Key form: sqlite4-style (docs/formats.md §4.4, `crdb: pkg/util/encoding/decimal.go`
 * `EncodeDecimalAscending`); value form: nonsorting (§5.8, `EncodeNonsortingDecimal`).
 *
 * Text form (the Datum contract): plain digits without exponent, scale kept ("1.50", "0.001",
 * "100"), "NaN", "Infinity", "-Infinity". Zero is printed without a sign ("-0.00" → "0.00") because
 * PostgreSQL NUMERIC has no negative zero.
 */
import type { ByteReader } from '../util/byte-reader.js';
import { KeyMarker, decodeUvarintAscending, decodeUvarintDescending } from './ordered.js';

/** Largest |exponent| we expand into plain text; PostgreSQL NUMERIC allows 131072 integer and 16383 fraction digits. */
const MAX_EXPONENT = 200_000;

/** Renders coefficient digits × 10^exponent as plain text; `negative` adds '-' unless the value is zero. */
export function decimalText(negative: boolean, digits: string, exponent: number): string {
  let d = digits.replace(/^0+(?=\d)/, '');
  let s: string;
  if (exponent >= 0) {
    s = d === '0' ? '0' : d + '0'.repeat(exponent);
  } else {
    const scale = -exponent;
    if (d.length <= scale) d = '0'.repeat(scale - d.length + 1) + d;
    s = `${d.slice(0, d.length - scale)}.${d.slice(d.length - scale)}`;
  }
  const isZero = !/[1-9]/.test(s);
  return negative && !isZero ? `-${s}` : s;
}

function checkExponent(r: ByteReader, e: number, at: number): void {
  if (Math.abs(e) > MAX_EXPONENT) {
    r.fail(`decimal exponent ${e} is outside what PostgreSQL NUMERIC can hold`, at);
  }
}

/**
 * Key-encoded decimal (`DecodeDecimalAscending`/`Descending`). The key form drops trailing zeros,
 * so "1.50" comes back as "1.5"; composite columns carry the exact value in the row value.
 */
export function decodeDecimalKey(r: ByteReader, descending: boolean): string {
  const at = r.pos;
  const m = r.u8();
  switch (m) {
    case KeyMarker.decimalNaN:
    case KeyMarker.decimalNaNDesc:
      return 'NaN';
    case KeyMarker.decimalInf:
      return descending ? '-Infinity' : 'Infinity';
    case KeyMarker.decimalNegInf:
      return descending ? 'Infinity' : '-Infinity';
    case KeyMarker.decimalZero:
      return '0';
  }
  let negClass: boolean;
  let e: number;
  if (m === KeyMarker.decimalNegLarge) {
    negClass = true;
    e = Number(decodeUvarintDescending(r));
  } else if (m > KeyMarker.decimalNegLarge && m <= KeyMarker.decimalNegMedium) {
    negClass = true;
    e = KeyMarker.decimalNegMedium - m;
  } else if (m === KeyMarker.decimalNegSmall) {
    negClass = true;
    e = -Number(decodeUvarintAscending(r));
  } else if (m === KeyMarker.decimalPosLarge) {
    negClass = false;
    e = Number(decodeUvarintAscending(r));
  } else if (m >= KeyMarker.decimalPosMedium && m < KeyMarker.decimalPosLarge) {
    negClass = false;
    e = m - KeyMarker.decimalPosMedium;
  } else if (m === KeyMarker.decimalPosSmall) {
    negClass = false;
    e = -Number(decodeUvarintDescending(r));
  } else {
    return r.fail(`unknown decimal key marker 0x${m.toString(16)}`, at);
  }
  // Mantissa: base-100 digits as 2d+1 (last 2d), terminated by 0x00; negatives complemented.
  const b = r.bytes;
  const start = r.pos;
  let i = start;
  while (i < b.length && b[i] !== 0x00) i++;
  if (i >= b.length) r.fail('did not find decimal terminator 0x00', start);
  if (i === start) r.fail('decimal key has an empty mantissa', start);
  let digits = '';
  for (let k = start; k < i; k++) {
    const v = negClass ? ~b[k]! & 0xff : b[k]!;
    const t = v >> 1;
    if (t > 99) r.fail(`base-100 decimal digit ${t} out of range`, k);
    digits += t < 10 ? `0${t}` : `${t}`;
  }
  r.pos = i + 1;
  if (digits.endsWith('0')) digits = digits.slice(0, -1);
  const exp = 2 * e - digits.length;
  checkExponent(r, exp, at);
  const negative = negClass !== descending;
  return decimalText(negative, digits, exp);
}

/** Coefficient bytes (big-endian, no leading zeros) → decimal digit string. */
function coefficientDigits(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '0';
  if (n <= 6) {
    let v = 0;
    for (let k = start; k < end; k++) v = v * 256 + b[k]!;
    return String(v);
  }
  let hex = '';
  for (let k = start; k < end; k++) hex += b[k]!.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`).toString();
}

/**
 * Nonsorting decimal (`DecodeNonsortingDecimal`) occupying exactly `len` bytes from the reader.
 * Value = ±0.C × 10^e with |e| as an ordered uvarint, C the big-endian coefficient.
 */
export function decodeNonsortingDecimal(r: ByteReader, len: number): string {
  const at = r.pos;
  if (len < 1) r.fail('empty nonsorting decimal', at);
  r.need(len, 'nonsorting decimal');
  const end = r.pos + len;
  const m = r.u8();
  switch (m) {
    case KeyMarker.decimalNaN:
    case KeyMarker.decimalNaNDesc:
      r.pos = end;
      return 'NaN';
    case KeyMarker.decimalNegInf:
      r.pos = end;
      return '-Infinity';
    case KeyMarker.decimalInf:
      r.pos = end;
      return 'Infinity';
    case KeyMarker.decimalZero:
      r.pos = end;
      return '0';
  }
  let negative: boolean;
  let e: number | undefined;
  switch (m) {
    case KeyMarker.decimalNegLarge:
      negative = true;
      e = Number(decodeUvarintAscending(r));
      break;
    case KeyMarker.decimalNegMedium:
      negative = true;
      break;
    case KeyMarker.decimalNegSmall:
      negative = true;
      e = -Number(decodeUvarintAscending(r));
      break;
    case KeyMarker.decimalPosSmall:
      negative = false;
      e = -Number(decodeUvarintAscending(r));
      break;
    case KeyMarker.decimalPosMedium:
      negative = false;
      break;
    case KeyMarker.decimalPosLarge:
      negative = false;
      e = Number(decodeUvarintAscending(r));
      break;
    default:
      return r.fail(`unknown nonsorting decimal marker 0x${m.toString(16)}`, at);
  }
  if (r.pos > end) r.fail('nonsorting decimal exponent overruns its length', at);
  const digits = coefficientDigits(r.bytes, r.pos, end);
  r.pos = end;
  // apd.NumDigits(0) = 1.
  const exp = (e ?? 0) - digits.length;
  checkExponent(r, exp, at);
  return decimalText(negative, digits, exp);
}
