/**
 * The row fingerprint shared by the loader (computed in Node over the text PostgreSQL will store —
 * for text columns over the bytes CockroachDB stored, see `sourceHashField`) and the verifier
 * (computed by SQL over what PostgreSQL did store).
 *
 * Definition (`FINGERPRINT_DEFINITION`, recorded with a run's resume state): each non-NULL field
 * of column position p (1-based) hashes to `hashtextextended(field text, p)` — PostgreSQL's 64-bit
 * lookup3 hash of the text's bytes, seeded with the position so that equal values in two columns
 * (or two values swapped between columns) do not cancel; a NULL field hashes to 0. The row hash is
 * the XOR of its field hashes, read as a signed 64-bit integer, and a table's fingerprint is the
 * exact sum of its row hashes (no wrap-around, so no cancellation modulo 2^64) plus the row count,
 * which is order-independent: a multiset of rows has one fingerprint whatever order COPY or a scan
 * sees them in. Node computes the hash itself (pg-hash.ts), PostgreSQL with a built-in function and
 * `sum(bigint)` — a fraction of the cost of the `md5` of a row string used before.
 *
 * Canonical text: the field text is PostgreSQL's output function text of the *stored* value. For
 * most types `formatPgText` already produces exactly that. Where the value PostgreSQL stores is a
 * normalisation of what was sent, both sides are brought to one canonical form here:
 * - char(n) (bpchar): PostgreSQL pads to n; trailing spaces are insignificant for bpchar, so both
 *   sides drop them (SQL: `rtrim(…, ' ')`).
 * - numeric: `-0` is stored as `0`; with a declared scale, PostgreSQL pads/rounds the fraction to
 *   that scale (half away from zero) — the source text is brought to the same form.
 */
import type pg from 'pg';
import type { SqlType } from '../model/sql-type.js';
import { formatPgText } from '../copy/format.js';
import { quoteIdent } from '../util/sql-quote.js';
import { LoadError } from '../util/errors.js';
import type { Datum } from '../encoding/datum.js';
import { hashOut, pgHashBytes, pgHashString } from './pg-hash.js';

export interface HashColumn {
  readonly pgName: string;
  readonly type: SqlType;
}

/**
 * What the fingerprint is, recorded in a run's resume state (run-state.ts): a resume whose
 * recorded fingerprints were computed another way is refused instead of reported as a mismatch.
 */
export const FINGERPRINT_DEFINITION = 'sum of per-row XOR of hashtextextended(field text, column position)';

/** Length-prefixed text of fields (`3:abc,N,…`): the key text that findDifferingKeys buckets and shows. */
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

/** Sets `hashOut` to the hash of a non-NULL field of column index `i` (0-based). */
export function fieldHash(f: string | Uint8Array, i: number): void {
  if (typeof f === 'string') pgHashString(f, 0, i + 1);
  else pgHashBytes(f, 0, f.length, 0, i + 1);
}

/** A row hash as PostgreSQL's signed bigint, from its high and low 32 bits. */
const toInt64 = (hi: number, lo: number): bigint => BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));

export function rowHash(fields: readonly HashField[]): bigint {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f === null) continue;
    fieldHash(f, i);
    hi ^= hashOut.hi;
    lo ^= hashOut.lo;
  }
  return toInt64(hi, lo);
}

/**
 * The exact sum of signed 64-bit row hashes, added as two 32-bit halves in float64 (exact up to
 * 2^20 rows between flushes) instead of one BigInt addition per row.
 */
export class FingerprintSum {
  private hi = 0;
  private lo = 0;
  private pending = 0;
  private flushed = 0n;

  /** Adds the row hash whose high and low 32 bits are `hi` and `lo`. */
  add(hi: number, lo: number): void {
    this.hi += hi | 0;
    this.lo += lo >>> 0;
    if (++this.pending === 1 << 20) this.flush();
  }

  addBigInt(h: bigint): void {
    this.add(Number(BigInt.asIntN(32, h >> 32n)), Number(BigInt.asUintN(32, h)));
  }

  private flush(): void {
    this.flushed += (BigInt(this.hi) << 32n) + BigInt(this.lo);
    this.hi = 0;
    this.lo = 0;
    this.pending = 0;
  }

  get total(): bigint {
    this.flush();
    return this.flushed;
  }
}

const PROBES = [
  '',
  'a',
  'abcd',
  'abcdefgh',
  'abcdefghijk',
  'abcdefghijkl',
  '2024-01-02 03:04:05.123456+00',
  '\ufeffÄ€𝄞 ✓ ſ',
  'x'.repeat(100),
];
const checkedClients = new WeakSet<object>();

/**
 * Refuses a server whose `hashtextextended` is not the one pg-hash.ts computes (a big-endian
 * server hashes other words): its fingerprints could never match, and a mismatch would wrongly
 * blame the data. Once per client.
 */
export async function checkServerHash(client: pg.ClientBase): Promise<void> {
  if (checkedClients.has(client)) return;
  const r = await client.query<{ h: string[] }>(
    `SELECT array_agg(hashtextextended(p COLLATE "C", s)::text ORDER BY o) AS h FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS x(p, s, o)`,
    [PROBES, PROBES.map((_, i) => i * 7)],
  );
  const theirs = r.rows[0]?.h ?? [];
  PROBES.forEach((p, i) => {
    pgHashString(p, 0, i * 7);
    const ours = toInt64(hashOut.hi, hashOut.lo).toString();
    if (theirs[i] !== ours) {
      throw new LoadError(
        `cannot verify: this PostgreSQL server's hashtextextended(${JSON.stringify(p)}, ${i * 7}) is ${theirs[i]}, the fingerprint expects ${ours} (a big-endian server?)`,
        'rerun with --skip-validation, or verify against a little-endian PostgreSQL',
      );
    }
  });
  checkedClients.add(client);
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

/** SQL expression computing `rowHash` of the current row (a bigint). */
export function sqlRowHash(columns: readonly HashColumn[]): string {
  if (columns.length === 0) return '0::bigint';
  // num_nulls, not IS NULL: a composite whose fields are all NULL "IS NULL" but is a value.
  // COLLATE "C": hashtextextended hashes the bytes under any deterministic collation, but needs one.
  const fields = columns.map(
    (c, i) =>
      `(CASE WHEN num_nulls(${quoteIdent(c.pgName)}) = 1 THEN 0 ELSE hashtextextended(${sqlFieldText(c)} COLLATE "C", ${i + 1}) END)`,
  );
  return `(${fields.join(' # ')})`;
}

/**
 * Session settings under which the output functions print what `formatPgText` renders (ISO
 * dates, UTC, the default interval style, shortest round-trip floats, hex bytea).
 */
export const CANONICAL_SESSION_SQL =
  "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'";

/** Gives the settings `CANONICAL_SESSION_SQL` changes back to the session's own. */
export const RESET_CANONICAL_SESSION_SQL =
  'RESET DateStyle; RESET TimeZone; RESET IntervalStyle; RESET extra_float_digits; RESET bytea_output';

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
