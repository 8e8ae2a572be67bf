/**
 * Parses a CockroachDB type name as `SHOW CREATE` prints it (`INT8`, `STRING(10)`, `DECIMAL(10,2)`,
 * `TIMESTAMPTZ(3)`, `STRING COLLATE en`, `INT8[]`, `db.public.status`, …) into a `SqlType`.
 * Names come from crdb: pkg/sql/types/types.go (`SQLString`) and the parser's type aliases.
 */
import { sqlType, type SqlType } from '../model/sql-type.js';
import { identName, isOp, isWord, type Token } from './tokenize.js';

export interface ParsedType {
  readonly type: SqlType;
  /** Index of the first token after the type. */
  readonly next: number;
  /** User-defined type reference as written (1–3 name parts), resolved later. */
  readonly userTypeName?: readonly string[];
}

interface Base {
  readonly family: SqlType['family'];
  readonly oid: number;
  readonly width?: number;
}

const NAMED: Record<string, Base> = {
  BOOL: { family: 'bool', oid: 16 },
  BOOLEAN: { family: 'bool', oid: 16 },
  INT8: { family: 'int', oid: 20, width: 64 },
  INT: { family: 'int', oid: 20, width: 64 },
  INT64: { family: 'int', oid: 20, width: 64 },
  BIGINT: { family: 'int', oid: 20, width: 64 },
  INTEGER: { family: 'int', oid: 20, width: 64 },
  INT4: { family: 'int', oid: 23, width: 32 },
  INT2: { family: 'int', oid: 21, width: 16 },
  SMALLINT: { family: 'int', oid: 21, width: 16 },
  SERIAL: { family: 'int', oid: 20, width: 64 },
  SERIAL8: { family: 'int', oid: 20, width: 64 },
  BIGSERIAL: { family: 'int', oid: 20, width: 64 },
  SERIAL4: { family: 'int', oid: 23, width: 32 },
  SERIAL2: { family: 'int', oid: 21, width: 16 },
  SMALLSERIAL: { family: 'int', oid: 21, width: 16 },
  FLOAT8: { family: 'float', oid: 701, width: 64 },
  FLOAT: { family: 'float', oid: 701, width: 64 },
  FLOAT4: { family: 'float', oid: 700, width: 32 },
  REAL: { family: 'float', oid: 700, width: 32 },
  DECIMAL: { family: 'decimal', oid: 1700 },
  NUMERIC: { family: 'decimal', oid: 1700 },
  DEC: { family: 'decimal', oid: 1700 },
  DATE: { family: 'date', oid: 1082 },
  TIME: { family: 'time', oid: 1083 },
  TIMETZ: { family: 'timetz', oid: 1266 },
  TIMESTAMP: { family: 'timestamp', oid: 1114 },
  TIMESTAMPTZ: { family: 'timestamptz', oid: 1184 },
  INTERVAL: { family: 'interval', oid: 1186 },
  STRING: { family: 'string', oid: 25 },
  TEXT: { family: 'string', oid: 25 },
  VARCHAR: { family: 'string', oid: 1043 },
  CHAR: { family: 'string', oid: 1042, width: 1 },
  CHARACTER: { family: 'string', oid: 1042, width: 1 },
  BPCHAR: { family: 'string', oid: 1042 },
  NAME: { family: 'string', oid: 19 },
  CITEXT: { family: 'string', oid: 0 },
  BYTES: { family: 'bytes', oid: 17 },
  BYTEA: { family: 'bytes', oid: 17 },
  BLOB: { family: 'bytes', oid: 17 },
  UUID: { family: 'uuid', oid: 2950 },
  INET: { family: 'inet', oid: 869 },
  JSON: { family: 'json', oid: 3802 },
  JSONB: { family: 'json', oid: 3802 },
  BIT: { family: 'bit', oid: 1560, width: 1 },
  VARBIT: { family: 'bit', oid: 1562 },
  OID: { family: 'oid', oid: 26 },
  REGCLASS: { family: 'oid', oid: 2205 },
  REGPROC: { family: 'oid', oid: 24 },
  REGPROCEDURE: { family: 'oid', oid: 2202 },
  REGTYPE: { family: 'oid', oid: 2206 },
  REGNAMESPACE: { family: 'oid', oid: 4089 },
  REGROLE: { family: 'oid', oid: 4096 },
  GEOMETRY: { family: 'geometry', oid: 90000 },
  GEOGRAPHY: { family: 'geography', oid: 90001 },
  BOX2D: { family: 'box2d', oid: 90002 },
  TSVECTOR: { family: 'tsvector', oid: 3614 },
  TSQUERY: { family: 'tsquery', oid: 3615 },
  PG_LSN: { family: 'pglsn', oid: 3220 },
  REFCURSOR: { family: 'refcursor', oid: 1790 },
  JSONPATH: { family: 'jsonpath', oid: 4072 },
  VECTOR: { family: 'pgvector', oid: 0 },
  LTREE: { family: 'ltree', oid: 0 },
  VOID: { family: 'void', oid: 2278 },
};

/** CITEXT is a collated string in CockroachDB (`und-u-ks-level2`). */
const CITEXT_LOCALE = 'und-u-ks-level2';

function numberArgs(toks: readonly Token[], i: number): { args: string[]; next: number } {
  if (!isOp(toks[i], '(')) return { args: [], next: i };
  const args: string[] = [];
  let j = i + 1;
  let cur = '';
  while (j < toks.length && !isOp(toks[j], ')')) {
    const t = toks[j]!;
    if (isOp(t, ',')) {
      args.push(cur);
      cur = '';
    } else cur += (cur && t.space ? ' ' : '') + t.text;
    j++;
  }
  args.push(cur);
  return { args, next: j + 1 };
}

const INTERVAL_FIELDS = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND'];

/** Parses a type starting at `toks[i]`. Unknown names are taken as user-defined type references. */
export function parseType(toks: readonly Token[], i: number): ParsedType {
  const first = toks[i];
  if (!first) throw new Error('type expected');
  let type: SqlType;
  let next = i + 1;
  let userTypeName: string[] | undefined;
  const up = first.kind === 'word' ? first.value.toUpperCase() : '';
  if (first.kind === 'qident' && first.value === 'char' && !isOp(toks[i + 1], '.')) {
    type = sqlType('string', { oid: 18, width: 1 });
  } else if (up === 'DOUBLE' && isWord(toks[i + 1], 'PRECISION')) {
    type = sqlType('float', { oid: 701, width: 64 });
    next = i + 2;
  } else if ((up === 'CHARACTER' || up === 'CHAR') && isWord(toks[i + 1], 'VARYING')) {
    const a = numberArgs(toks, i + 2);
    type = sqlType('string', { oid: 1043, width: a.args[0] ? Number(a.args[0]) : 0 });
    next = a.next;
  } else if (up === 'BIT' && isWord(toks[i + 1], 'VARYING')) {
    const a = numberArgs(toks, i + 2);
    type = sqlType('bit', { oid: 1562, width: a.args[0] ? Number(a.args[0]) : 0 });
    next = a.next;
  } else if (up && NAMED[up] && !isOp(toks[i + 1], '.')) {
    const b = NAMED[up]!;
    const a = numberArgs(toks, i + 1);
    next = a.next;
    const n0 = a.args[0] !== undefined ? Number(a.args[0]) : undefined;
    switch (b.family) {
      case 'decimal':
        type = sqlType('decimal', { oid: b.oid, precision: n0 ?? 0, width: a.args[1] !== undefined ? Number(a.args[1]) : 0 });
        break;
      case 'time':
      case 'timetz':
      case 'timestamp':
      case 'timestamptz': {
        let family = b.family;
        let oid = b.oid;
        // TIMESTAMP WITH TIME ZONE / WITHOUT TIME ZONE spellings.
        if (isWord(toks[next], 'WITH', 'WITHOUT') && isWord(toks[next + 1], 'TIME') && isWord(toks[next + 2], 'ZONE')) {
          if (isWord(toks[next], 'WITH')) {
            family = family === 'time' ? 'timetz' : family === 'timestamp' ? 'timestamptz' : family;
            oid = family === 'timetz' ? 1266 : 1184;
          }
          next += 3;
        }
        type = sqlType(family, { oid, precision: n0 ?? 6, timePrecisionIsSet: n0 !== undefined });
        break;
      }
      case 'interval': {
        let qualifier = '';
        while (isWord(toks[next], ...INTERVAL_FIELDS, 'TO')) {
          qualifier += (qualifier ? ' ' : '') + toks[next]!.value.toUpperCase();
          next++;
        }
        let prec = n0;
        if (qualifier && isOp(toks[next], '(')) {
          const q = numberArgs(toks, next);
          prec = Number(q.args[0]);
          next = q.next;
        }
        type = sqlType('interval', {
          oid: b.oid,
          precision: prec ?? 6,
          timePrecisionIsSet: prec !== undefined,
          ...(qualifier ? { intervalQualifier: qualifier } : {}),
        });
        break;
      }
      case 'geometry':
      case 'geography': {
        type = sqlType(b.family, { oid: b.oid, geo: { srid: a.args[1] ? Number(a.args[1]) : 0, shape: 0 } });
        break;
      }
      default:
        type = sqlType(b.family, { oid: b.oid, width: n0 ?? b.width ?? 0 });
        if (up === 'CITEXT') type = sqlType('collatedstring', { oid: 25, locale: CITEXT_LOCALE });
    }
  } else {
    // User-defined type: name[.name[.name]].
    userTypeName = [identName(first)];
    while (isOp(toks[next], '.') && toks[next + 1] && (toks[next + 1]!.kind === 'word' || toks[next + 1]!.kind === 'qident')) {
      userTypeName.push(identName(toks[next + 1]!));
      next += 2;
    }
    const n = userTypeName.length;
    type = sqlType('enum', {
      oid: 0,
      udt: { typeId: -1, schema: n >= 2 ? userTypeName[n - 2]! : 'public', name: userTypeName[n - 1]! },
    });
  }
  if (isWord(toks[next], 'COLLATE') && toks[next + 1]) {
    const loc = toks[next + 1]!;
    const locale = loc.kind === 'string' ? loc.value : loc.kind === 'qident' ? loc.value : loc.value;
    type = sqlType('collatedstring', { oid: type.oid || 25, width: type.width, locale });
    next += 2;
  }
  while (isOp(toks[next], '[') && isOp(toks[next + 1], ']')) {
    type = sqlType('array', { oid: 0, arrayContents: type });
    next += 2;
  }
  if (isWord(toks[next], 'ARRAY') && !isOp(toks[next + 1], '[')) {
    type = sqlType('array', { oid: 0, arrayContents: type });
    next += 1;
  }
  return userTypeName ? { type, next, userTypeName } : { type, next };
}
