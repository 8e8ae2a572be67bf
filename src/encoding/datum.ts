/**
 * A decoded CockroachDB value, exact: 64-bit integers are bigint, decimals are text, timestamps
 * keep nanoseconds. `encoding/` produces these from key and value bytes; `copy/format.ts` renders
 * them as PostgreSQL COPY input; `verify/` hashes the rendering. SQL NULL is `null`.
 */
import type { SqlType } from '../model/sql-type.js';

export type Datum =
  | null
  | { readonly kind: 'bool'; readonly value: boolean }
  /** INT2/4/8, OID family, PG_LSN (unsigned, still bigint). */
  | { readonly kind: 'int'; readonly value: bigint }
  /** FLOAT4/8, incl. NaN, ±Infinity and -0. */
  | { readonly kind: 'float'; readonly value: number }
  /** DECIMAL as plain decimal text without exponent ("-12.3400", "0.001"), or "NaN", "Infinity", "-Infinity". */
  | { readonly kind: 'decimal'; readonly value: string }
  /**
   * STRING, VARCHAR, CHAR, "char", NAME, collated strings, REFCURSOR, JSONPATH, LTREE (text forms).
   * `raw`: the UTF-8 bytes CockroachDB stored (a view into the key/value bytes), set by every
   * decoder: the source fingerprint hashes these, not `value`, so a decode step that altered the
   * text would show as a mismatch. `invalidUtf8`: `raw` is not valid UTF-8 (`value` then holds
   * U+FFFD replacements); PostgreSQL cannot store it and the loader rejects the row.
   */
  | { readonly kind: 'string'; readonly value: string; readonly raw?: Uint8Array; readonly invalidUtf8?: true }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  /** Days since 1970-01-01; ±infinity as `infinity: 1 | -1` (days then meaningless). */
  | { readonly kind: 'date'; readonly days: bigint; readonly infinity?: 1 | -1 }
  /** Microseconds since midnight (24:00:00 allowed = 86400000000). */
  | { readonly kind: 'time'; readonly micros: bigint }
  /** Microseconds since midnight and the zone offset in seconds *east* of UTC (PostgreSQL sign). */
  | { readonly kind: 'timetz'; readonly micros: bigint; readonly offsetSecs: number }
  /** Seconds + nanoseconds since the Unix epoch, UTC. `infinity` for ±infinity. */
  | { readonly kind: 'timestamp' | 'timestamptz'; readonly seconds: bigint; readonly nanos: number; readonly infinity?: 1 | -1 }
  | { readonly kind: 'interval'; readonly months: bigint; readonly days: bigint; readonly nanos: bigint }
  | { readonly kind: 'uuid'; readonly value: Uint8Array }
  /** family 4 or 6; mask bits; address bytes (4 or 16). */
  | { readonly kind: 'inet'; readonly family: 4 | 6; readonly maskBits: number; readonly addr: Uint8Array }
  /** JSONB rendered as PostgreSQL's jsonb text output; `invalidUtf8` as for strings (a key or string is not UTF-8). */
  | { readonly kind: 'json'; readonly text: string; readonly invalidUtf8?: true }
  | { readonly kind: 'array'; readonly elemType: SqlType; readonly elements: readonly Datum[] }
  | { readonly kind: 'enum'; readonly label: string; readonly physical: Uint8Array }
  /** BIT/VARBIT as a string of '0'/'1'. */
  | { readonly kind: 'bit'; readonly bits: string }
  /** GEOMETRY/GEOGRAPHY as EWKB (with SRID when non-zero). */
  | { readonly kind: 'geo'; readonly ewkb: Uint8Array; readonly srid: number; readonly geography: boolean }
  | { readonly kind: 'box2d'; readonly loX: number; readonly hiX: number; readonly loY: number; readonly hiY: number }
  /** TSVECTOR / TSQUERY in PostgreSQL text form; `invalidUtf8` as for strings (a lexeme is not UTF-8). */
  | { readonly kind: 'tsvector' | 'tsquery'; readonly text: string; readonly invalidUtf8?: true }
  | { readonly kind: 'vector'; readonly values: Float32Array }
  | { readonly kind: 'tuple'; readonly elements: readonly Datum[] };

export type DatumKind = Exclude<Datum, null>['kind'];
