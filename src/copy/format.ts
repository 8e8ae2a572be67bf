/**
 * Datum → PostgreSQL COPY text-format field. Pure; no database I/O.
 *
 * `formatPgText` produces PostgreSQL's own text output for the target type (what `::text` of the
 * loaded value prints, under DateStyle=ISO, IntervalStyle=postgres, extra_float_digits ≥ 1);
 * `formatCopyText` adds COPY escaping (backslash, newline, CR, tab). NULL is `\N`.
 *
 * Representation choices:
 * - FLOAT4/FLOAT8: shortest round-trip digits (as PostgreSQL 12+), plain notation for decimal
 *   exponents −4 … 14 (FLOAT4: … 5), else `1e+15` style; NaN, Infinity, -Infinity, -0.
 * - TIMESTAMP/TIMESTAMPTZ/TIME/TIMETZ/INTERVAL: CockroachDB may hold nanoseconds; PostgreSQL keeps
 *   microseconds. We round to the nearest microsecond, halves away from zero (timestamps: halves
 *   up in time). TIMESTAMPTZ is printed in UTC with `+00`.
 * - BYTEA: `\x` hex. GEOMETRY/GEOGRAPHY: EWKB as upper-case hex (PostGIS input/output form).
 * - Text containing U+0000, or stored bytes that are not UTF-8 (`invalidUtf8`), cannot be stored
 *   by PostgreSQL: throws LoadError (the loader turns it into a rejected row).
 */
import type { SqlType } from '../model/sql-type.js';
import { civilFromDays, intervalPostgresText, pad2 } from '../encoding/civil.js';
import type { Datum } from '../encoding/datum.js';
import { invalidUtf8Reason } from '../encoding/utf8.js';
import { toHex } from '../util/bytes.js';
import { LoadError } from '../util/errors.js';

/** COPY text escaping of one field (`\\`, `\n`, `\r`, `\t`). */
export function copyEscape(s: string): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x0a || c === 0x0d || c === 0x09) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else out += s[i];
  }
  return out;
}

/** One COPY text field for `d` as a value of `type` (`\N` for NULL). */
export function formatCopyText(d: Datum, type: SqlType): string {
  if (d === null) return '\\N';
  return copyEscape(formatPgText(d, type));
}

/** PostgreSQL text output of a non-NULL datum (no COPY escaping). */
export function formatPgText(d: Exclude<Datum, null>, type: SqlType): string {
  switch (d.kind) {
    case 'bool':
      return d.value ? 't' : 'f';
    case 'int':
      return type.family === 'pglsn' ? formatLsn(d.value) : d.value.toString();
    case 'float':
      return isFloat4(type) ? formatFloat4(d.value) : formatFloat8(d.value);
    case 'decimal':
      return d.value;
    case 'string':
      if (d.invalidUtf8) throw invalidUtf8Error('text', d.raw);
      if (d.value.includes('\u0000')) {
        throw new LoadError(
          'copy: text value contains a NUL character, which PostgreSQL text types cannot store',
          'strip or replace NUL characters in the source column, or map the column to bytea',
        );
      }
      return d.value;
    case 'bytes':
      return `\\x${toHex(d.value)}`;
    case 'date':
      return formatDate(d.days, d.infinity);
    case 'time':
      return formatTimeOfDay(d.micros);
    case 'timetz':
      return `${formatTimeOfDay(d.micros)}${formatOffset(d.offsetSecs)}`;
    case 'timestamp':
    case 'timestamptz':
      return formatTimestamp(d.seconds, d.nanos, d.infinity, d.kind === 'timestamptz');
    case 'interval':
      return formatInterval(d.months, d.days, d.nanos);
    case 'uuid':
      return formatUuid(d.value);
    case 'inet':
      return formatInet(d.family, d.maskBits, d.addr);
    case 'json':
      if (d.invalidUtf8) throw invalidUtf8Error('jsonb');
      return d.text;
    case 'array':
      return formatArray(d.elements, d.elemType);
    case 'enum':
      return d.label;
    case 'bit':
      return d.bits;
    case 'geo':
      return toHex(d.ewkb).toUpperCase();
    case 'box2d':
      return `BOX(${formatFloat8(d.loX)} ${formatFloat8(d.loY)},${formatFloat8(d.hiX)} ${formatFloat8(d.hiY)})`;
    case 'tsvector':
    case 'tsquery':
      if (d.invalidUtf8) throw invalidUtf8Error(d.kind);
      return d.text;
    case 'vector':
      return `[${Array.from(d.values, (v) => formatFloat4(v)).join(',')}]`;
    case 'tuple':
      return formatTuple(d.elements, type.tupleContents ?? []);
    default: {
      const never: never = d;
      throw new LoadError(`copy: unsupported datum ${(never as { kind: string }).kind}`);
    }
  }
}

function invalidUtf8Error(what: string, raw?: Uint8Array): LoadError {
  return new LoadError(
    `copy: ${what} value is ${raw ? invalidUtf8Reason(raw) : 'not valid UTF-8'}, which PostgreSQL cannot store`,
    'fix the value in the source, or map the column to bytea',
  );
}

function isFloat4(type: SqlType): boolean {
  return type.family === 'float' && (type.width === 32 || type.oid === 700);
}

function formatLsn(v: bigint): string {
  const u = BigInt.asUintN(64, v);
  return `${(u >> 32n).toString(16).toUpperCase()}/${(u & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Shortest digits + decimal exponent → PostgreSQL float text (`plainBelow` = DBL_DIG/FLT_DIG). */
function floatFromDigits(neg: boolean, digits: string, exp: number, plainBelow: number): string {
  let s: string;
  if (exp < -4 || exp >= plainBelow) {
    const e = Math.abs(exp);
    s = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  } else if (exp >= 0) {
    s = digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits + '0'.repeat(exp + 1 - digits.length);
  } else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return neg ? `-${s}` : s;
}

function specialFloat(f: number): string | undefined {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  return undefined;
}

function splitExponential(s: string): [boolean, string, number] {
  const [mant, e] = s.split('e') as [string, string];
  const neg = mant.startsWith('-');
  return [neg, mant.replace('-', '').replace('.', ''), Number(e)];
}

/** PostgreSQL float8out (shortest round-trip, PostgreSQL 12+ default). */
export function formatFloat8(f: number): string {
  // Fast path: for decimal exponents −4 … 14 JavaScript's Number→string prints the same shortest
  // round-trip digits in the same plain notation as PostgreSQL.
  const a = f < 0 ? -f : f;
  if (a >= 1e-4 && a < 1e15) return String(f);
  const sp = specialFloat(f);
  if (sp !== undefined) return sp;
  const [neg, digits, exp] = splitExponential(f.toExponential());
  return floatFromDigits(neg, digits, exp, 15);
}

/** PostgreSQL float4out: the shortest digits that round-trip through float32. */
export function formatFloat4(f: number): string {
  const v = Math.fround(f);
  const sp = specialFloat(v);
  if (sp !== undefined) return sp;
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) {
      const [neg, digits, exp] = splitExponential(s);
      return floatFromDigits(neg, digits.replace(/(\d)0+$/, '$1'), exp, 6);
    }
  }
  const [neg, digits, exp] = splitExponential(v.toExponential());
  return floatFromDigits(neg, digits, exp, 6);
}

function formatYear(year: number): { y: string; bc: boolean } {
  if (year <= 0) return { y: String(1 - year).padStart(4, '0'), bc: true };
  return { y: String(year).padStart(4, '0'), bc: false };
}

export function formatDate(days: bigint, infinity?: 1 | -1): string {
  if (infinity === 1) return 'infinity';
  if (infinity === -1) return '-infinity';
  const c = civilFromDays(Number(days));
  const { y, bc } = formatYear(c.year);
  return `${y}-${pad2(c.month)}-${pad2(c.day)}${bc ? ' BC' : ''}`;
}

/** HH:MM:SS[.ffffff] with trailing fractional zeros removed (PostgreSQL `AppendSeconds`). */
function hms(totalMicros: number): string {
  const us = totalMicros % 1_000_000;
  const secs = Math.floor(totalMicros / 1_000_000);
  const frac = us ? `.${String(us).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}${frac}`;
}

export function formatTimeOfDay(micros: bigint): string {
  return hms(Number(micros));
}

/** PostgreSQL `EncodeTimezone`: ±HH[:MM[:SS]], positive east of UTC. */
function formatOffset(offsetSecs: number): string {
  const sign = offsetSecs < 0 ? '-' : '+';
  const a = Math.abs(offsetSecs);
  const h = Math.floor(a / 3600);
  const m = Math.floor(a / 60) % 60;
  const s = a % 60;
  return `${sign}${pad2(h)}${m || s ? `:${pad2(m)}` : ''}${s ? `:${pad2(s)}` : ''}`;
}

export function formatTimestamp(seconds: bigint, nanos: number, infinity: 1 | -1 | undefined, tz: boolean): string {
  if (infinity === 1) return 'infinity';
  if (infinity === -1) return '-infinity';
  let micros = Math.floor((nanos + 500) / 1000);
  let secsBig = seconds;
  if (micros >= 1_000_000) {
    secsBig += 1n;
    micros -= 1_000_000;
  }
  // CockroachDB timestamps span 4714 BC … 294276 AD: |seconds| < 2^53, so number math is exact.
  const secs = Number(secsBig);
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const c = civilFromDays(days);
  const { y, bc } = formatYear(c.year);
  const time = hms(sod * 1_000_000 + micros);
  return `${y}-${pad2(c.month)}-${pad2(c.day)} ${time}${tz ? '+00' : ''}${bc ? ' BC' : ''}`;
}

/** PostgreSQL IntervalStyle=postgres output; nanoseconds rounded to µs, halves away from zero. */
export function formatInterval(months: bigint, days: bigint, nanos: bigint): string {
  return intervalPostgresText(months, days, (nanos + (nanos >= 0n ? 500n : -500n)) / 1000n);
}

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function formatUuid(b: Uint8Array): string {
  if (b.length !== 16) {
    const h = toHex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const x = HEX2;
  return (
    x[b[0]!]! +
    x[b[1]!]! +
    x[b[2]!]! +
    x[b[3]!]! +
    '-' +
    x[b[4]!]! +
    x[b[5]!]! +
    '-' +
    x[b[6]!]! +
    x[b[7]!]! +
    '-' +
    x[b[8]!]! +
    x[b[9]!]! +
    '-' +
    x[b[10]!]! +
    x[b[11]!]! +
    x[b[12]!]! +
    x[b[13]!]! +
    x[b[14]!]! +
    x[b[15]!]!
  );
}

/** PostgreSQL inet output: mask omitted when it is the full width; IPv6 with `::` compression. */
export function formatInet(family: 4 | 6, maskBits: number, addr: Uint8Array): string {
  if (family === 4) {
    const s = `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
    return maskBits === 32 ? s : `${s}/${maskBits}`;
  }
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((addr[i]! << 8) | addr[i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // Embedded IPv4 (::a.b.c.d or ::ffff:a.b.c.d), as PostgreSQL's inet_net_ntop prints it.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      s += `${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
      break;
    }
    s += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return maskBits === 128 ? s : `${s}/${maskBits}`;
}

// PostgreSQL quotes on ASCII whitespace only (`array_isspace`, `isspace` per byte in record_out);
// JavaScript's \s would also match U+FEFF, U+00A0 and other Unicode spaces.
const ARRAY_QUOTE = /[{}",\\ \t\n\r\v\f]/;

/** PostgreSQL `array_out` for one dimension. */
function formatArray(elements: readonly Datum[], elemType: SqlType): string {
  const parts = elements.map((e) => {
    if (e === null) return 'NULL';
    const s = formatPgText(e, elemType);
    if (s === '' || s.toUpperCase() === 'NULL' || ARRAY_QUOTE.test(s)) return `"${s.replace(/(["\\])/g, '\\$1')}"`;
    return s;
  });
  return `{${parts.join(',')}}`;
}

const RECORD_QUOTE = /[()",\\ \t\n\r\v\f]/;

/** PostgreSQL `record_out`: NULL is empty, quotes and backslashes doubled inside quotes. */
function formatTuple(elements: readonly Datum[], types: readonly SqlType[]): string {
  const parts = elements.map((e, i) => {
    if (e === null) return '';
    const t = types[i];
    if (!t) throw new LoadError(`copy: tuple element ${i} has no type`);
    const s = formatPgText(e, t);
    if (s === '' || RECORD_QUOTE.test(s)) return `"${s.replace(/(["\\])/g, '$1$1')}"`;
    return s;
  });
  return `(${parts.join(',')})`;
}
