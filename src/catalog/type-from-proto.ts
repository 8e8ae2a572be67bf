/**
 * `InternalType` (as decoded from descriptors) → SqlType, including the pre-19.2 upgrade that
 * CockroachDB applies on read (`crdb: pkg/sql/types/types.go` `upgradeType`): `visible_type` →
 * width/OID, legacy families NAME (11), INT2VECTOR (200), OIDVECTOR (201), arrays whose element
 * type is in `array_elem_type` (field 7), and OID 0 → the family's default OID (§3.9).
 */
import type { TypeProto } from '../proto/descriptor.js';
import { quoteIdent } from './expr-rewrite.js';
import { familyFromId, sqlType, type EnumMember, type SqlType, type TypeFamily } from '../model/sql-type.js';

/** Legacy `visible_type` values (pre-19.2 ColumnType.VisibleType). */
const VISIBLE = {
  NONE: 0,
  INTEGER: 1,
  SMALLINT: 2,
  BIGINT: 3,
  BIT: 4,
  REAL: 5,
  DOUBLE: 6,
  VARCHAR: 7,
  CHAR: 8,
  QCHAR: 9,
  VARBIT: 10,
} as const;

/** `familyToOid` for families whose OID does not depend on width. */
const FAMILY_OID: Partial<Record<TypeFamily, number>> = {
  bool: 16,
  int: 20,
  float: 701,
  decimal: 1700,
  date: 1082,
  timestamp: 1114,
  interval: 1186,
  string: 25,
  bytes: 17,
  timestamptz: 1184,
  collatedstring: 25,
  oid: 26,
  unknown: 705,
  uuid: 2950,
  inet: 869,
  time: 1083,
  json: 3802,
  timetz: 1266,
  tuple: 2249,
  bit: 1560,
  void: 2278,
  tsquery: 3615,
  tsvector: 3614,
  pglsn: 3220,
  refcursor: 1790,
  jsonpath: 4072,
};

/** Element OID → array OID (`CalcArrayOid`, PostgreSQL's typarray). */
const ARRAY_OID: Record<number, number> = {
  16: 1000,
  17: 1001,
  18: 1002,
  19: 1003,
  20: 1016,
  21: 1005,
  23: 1007,
  25: 1009,
  26: 1028,
  700: 1021,
  701: 1022,
  869: 1041,
  1042: 1014,
  1043: 1015,
  1082: 1182,
  1083: 1183,
  1114: 1115,
  1184: 1185,
  1186: 1187,
  1266: 1270,
  1560: 1561,
  1562: 1563,
  1700: 1231,
  2950: 2951,
  3802: 3807,
  3614: 3643,
  3615: 3645,
  3220: 3221,
  1790: 2201,
};

/** User-defined type OIDs are 100000 + descriptor id (`catid.TypeIDToOID`). */
export const UDT_OID_OFFSET = 100000;

export interface UdtInfo {
  readonly schema: string;
  readonly name: string;
  readonly enumMembers?: readonly EnumMember[];
  /** Composite types: element types and labels. */
  readonly composite?: { readonly types: readonly SqlType[]; readonly labels: readonly string[] };
}

/** Raised for a type family this tool does not know; the caller adds database.table.column. */
export class UnknownTypeFamily extends Error {
  constructor(
    readonly familyId: number,
    readonly oid: number,
  ) {
    super(`unknown type family ${familyId} (oid ${oid})`);
  }
}

/**
 * Converts a decoded InternalType. `udt(typeId)` resolves user-defined types (enum/composite);
 * returns undefined when unknown (the type keeps its family and id, without members).
 */
export function sqlTypeFromProto(p: TypeProto, udt: (typeId: number) => UdtInfo | undefined = () => undefined): SqlType {
  let famId = p.family;
  let oid = p.oid;
  let width = p.width;
  let precision = p.precision;
  let timePrecisionIsSet = p.time_precision_is_set;
  let locale = p.locale !== undefined && p.locale !== '' ? p.locale : undefined;
  let arrayContents: SqlType | undefined;

  // Legacy families.
  if (famId === 11) {
    famId = locale !== undefined ? 10 : 7;
    oid = 19;
  } else if (famId === 200) {
    return mk('array', { oid: 22, arrayContents: mk('int', { oid: 21, width: 16 }) });
  } else if (famId === 201) {
    return mk('array', { oid: 30, arrayContents: mk('oid', { oid: 26 }) });
  }
  const family = familyFromId(famId);
  if (family === undefined) throw new UnknownTypeFamily(famId, oid);

  switch (family) {
    case 'int':
      if (oid === 0) {
        if (p.visible_type === VISIBLE.SMALLINT) [width, oid] = [16, 21];
        else if (p.visible_type === VISIBLE.INTEGER) [width, oid] = [32, 23];
        else if (p.visible_type === VISIBLE.BIGINT) [width, oid] = [64, 20];
        else if (width === 16) oid = 21;
        else if (width === 32) oid = 23;
        else [width, oid] = [64, 20];
      }
      break;
    case 'float':
      if (oid === 0) {
        if (p.visible_type === VISIBLE.REAL || width === 32) [width, oid] = [32, 700];
        else if (width === 64) oid = 701;
        else if (precision >= 1 && precision <= 24) [width, oid] = [32, 700];
        else [width, oid] = [64, 701];
        precision = 0;
      }
      break;
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz':
    case 'interval':
      if (precision === -1) [precision, timePrecisionIsSet] = [0, false];
      if (precision > 0) timePrecisionIsSet = true;
      break;
    case 'string':
    case 'collatedstring':
      if (oid === 0) {
        if (p.visible_type === VISIBLE.VARCHAR) oid = 1043;
        else if (p.visible_type === VISIBLE.CHAR) oid = 1042;
        else if (p.visible_type === VISIBLE.QCHAR) oid = 18;
        else oid = 25;
      }
      break;
    case 'bit':
      if (oid === 0) oid = p.visible_type === VISIBLE.VARBIT ? 1562 : 1560;
      break;
    case 'array':
      if (p.array_contents) {
        arrayContents = sqlTypeFromProto(p.array_contents, udt);
      } else if (p.array_elem_type !== undefined) {
        // Pre-19.2: the element type's width/locale/visible type sit on the array type itself.
        arrayContents = sqlTypeFromProto(
          { ...p, family: p.array_elem_type, oid: 0, tuple_contents: p.tuple_contents, array_elem_type: undefined } as TypeProto,
          udt,
        );
      }
      if (oid === 0 && arrayContents) oid = ARRAY_OID[arrayContents.oid] ?? 0;
      width = 0;
      precision = 0;
      locale = undefined;
      break;
    default:
      break;
  }
  if (oid === 0) oid = FAMILY_OID[family] ?? 0;

  const fields: Partial<Omit<SqlType, 'family'>> & { oid: number } = {
    oid,
    width,
    precision,
    timePrecisionIsSet,
    visibleType: p.visible_type,
  };
  const extra: Record<string, unknown> = {};
  if (locale !== undefined && family === 'collatedstring') extra['locale'] = locale;
  if (arrayContents) extra['arrayContents'] = arrayContents;
  if (p.tuple_contents.length > 0) extra['tupleContents'] = p.tuple_contents.map((t) => sqlTypeFromProto(t, udt));
  if (p.tuple_labels.length > 0) extra['tupleLabels'] = p.tuple_labels;
  if (p.interval_duration_field) {
    const q = intervalQualifier(p.interval_duration_field.duration_type, p.interval_duration_field.from_duration_type);
    if (q) extra['intervalQualifier'] = q;
  }
  if (p.geo_metadata) extra['geo'] = { srid: p.geo_metadata.srid, shape: p.geo_metadata.shape_type };
  if ((family === 'enum' || family === 'tuple') && oid >= UDT_OID_OFFSET) {
    const typeId = oid - UDT_OID_OFFSET;
    const info = udt(typeId);
    extra['udt'] = {
      typeId,
      schema: info?.schema ?? '',
      name: info?.name ?? `@${oid}`,
      ...(info?.enumMembers ? { enumMembers: info.enumMembers } : {}),
    };
    if (info?.composite && family === 'tuple') {
      extra['tupleContents'] = info.composite.types;
      extra['tupleLabels'] = info.composite.labels;
    }
  }
  return mk(family, { ...fields, ...(extra as Partial<SqlType>) });
}

const mk = sqlType;

/** `IntervalDurationType`: 0 UNSET, 1 YEAR, 2 MONTH, 3 DAY, 4 HOUR, 5 MINUTE, 6 SECOND, 7 MILLISECOND. */
function intervalQualifier(to: number, from: number): string | undefined {
  const names = ['', 'YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND'];
  const t = names[to] ?? '';
  const f = names[from] ?? '';
  if (t === '') return undefined;
  return f !== '' ? `${f} TO ${t}` : t;
}

/** A short CockroachDB-style type name (`INT8`, `STRING(100)`, `DECIMAL(10,2)`, `public.status[]`). */
export function sqlTypeName(t: SqlType): string {
  switch (t.family) {
    case 'int':
      return t.width === 16 ? 'INT2' : t.width === 32 ? 'INT4' : 'INT8';
    case 'float':
      return t.width === 32 ? 'FLOAT4' : 'FLOAT8';
    case 'decimal':
      return t.precision > 0 ? (t.width > 0 ? `DECIMAL(${t.precision},${t.width})` : `DECIMAL(${t.precision})`) : 'DECIMAL';
    case 'string':
    case 'collatedstring': {
      const base = t.oid === 1043 ? 'VARCHAR' : t.oid === 1042 ? 'CHAR' : t.oid === 18 ? '"char"' : t.oid === 19 ? 'NAME' : 'STRING';
      const w = t.width > 0 && !((t.oid === 1042 || t.oid === 18) && t.width === 1) ? `(${t.width})` : '';
      return `${base}${w}${t.locale ? ` COLLATE ${t.locale}` : ''}`;
    }
    case 'bit':
      return `${t.oid === 1562 ? 'VARBIT' : 'BIT'}${t.width > 0 ? `(${t.width})` : ''}`;
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz':
      return `${t.family.toUpperCase()}${t.timePrecisionIsSet ? `(${t.precision})` : ''}`;
    case 'interval':
      return `INTERVAL${t.intervalQualifier ? ` ${t.intervalQualifier}` : ''}${t.timePrecisionIsSet ? `(${t.precision})` : ''}`;
    case 'json':
      return 'JSONB';
    case 'array':
      return t.arrayContents ? `${sqlTypeName(t.arrayContents)}[]` : 'ARRAY';
    case 'enum':
    case 'tuple':
      if (t.udt) return t.udt.schema ? `${quoteIdent(t.udt.schema)}.${quoteIdent(t.udt.name)}` : quoteIdent(t.udt.name);
      return t.family === 'tuple' ? 'RECORD' : 'ENUM';
    case 'geometry':
    case 'geography':
      return t.family.toUpperCase();
    default:
      return t.family.toUpperCase();
  }
}
