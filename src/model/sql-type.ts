/**
 * A CockroachDB column type as the rest of the tool sees it: the decoded `InternalType`
 * (docs/formats.md §3.9; `crdb: pkg/sql/types/types.proto`) with user-defined types resolved.
 * Built by `catalog/` from descriptors (or by the SHOW CREATE parser in `schema/`), read by
 * `encoding/` (to decode keys/values), `schema/` (to map to PostgreSQL) and `copy/` (to render).
 */

/** `types.Family`, by the numbers in types.proto. */
export const TYPE_FAMILY_IDS = {
  bool: 0,
  int: 1,
  float: 2,
  decimal: 3,
  date: 4,
  timestamp: 5,
  interval: 6,
  string: 7,
  bytes: 8,
  timestamptz: 9,
  collatedstring: 10,
  oid: 12,
  unknown: 13,
  uuid: 14,
  array: 15,
  inet: 16,
  time: 17,
  json: 18,
  timetz: 19,
  tuple: 20,
  bit: 21,
  geometry: 22,
  geography: 23,
  enum: 24,
  box2d: 25,
  void: 26,
  encodedkey: 27,
  tsquery: 28,
  tsvector: 29,
  pglsn: 30,
  refcursor: 31,
  pgvector: 32,
  trigger: 33,
  jsonpath: 34,
  ltree: 35,
  any: 100,
} as const;

export type TypeFamily = keyof typeof TYPE_FAMILY_IDS;

export function familyFromId(id: number): TypeFamily | undefined {
  for (const [name, n] of Object.entries(TYPE_FAMILY_IDS)) if (n === id) return name as TypeFamily;
  return undefined;
}

/** One member of an enum type: the bytes stored in rows and keys, and the label users see. */
export interface EnumMember {
  readonly physical: Uint8Array;
  readonly label: string;
  /** false while the member is being added or dropped (READ_ONLY capability). */
  readonly writable: boolean;
}

export interface SqlType {
  readonly family: TypeFamily;
  /**
   * PostgreSQL OID as CockroachDB records it (20 int8, 23 int4, 1043 varchar, 1042 bpchar, 18 "char",
   * 19 name, 25 text, …; 100000+descID for user-defined types). 0 in pre-19.2 descriptors: then
   * `catalog/` derives it from family/width/visibleType.
   */
  readonly oid: number;
  /** INT: 16/32/64; FLOAT: 32/64; STRING/BIT: max length n (0 = unbounded); DECIMAL: scale. */
  readonly width: number;
  /** DECIMAL: precision (0 = unbounded); TIME/TIMESTAMP/TIMESTAMPTZ/TIMETZ/INTERVAL: fractional digits. */
  readonly precision: number;
  /** TIME/TIMESTAMP precision explicitly given (else default 6). */
  readonly timePrecisionIsSet: boolean;
  /** Collated strings: the locale (e.g. "en", "de-u-co-phonebk"). */
  readonly locale?: string;
  /** ARRAY: the element type. */
  readonly arrayContents?: SqlType;
  /** TUPLE / composite types: elements, and their labels where named. */
  readonly tupleContents?: readonly SqlType[];
  readonly tupleLabels?: readonly string[];
  /** INTERVAL qualifier (e.g. "YEAR TO MONTH"), when declared. */
  readonly intervalQualifier?: string;
  /** GEOMETRY/GEOGRAPHY: SRID (0 = unspecified) and shape (0 = any geometry). */
  readonly geo?: { readonly srid: number; readonly shape: number };
  /** User-defined types (enums, composites): resolved descriptor id, schema-qualified name, members. */
  readonly udt?: {
    readonly typeId: number;
    readonly schema: string;
    readonly name: string;
    readonly enumMembers?: readonly EnumMember[];
  };
  /** Legacy `visible_type` of pre-19.2 descriptors (e.g. VARCHAR vs STRING); 0 when absent. */
  readonly visibleType: number;
}

/** Convenience constructor with defaults; used by tests and the DDL parser. */
export function sqlType(family: TypeFamily, fields: Partial<Omit<SqlType, 'family'>> = {}): SqlType {
  return Object.freeze({
    family,
    oid: fields.oid ?? 0,
    width: fields.width ?? 0,
    precision: fields.precision ?? 0,
    timePrecisionIsSet: fields.timePrecisionIsSet ?? false,
    visibleType: fields.visibleType ?? 0,
    ...fields,
  });
}
