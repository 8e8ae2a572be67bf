/**
 * Human-readable roach keys in CockroachDB's style (`crdb: pkg/keys/printer.go`,
 * `pkg/util/encoding/encoding.go` `prettyPrintFirstValue`): `/Table/53/1/5/0`, `/Tenant/5/Table/…`,
 * `/Meta2/…`, `/System/…`, `/Local/…`, `/Min`, `/Max`. Key datums are decoded by their marker,
 * without type information (ascending unless the marker is a descending one); anything that does
 * not decode is printed as `/0x<hex>` for the rest of the key. For logs and error messages only.
 */
import { ByteReader } from '../util/byte-reader.js';
import { toHex } from '../util/bytes.js';
import { civilFromDays, intervalPostgresText, pad2 } from './civil.js';
import { decodeDecimalKey } from './decimal.js';
import {
  KeyMarker,
  decodeEscapedBytes,
  decodeFloatKey,
  decodeUvarintAscending,
  decodeVarintAscending,
  decodeVarintDescending,
} from './ordered.js';
import { decodeBitArrayKey, decodeDurationKey, decodeTimeKey, decodeTimeTZKey } from './primitives.js';

// ignoreBOM: a key's U+FEFF is shown, not dropped (the default decoder strips a leading one).
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function prettyKey(key: Uint8Array): string {
  if (key.length === 0) return '/Min';
  if (key.length === 2 && key[0] === 0xff && key[1] === 0xff) return '/Max';
  const r = new ByteReader(key, 'key');
  try {
    return prettyFrom(r);
  } catch {
    return `/0x${toHex(key)}`;
  }
}

function prettyFrom(r: ByteReader): string {
  const b = r.peek();
  if (b === 0x01) return prettyLocal(r);
  if (b === 0x02 || b === 0x03) {
    r.pos++;
    const rest = r.bytes.subarray(r.pos);
    return `/Meta${b - 1}${rest.length === 0 ? '/""' : prettyKey(rest)}`;
  }
  if (b === 0x04) {
    r.pos++;
    return `/System${prettySystem(r.bytes.subarray(r.pos))}`;
  }
  if (b === 0xfe) {
    r.pos++;
    const tenant = decodeUvarintAscending(r);
    return `/Tenant/${tenant}${r.done ? '' : prettyFrom(r)}`;
  }
  if (b >= 0x88 && b <= 0xfd) {
    const id = decodeUvarintAscending(r);
    return `/Table/${id}${prettyDatums(r)}`;
  }
  return `/${quote(r.bytes.subarray(r.pos))}`;
}

function prettyLocal(r: ByteReader): string {
  r.pos++;
  const kind = r.u8();
  const rest = (): string => (r.done ? '' : `/${quote(r.bytes.subarray(r.pos))}`);
  switch (kind) {
    case 0x69: {
      // 'i': /Local/RangeID/<id>/<r|u><suffix…>
      const id = decodeUvarintAscending(r);
      const infix = r.done ? '' : String.fromCharCode(r.u8());
      const suffix = r.remaining >= 4 ? utf8.decode(r.bytesN(4)) : '';
      const tail = r.done ? '' : prettyDatums(r);
      return `/Local/RangeID/${id}${infix ? `/${infix}` : ''}${suffix ? `/${suffix}` : ''}${tail}`;
    }
    case 0x6b: {
      // 'k': /Local/Range/<bytes-encoded key>/<suffix>
      const inner = decodeEscapedBytes(skipMarker(r, KeyMarker.bytes), false);
      const suffix = r.done ? '' : `/${quote(r.bytes.subarray(r.pos))}`;
      return `/Local/Range${prettyKey(inner)}${suffix}`;
    }
    case 0x7a: {
      // 'z' 'k': lock table.
      if (r.u8() === 0x6b) {
        const inner = decodeEscapedBytes(skipMarker(r, KeyMarker.bytes), false);
        return `/Local/Lock${prettyKey(inner)}`;
      }
      return `/Local/Lock${rest()}`;
    }
    case 0x73:
      return `/Local/Store/${printableOrQuoted(r.bytes.subarray(r.pos))}`;
    default:
      r.pos--;
      return `/Local${rest()}`;
  }
}

function skipMarker(r: ByteReader, marker: number): ByteReader {
  const at = r.pos;
  if (r.u8() !== marker) r.fail('expected a bytes marker', at);
  return r;
}

function prettySystem(rest: Uint8Array): string {
  if (rest.length === 0) return '';
  const s = utf8.decode(rest);
  if (s.startsWith('\x00liveness-')) {
    const r = new ByteReader(rest, 'key', 0, 10);
    try {
      return `/NodeLiveness/${decodeUvarintAscending(r)}`;
    } catch {
      return `/${quote(rest)}`;
    }
  }
  if (s.startsWith('tsd')) return `/tsd/${quote(rest.subarray(3))}`;
  return `/${quote(rest)}`;
}

/** Prints the remaining key datums, `/`-separated. */
export function prettyDatums(r: ByteReader): string {
  let out = '';
  while (!r.done) {
    const at = r.pos;
    try {
      out += `/${prettyOne(r)}`;
    } catch {
      out += `/${quote(r.bytes.subarray(at))}`;
      r.pos = r.bytes.length;
    }
  }
  return out;
}

function prettyOne(r: ByteReader): string {
  const m = r.peek();
  if (m === KeyMarker.null || m === KeyMarker.nullDesc) {
    r.pos++;
    return 'NULL';
  }
  if (m < KeyMarker.notNull || (m > KeyMarker.floatNaNDesc && m < KeyMarker.bytes)) {
    return r.fail('not a key datum marker');
  }
  if (m === KeyMarker.notNull) {
    r.pos++;
    return '!NULL';
  }
  if (m === KeyMarker.notNullDesc) {
    r.pos++;
    return '#';
  }
  if (m >= KeyMarker.intMin && m <= KeyMarker.intMax) return decodeVarintAscending(r).toString();
  if (m >= KeyMarker.floatNaN && m <= KeyMarker.floatNaNDesc) return goFloat(decodeFloatKey(r, false));
  if (m >= KeyMarker.decimalNaN && m <= KeyMarker.decimalNaNDesc) return decodeDecimalKey(r, false);
  switch (m) {
    case KeyMarker.bytes:
    case KeyMarker.bytesDesc:
      r.pos++;
      return quote(decodeEscapedBytes(r, m === KeyMarker.bytesDesc));
    case KeyMarker.time: {
      const t = decodeTimeKey(r, false);
      return rfc3339(t.seconds, t.nanos);
    }
    case KeyMarker.timeTZ: {
      const t = decodeTimeTZKey(r, false);
      return `timetz(${t.micros}us,${t.offsetSecs}s)`;
    }
    case KeyMarker.duration: {
      const d = decodeDurationKey(r, false);
      const rest = d.nanos % 1000n;
      return intervalPostgresText(d.months, d.days, d.nanos / 1000n) + (rest ? `${rest > 0n ? '+' : ''}${rest}ns` : '');
    }
    case KeyMarker.bitArray:
    case KeyMarker.bitArrayDesc:
      return `B${decodeBitArrayKey(r, m === KeyMarker.bitArrayDesc)}`;
    case KeyMarker.arrayKey:
    case KeyMarker.arrayKeyDesc: {
      r.pos++;
      const desc = m === KeyMarker.arrayKeyDesc;
      const parts: string[] = [];
      for (;;) {
        const b = r.peek();
        if (b === (desc ? 0xff : 0x00)) {
          r.pos++;
          break;
        }
        if (b === (desc ? 0xfe : 0x01)) {
          r.pos++;
          parts.push('NULL');
        } else if (desc && b >= KeyMarker.intMin && b <= KeyMarker.intMax) {
          parts.push(decodeVarintDescending(r).toString());
        } else parts.push(prettyOne(r));
      }
      return `ARRAY[${parts.join(',')}]`;
    }
    case KeyMarker.jsonEmptyArray:
    case KeyMarker.emptyArray:
      r.pos++;
      return '[]';
    case KeyMarker.jsonEmptyObject:
      r.pos++;
      return '{}';
  }
  return r.fail(`unknown key marker 0x${m.toString(16)}`);
}

function printableOrQuoted(b: Uint8Array): string {
  for (const c of b) if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return quote(b);
  return String.fromCharCode(...b);
}

const GO_ESC: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

/** Go `strconv.Quote` of bytes: printable UTF-8 kept, invalid bytes as \xNN, control characters escaped. */
function quote(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
      else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
      else out += GO_ESC[c] ?? `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    const n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) ok = (b[i + k]! & 0xc0) === 0x80;
    if (ok) {
      const ch = utf8.decode(b.subarray(i, i + n));
      if (ch !== '\ufffd') {
        out += ch;
        i += n;
        continue;
      }
    }
    out += `\\x${c.toString(16).padStart(2, '0')}`;
    i++;
  }
  return `${out}"`;
}

/** Go `strconv.FormatFloat(f, 'g', -1, 64)`. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expStr] = f.toExponential().split('e') as [string, string];
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const exp = Number(expStr);
  let eprec = 6;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  let s: string;
  if (exp < -4 || exp >= eprec) {
    const e = Math.abs(exp);
    s = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  } else if (exp >= 0) {
    s = digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits + '0'.repeat(exp + 1 - digits.length);
  } else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return neg ? `-${s}` : s;
}

function rfc3339(seconds: bigint, nanos: number): string {
  const days = Number(seconds / 86400n) - (seconds % 86400n < 0n ? 1 : 0);
  const sod = Number(seconds - BigInt(days) * 86400n);
  const c = civilFromDays(days);
  const frac = nanos ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  const y = c.year < 0 ? `-${String(-c.year).padStart(4, '0')}` : String(c.year).padStart(4, '0');
  return `${y}-${pad2(c.month)}-${pad2(c.day)}T${pad2(Math.floor(sod / 3600))}:${pad2(Math.floor(sod / 60) % 60)}:${pad2(sod % 60)}${frac}Z`;
}
