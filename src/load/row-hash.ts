/**
 * The row fingerprint shared by the loader (computed in Node over the text PostgreSQL will store)
 * and the verifier (computed by SQL over what PostgreSQL did store). Each non-NULL field is
 * length-prefixed (UTF-8 bytes) so that field boundaries are unambiguous; NULL is `N`. The row
 * hash is the first 64 bits of MD5 read as a signed integer — PostgreSQL's
 * `('x' || substr(md5(t), 1, 16))::bit(64)::bigint` — and a table's fingerprint is the exact sum
 * (no wrap-around) plus the row count, which is order-independent.
 */
import { createHash } from 'node:crypto';
import { quoteIdent } from '../ddl/quote.js';

export function rowText(fields: readonly (string | null)[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i > 0) s += ',';
    s += f === null ? 'N' : `${Buffer.byteLength(f, 'utf8')}:${f}`;
  }
  return s;
}

export function rowHash(fields: readonly (string | null)[]): bigint {
  const digest = createHash('md5').update(rowText(fields), 'utf8').digest();
  return digest.readBigInt64BE(0);
}

/**
 * SQL expression computing `rowText` of the given columns of the current row. Values are turned
 * into text with `concat()`, which calls each type's output function — exactly what COPY and
 * SELECT print. A plain `::text` cast is not the same for some types: boolean gives
 * 'true'/'false', inet always shows the netmask, char(n) drops its padding.
 */
export function sqlRowText(columns: readonly string[]): string {
  if (columns.length === 0) return `''`;
  return columns
    .map((c) => {
      const q = quoteIdent(c);
      return `CASE WHEN ${q} IS NULL THEN 'N' ELSE octet_length(concat(${q}))::text || ':' || concat(${q}) END`;
    })
    .join(` || ',' || `);
}

/** SQL expression computing `rowHash` of the current row. */
export function sqlRowHash(columns: readonly string[]): string {
  return `('x' || substr(md5(${sqlRowText(columns)}), 1, 16))::bit(64)::bigint`;
}

/**
 * Session settings under which `::text` output equals `formatPgText` (ISO dates, UTC, the
 * default interval style, shortest round-trip floats, hex bytea).
 */
export const CANONICAL_SESSION_SQL =
  "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'";
