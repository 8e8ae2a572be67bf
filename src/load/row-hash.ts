/**
 * The row fingerprint shared by the loader (computed in Node over the text PostgreSQL will store)
 * and the verifier (computed by SQL over what PostgreSQL did store). Each non-NULL field is
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

// `crypto.hash` (Node ≥ 20.12) is a one-shot digest without a Hash object per row.
const md5OneShot: ((s: string) => Buffer) | undefined =
  typeof oneShotHash === 'function' ? (s) => oneShotHash('md5', s, 'buffer') : undefined;

export function rowHash(fields: readonly (string | null)[]): bigint {
  const text = rowText(fields);
  const digest = md5OneShot ? md5OneShot(text) : createHash('md5').update(text, 'utf8').digest();
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
 * Canonical texts of one source row (NULL → null), as the loader hashes them. Throws for a value
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
