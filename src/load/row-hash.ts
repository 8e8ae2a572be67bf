/**
 * The row fingerprint shared by the loader (computed in Node over the text PostgreSQL will store —
 * for text columns over the bytes CockroachDB stored, see `sourceHashField`) and the verifier
 * (computed by SQL over what PostgreSQL did store). Each non-NULL field is
 * length-prefixed (UTF-8 bytes) so that field boundaries are unambiguous; NULL is `N`. The row
 * hash is the first 64 bits of MD5 read as a signed integer — PostgreSQL's
 * `('x' || substr(md5(t), 1, 16))::bit(64)::bigint` — and a table's fingerprint is the exact sum
 * (no wrap-around, so no cancellation modulo 2^64) plus the row count, which is order-independent:
 * a multiset of rows has one fingerprint whatever order COPY or a scan sees them in.
 *
 * Canonical text: the field text is PostgreSQL's output function text of the *stored* value. For
 * most types `formatPgText` already produces exactly that. Where the value PostgreSQL stores is a
 * normalisation of what was sent, both sides are brought to one canonical form here:
 * - char(n) (bpchar): PostgreSQL pads to n; trailing spaces are insignificant for bpchar, so both
 *   sides drop them (SQL: `rtrim(…, ' ')`).
 * - numeric: `-0` is stored as `0`; with a declared scale, PostgreSQL pads/rounds the fraction to
 *   that scale (half away from zero) — the source text is brought to the same form.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import type { SqlType } from '../catalog/sql-type.js';
import { formatPgText } from '../copy/format.js';
import { quoteIdent } from '../util/sql-quote.js';
import type { Datum } from '../encoding/datum.js';

export interface HashColumn {
  readonly pgName: string;
  readonly type: SqlType;
}

export function rowText(fields: readonly (string | null)[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i > 0) s += ',';
    s += f === null ? 'N' : `${Buffer.byteLength(f, 'utf8')}:${f}`;
  }
  return s;
}

/**
 * One field of a row fingerprint: PostgreSQL's output text, or — for text columns — the UTF-8
 * bytes CockroachDB stored (`sourceHashField`); PostgreSQL's side hashes its stored text, which is
 * byte-equal when nothing was altered on the way. NULL is null.
 */
export type HashField = string | Uint8Array | null;

/** Scratch for `rowHash`: the row's fingerprint input, grown as needed (one per thread). */
let scratch = Buffer.allocUnsafe(4096);

/** Writes `len:` (decimal) at `pos`; returns the position after it. */
function writeLengthPrefix(buf: Buffer, pos: number, len: number): number {
  if (len < 10) buf[pos++] = 0x30 + len;
  else pos += buf.write(String(len), pos, 'latin1');
  buf[pos] = 0x3a; // ':'
  return pos + 1;
}

/** `rowText` of the fields as UTF-8 bytes, with byte fields spliced in as they are. */
function rowBytes(fields: readonly HashField[]): Buffer {
  let need = fields.length * 12;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f !== null) need += typeof f === 'string' ? f.length * 3 : f.length;
  }
  if (need > scratch.length) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  const buf = scratch;
  let pos = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i > 0) buf[pos++] = 0x2c; // ','
    if (f === null) buf[pos++] = 0x4e; // 'N'
    else if (typeof f === 'string') {
      pos = writeLengthPrefix(buf, pos, Buffer.byteLength(f, 'utf8'));
      pos += buf.write(f, pos, 'utf8');
    } else {
      pos = writeLengthPrefix(buf, pos, f.length);
      buf.set(f, pos);
      pos += f.length;
    }
  }
  return buf.subarray(0, pos);
}

// `crypto.hash` (Node ≥ 20.12) is a one-shot digest without a Hash object per row.
const md5OneShot: ((b: Buffer) => Buffer) | undefined =
  typeof oneShotHash === 'function' ? (b) => oneShotHash('md5', b, 'buffer') : undefined;

export function rowHash(fields: readonly HashField[]): bigint {
  const bytes = rowBytes(fields);
  const digest = md5OneShot ? md5OneShot(bytes) : createHash('md5').update(bytes).digest();
  return digest.readBigInt64BE(0);
}

/** char(n) / bpchar: PostgreSQL OID 1042. */
export const isBpchar = (t: SqlType): boolean => t.family === 'string' && t.oid === 1042;

const isDecimal = (t: SqlType): boolean => t.family === 'decimal';

/** Whether `canonicalField` can change a field of this type (lets the hot loop skip the call). */
export const needsCanonical = (t: SqlType): boolean => isBpchar(t) || isDecimal(t);

/** The text PostgreSQL prints for a stored value whose input text was `text` (see file comment). */
export function canonicalField(text: string, type: SqlType): string {
  if (isBpchar(type)) {
    let end = text.length;
    while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
    return end === text.length ? text : text.slice(0, end);
  }
  if (isDecimal(type)) return canonicalDecimal(text, type.precision > 0 ? type.width : undefined);
  return text;
}

/** numeric input → numeric output: no `-0`, fraction padded or rounded (half away from zero) to `scale`. */
export function canonicalDecimal(text: string, scale: number | undefined): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) return text; // NaN, Infinity, -Infinity
  const neg = m[1] === '-';
  let int = m[2]!.replace(/^0+(?=\d)/, '') || '0';
  let frac = m[3] ?? '';
  if (scale !== undefined && frac.length !== scale) {
    if (frac.length < scale) frac = frac.padEnd(scale, '0');
    else {
      const roundUp = frac.charCodeAt(scale) >= 0x35;
      let digits = int + frac.slice(0, scale);
      if (roundUp) {
        const a = digits.split('');
        let i = a.length - 1;
        for (; i >= 0; i--) {
          if (a[i] === '9') a[i] = '0';
          else {
            a[i] = String.fromCharCode(a[i]!.charCodeAt(0) + 1);
            break;
          }
        }
        digits = (i < 0 ? '1' : '') + a.join('');
      }
      int = digits.slice(0, digits.length - scale) || '0';
      frac = digits.slice(digits.length - scale);
    }
  }
  const isZero = /^0*$/.test(int) && /^0*$/.test(frac);
  return `${neg && !isZero ? '-' : ''}${int}${frac.length > 0 ? `.${frac}` : ''}`;
}

/** SQL expression of one column's canonical text (its output function, see `canonicalField`). */
function sqlFieldText(c: HashColumn): string {
  const q = quoteIdent(c.pgName);
  // concat() calls the type's output function, exactly what COPY and SELECT print. A plain ::text
  // cast is not the same for some types: boolean gives 'true'/'false', inet always shows the
  // netmask, char(n) drops its padding.
  return isBpchar(c.type) ? `rtrim(concat(${q}), ' ')` : `concat(${q})`;
}

/** SQL expression of a `text[]` holding each column's canonical text (NULL for SQL NULL): what `sourceFieldTexts` gives for a source row. */
export function sqlFieldTexts(columns: readonly HashColumn[]): string {
  if (columns.length === 0) return `ARRAY[]::text[]`;
  return `ARRAY[${columns.map((c) => `CASE WHEN num_nulls(${quoteIdent(c.pgName)}) = 1 THEN NULL ELSE ${sqlFieldText(c)} END`).join(', ')}]::text[]`;
}

/** SQL expression computing `rowText` of the given columns of the current row. */
export function sqlRowText(columns: readonly HashColumn[]): string {
  if (columns.length === 0) return `''`;
  return columns
    .map((c) => {
      const t = sqlFieldText(c);
      // num_nulls, not IS NULL: a composite whose fields are all NULL "IS NULL" but is a value.
      return `CASE WHEN num_nulls(${quoteIdent(c.pgName)}) = 1 THEN 'N' ELSE octet_length(${t})::text || ':' || ${t} END`;
    })
    .join(` || ',' || `);
}

/** SQL expression computing `rowHash` of the current row. */
export function sqlRowHash(columns: readonly HashColumn[]): string {
  return `('x' || substr(md5(${sqlRowText(columns)}), 1, 16))::bit(64)::bigint`;
}

/**
 * Session settings under which the output functions print what `formatPgText` renders (ISO
 * dates, UTC, the default interval style, shortest round-trip floats, hex bytea).
 */
export const CANONICAL_SESSION_SQL =
  "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'";

/**
 * Canonical texts of one source row (NULL → null), as the loader renders them. Throws for a value
 * that cannot be rendered (such rows are rejected by the loader and not part of its fingerprint).
 */
export function sourceFieldTexts(columns: readonly HashColumn[], values: readonly Datum[]): (string | null)[] {
  return columns.map((c, i) => {
    const d = values[i] ?? null;
    if (d === null) return null;
    const t = formatPgText(d, c.type);
    return needsCanonical(c.type) ? canonicalField(t, c.type) : t;
  });
}

/**
 * The fingerprint field of a non-NULL source value whose canonical text (`canonicalField`) is
 * `text`: for a text
 * value, the bytes CockroachDB stored (char(n): without trailing spaces, as `canonicalField`), so
 * that a decoder which altered the text — dropped a BOM, replaced bytes — makes the fingerprints
 * differ instead of hashing its own output on both sides. Other types hash their text.
 */
export function sourceHashField(d: Exclude<Datum, null>, text: string, type: SqlType): string | Uint8Array {
  if (d.kind !== 'string' || d.raw === undefined) return text;
  const raw = d.raw;
  if (!isBpchar(type)) return raw;
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0x20) end--;
  return end === raw.length ? raw : raw.subarray(0, end);
}

/** `sourceHashField` of every column of a row, given its `sourceFieldTexts`. */
export function sourceHashFields(values: readonly Datum[], texts: readonly (string | null)[], columns: readonly HashColumn[]): HashField[] {
  return texts.map((t, i) => (t === null ? null : sourceHashField(values[i]!, t, columns[i]!.type)));
}
