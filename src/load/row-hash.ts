/**
 * The row fingerprint shared by the loader (computed in Node from each value as PostgreSQL will
 * store it — for text columns from the bytes CockroachDB stored, see `storedTextBytes`) and the verifier
 * (computed by SQL over what PostgreSQL did store).
 *
 * Definition (`FINGERPRINT_DEFINITION`, recorded with a run's resume state): each non-NULL field
 * of column position p (1-based) hashes to a PostgreSQL hash function seeded with p, so that equal
 * values in two columns (or two values swapped between columns) do not cancel; a NULL field hashes
 * to 0. Which function depends on the column's PostgreSQL type (`fieldHashKind`):
 * - integers, uuid, timestamp(tz), and non-zero floats: the type's own extended hash function
 *   (`hashint8extended`, `uuid_hash_extended`, `timestamp_hash_extended`, `hashfloat8extended`…),
 *   over the *value* PostgreSQL stored. No output text is rendered on either side, and a value
 *   the text path would have rendered and parsed back equal (a float printed with too few digits,
 *   a timestamp rounded twice) still differs. Float zeros hash their text ('0' or '-0'), because
 *   `hashfloat8extended` makes -0 and 0 equal.
 * - every other type: `hashtextextended(field text, p)`, PostgreSQL's lookup3 hash of the bytes of
 *   the value's output text (canonical form below).
 * The row hash is
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
import { binaryKind, pgTimestampMicros } from '../copy/binary.js';
import { hashOut, pgHashBytes, pgHashString, pgHashUint32 } from './pg-hash.js';

export interface HashColumn {
  readonly pgName: string;
  readonly type: SqlType;
  /** The column's PostgreSQL type as the converter wrote it; without it every field hashes its text. */
  readonly pgType?: string;
}

/**
 * What the fingerprint is, recorded in a run's resume state (run-state.ts): a resume whose
 * recorded fingerprints were computed another way is refused instead of reported as a mismatch.
 */
export const FINGERPRINT_DEFINITION =
  'sum of per-row XOR of per-field hashes seeded with the column position: the type hash of integers, uuid, timestamps and non-zero floats, hashtextextended of the output text otherwise';

/**
 * How a column's fields are hashed: by value with the PostgreSQL type's own extended hash
 * function, or (`text`) by their output text. Chosen from the PostgreSQL type the converter wrote
 * (the same choice as COPY BINARY's), so both sides agree on it.
 */
export type FieldHashKind = 'int2' | 'int4' | 'int8' | 'float4' | 'float8' | 'uuid' | 'timestamp' | 'timestamptz' | 'text';

export function fieldHashKind(c: HashColumn): FieldHashKind {
  const k = c.pgType === undefined ? undefined : binaryKind(c.pgType, c.type);
  switch (k) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'float4':
    case 'float8':
    case 'uuid':
      return k;
    case 'timestamp':
      return /^timestamptz/.test(c.pgType!) ? 'timestamptz' : 'timestamp';
    default:
      return 'text';
  }
}

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

/** Sets `hashOut` to `hashtextextended` of a field's text or stored bytes, for column index `i` (0-based). */
function fieldHash(f: string | Uint8Array, i: number): void {
  if (typeof f === 'string') pgHashString(f, 0, i + 1);
  else pgHashBytes(f, 0, f.length, 0, i + 1);
}

/** A row hash as PostgreSQL's signed bigint, from its high and low 32 bits. */
const toInt64 = (hi: number, lo: number): bigint => BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));

/** `hashint8extended` of the 64-bit integer whose high (signed) and low 32 bits are `hi` and `lo`. */
function hashInt64Halves(hi: number, lo: number, seed: number): void {
  // PostgreSQL folds the high half into the low one (complemented for negatives) and hashes that
  // word, so int2, int4 and int8 of equal value hash equal.
  pgHashUint32(hi >= 0 ? lo ^ hi : lo ^ ~hi, 0, seed);
}

/** `hashint8extended` of an exact integer (a number while it is a safe integer). */
function hashInt64(v: number | bigint, seed: number): void {
  if (typeof v === 'number') {
    const hi = Math.floor(v / 0x1_0000_0000);
    hashInt64Halves(hi, v - hi * 0x1_0000_0000, seed);
  } else hashInt64Halves(Number(BigInt.asIntN(32, v >> 32n)), Number(BigInt.asUintN(32, v)), seed);
}

/** One float8 in the little-endian memory order `hashfloat8extended` hashes (checkServerHash refuses big-endian servers). */
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/** `hashfloat8extended` of a non-zero float; a zero hashes its text, '0' or '-0' (see file comment). */
function hashFloat(v: number, seed: number): void {
  if (v === 0) return pgHashString(Object.is(v, -0) ? '-0' : '0', 0, seed);
  if (Number.isNaN(v)) {
    // PostgreSQL hashes every NaN as its one NaN, get_float8_nan(): the quiet NaN 0x7ff8000000000000.
    floatView.setUint32(0, 0, true);
    floatView.setUint32(4, 0x7ff80000, true);
  } else floatView.setFloat64(0, v, true);
  pgHashBytes(floatBytes, 0, 8, 0, seed);
}

type TimestampDatum = Extract<Datum, { kind: 'timestamp' | 'timestamptz' }>;

/** `timestamp_hash_extended`: the µs since 2000 PostgreSQL stores, ±infinity as int64's extremes. */
function hashTimestamp(d: TimestampDatum, seed: number): void {
  if (d.infinity === 1) hashInt64Halves(0x7fffffff, 0xffffffff, seed);
  else if (d.infinity === -1) hashInt64Halves(-0x80000000, 0, seed);
  else hashInt64(pgTimestampMicros(d.seconds, d.nanos), seed);
}

/**
 * The source side of the fingerprint for one table's columns: each field hashed as
 * `fieldHashKind` says, text columns over the bytes CockroachDB stored (`storedTextBytes`).
 * Values must be ones the loader accepts (checked by its encoders, or `sourceFieldTexts`).
 */
export class SourceRowHasher {
  readonly kinds: readonly FieldHashKind[];
  private readonly types: readonly SqlType[];
  private readonly canon: readonly boolean[];
  constructor(columns: readonly HashColumn[]) {
    this.kinds = columns.map(fieldHashKind);
    this.types = columns.map((c) => c.type);
    this.canon = columns.map((c) => needsCanonical(c.type));
  }

  /**
   * Sets `hashOut` to the hash of the non-NULL value `d` of column index `i`. `text`: the value's
   * PostgreSQL output text when the caller rendered it already (used only by text-hashed columns).
   */
  field(i: number, d: Exclude<Datum, null>, text?: string): void {
    const seed = i + 1;
    const kind = this.kinds[i]!;
    switch (kind) {
      case 'int2':
      case 'int4':
      case 'int8': {
        if (d.kind !== 'int') break;
        const n = Number(d.value);
        return hashInt64(Number.isSafeInteger(n) ? n : d.value, seed);
      }
      case 'float4':
        // hashfloat4extended hashes the float4 widened to float8.
        if (d.kind === 'float') return hashFloat(Math.fround(d.value), seed);
        break;
      case 'float8':
        if (d.kind === 'float') return hashFloat(d.value, seed);
        break;
      case 'uuid':
        if (d.kind === 'uuid' && d.value.length === 16) return pgHashBytes(d.value, 0, 16, 0, seed);
        break;
      case 'timestamp':
      case 'timestamptz':
        if (d.kind === 'timestamp' || d.kind === 'timestamptz') return hashTimestamp(d, seed);
        break;
      case 'text': {
        const type = this.types[i]!;
        if (d.kind === 'string' && d.raw !== undefined) return fieldHash(storedTextBytes(d.raw, type), i);
        const t = text ?? formatPgText(d, type);
        return fieldHash(this.canon[i] ? canonicalField(t, type) : t, i);
      }
    }
    throw new LoadError(`fingerprint: column ${seed} is hashed as ${kind}, but the decoder gave a ${d.kind} value (internal error)`);
  }

  /** The row hash of a row's values (NULL fields add nothing), as PostgreSQL's signed bigint. */
  row(values: readonly Datum[]): bigint {
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < this.kinds.length; i++) {
      const d = values[i] ?? null;
      if (d === null) continue;
      this.field(i, d);
      hi ^= hashOut.hi;
      lo ^= hashOut.lo;
    }
    return toInt64(hi, lo);
  }
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
  // netmask, char(n) drops its padding. A text or varchar value is its own text: used as it is,
  // without concat()'s copy (a quarter of the scan's cost per text column).
  if (c.pgType !== undefined && binaryKind(c.pgType, c.type) === 'text') return q;
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

/** The int hash function PostgreSQL provides for each integer width (all three fold to one value hash). */
const SQL_INT_HASH = { int2: 'hashint2extended', int4: 'hashint4extended', int8: 'hashint8extended' } as const;

/** SQL expression of one non-NULL-safe field hash (0 for NULL) of column `c` at position `p`, as `SourceRowHasher.field`. */
function sqlFieldHash(c: HashColumn, p: number): string {
  const q = quoteIdent(c.pgName);
  const kind = fieldHashKind(c);
  switch (kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      return `coalesce(${SQL_INT_HASH[kind]}(${q}, ${p}), 0)`;
    case 'float4':
    case 'float8':
      // hashfloat8extended makes -0 equal to 0; zeros hash their text instead ('0' or '-0').
      return `coalesce(CASE WHEN ${q} = 0 THEN hashtextextended(${q}::text COLLATE "C", ${p}) ELSE hash${kind}extended(${q}, ${p}) END, 0)`;
    case 'uuid':
      return `coalesce(uuid_hash_extended(${q}, ${p}), 0)`;
    case 'timestamp':
      return `coalesce(timestamp_hash_extended(${q}, ${p}), 0)`;
    case 'timestamptz':
      // Under the canonical session's TimeZone UTC the cast keeps the stored microseconds.
      return `coalesce(timestamp_hash_extended(${q}::timestamp, ${p}), 0)`;
    case 'text':
      // num_nulls, not IS NULL: a composite whose fields are all NULL "IS NULL" but is a value.
      // COLLATE "C": hashtextextended hashes the bytes under any deterministic collation, but needs one.
      return `(CASE WHEN num_nulls(${q}) = 1 THEN 0 ELSE hashtextextended(${sqlFieldText(c)} COLLATE "C", ${p}) END)`;
  }
}

/** SQL expression computing `SourceRowHasher.row` of the current row (a bigint). */
export function sqlRowHash(columns: readonly HashColumn[]): string {
  if (columns.length === 0) return '0::bigint';
  return `(${columns.map((c, i) => sqlFieldHash(c, i + 1)).join(' # ')})`;
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
 * The fingerprint bytes of a text value: the bytes CockroachDB stored (char(n): without trailing
 * spaces, as `canonicalField`), so that a decoder which altered the text — dropped a BOM, replaced
 * bytes — makes the fingerprints differ instead of hashing its own output on both sides.
 */
function storedTextBytes(raw: Uint8Array, type: SqlType): Uint8Array {
  if (!isBpchar(type)) return raw;
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0x20) end--;
  return end === raw.length ? raw : raw.subarray(0, end);
}
