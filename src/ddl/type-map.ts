/**
 * CockroachDB column type → PostgreSQL type text (shared/docs/competitors.md §d.1).
 * The width is trusted, not the spelling: `INT`/`INT8` → bigint, `INT4` → integer.
 * User-defined types and collations are resolved by the caller (they depend on the target naming).
 */
import type { SqlType } from '../model/sql-type.js';

export interface TypeMapContext {
  /** PostgreSQL type text for a user-defined type, or undefined when it is unknown. */
  readonly userType: (udt: NonNullable<SqlType['udt']>) => string | undefined;
  /** PostgreSQL collation text (already quoted) for a CockroachDB locale. */
  readonly collation: (locale: string) => string;
  /** Extensions available on the target (postgis, vector, citext, ltree). */
  readonly extensions: ReadonlySet<string>;
}

export interface MappedType {
  readonly pgType: string;
  /** Why the mapping changed the meaning (empty when the type converts as is). */
  readonly changes: readonly string[];
}

const OID_NAMES: Record<number, string> = {
  26: 'oid',
  2205: 'regclass',
  24: 'regproc',
  2202: 'regprocedure',
  2206: 'regtype',
  4089: 'regnamespace',
  4096: 'regrole',
};

function timePrec(t: SqlType, name: string): string {
  return t.timePrecisionIsSet ? `${name}(${t.precision})` : name;
}

function stringBase(t: SqlType): string {
  switch (t.oid) {
    case 1043:
      return t.width > 0 ? `varchar(${t.width})` : 'varchar';
    case 1042:
      return `char(${t.width > 0 ? t.width : 1})`;
    case 18:
      return '"char"';
    case 19:
      return 'name';
    default:
      return t.width > 0 ? `varchar(${t.width})` : 'text';
  }
}

/** Maps one type; `changes` explains anything that is not a plain rename. */
export function mapType(t: SqlType, ctx: TypeMapContext): MappedType {
  const changes: string[] = [];
  const inner = (x: SqlType): string => {
    switch (x.family) {
      case 'bool':
        return 'boolean';
      case 'int':
        return x.width === 16 ? 'smallint' : x.width === 32 ? 'integer' : 'bigint';
      case 'float':
        return x.width === 32 ? 'real' : 'double precision';
      case 'decimal':
        if (x.precision > 0) return x.width > 0 ? `numeric(${x.precision},${x.width})` : `numeric(${x.precision})`;
        return 'numeric';
      case 'date':
        return 'date';
      case 'time':
        return timePrec(x, 'time');
      case 'timetz':
        return timePrec(x, 'timetz');
      case 'timestamp':
        return timePrec(x, 'timestamp');
      case 'timestamptz':
        return timePrec(x, 'timestamptz');
      case 'interval': {
        const q = x.intervalQualifier ? ` ${x.intervalQualifier.toLowerCase()}` : '';
        return x.timePrecisionIsSet ? `interval${q}(${x.precision})` : `interval${q}`;
      }
      case 'string':
        return stringBase(x);
      case 'collatedstring': {
        if (x.locale === 'und-u-ks-level2' && ctx.extensions.has('citext')) return 'citext';
        return `${stringBase(x)} COLLATE ${ctx.collation(x.locale ?? 'und')}`;
      }
      case 'bytes':
        return 'bytea';
      case 'uuid':
        return 'uuid';
      case 'inet':
        return 'inet';
      case 'json':
        return 'jsonb';
      case 'jsonpath':
        return 'jsonpath';
      case 'bit':
        return x.oid === 1562 ? (x.width > 0 ? `varbit(${x.width})` : 'varbit') : `bit(${x.width > 0 ? x.width : 1})`;
      case 'oid': {
        const n = OID_NAMES[x.oid] ?? 'oid';
        if (n !== 'oid') changes.push(`${n} values are object ids of the source cluster and mean nothing on PostgreSQL`);
        return n;
      }
      case 'tsvector':
        return 'tsvector';
      case 'tsquery':
        return 'tsquery';
      case 'pglsn':
        return 'pg_lsn';
      case 'refcursor':
        return 'refcursor';
      case 'geometry':
      case 'geography':
      case 'box2d':
        if (ctx.extensions.has('postgis')) {
          if (x.family === 'box2d') return 'box2d';
          return x.geo && x.geo.srid > 0 ? `${x.family}(geometry,${x.geo.srid})` : x.family;
        }
        changes.push(
          `${x.family.toUpperCase()} needs the PostGIS extension; stored as text (EWKT) — install PostGIS and enable it to keep the spatial type`,
        );
        return 'text';
      case 'pgvector':
        if (ctx.extensions.has('vector')) return x.width > 0 ? `vector(${x.width})` : 'vector';
        changes.push('VECTOR needs the pgvector extension; stored as real[] — enable "vector" to keep the type');
        return 'real[]';
      case 'ltree':
        if (ctx.extensions.has('ltree')) return 'ltree';
        changes.push('LTREE needs the ltree extension; stored as text');
        return 'text';
      case 'enum':
      case 'tuple': {
        if (x.udt) {
          const name = ctx.userType(x.udt);
          if (name) return name;
          changes.push(`type ${x.udt.schema}.${x.udt.name} is not defined in the input (add SHOW CREATE ALL TYPES output); stored as text`);
          return 'text';
        }
        changes.push('anonymous tuple type stored as text');
        return 'text';
      }
      case 'array': {
        const e = x.arrayContents;
        if (!e) return 'text[]';
        if (e.family === 'collatedstring') return `${stringBase(e)}[] COLLATE ${ctx.collation(e.locale ?? 'und')}`;
        if (e.family === 'array') {
          changes.push('nested array flattened to one level');
        }
        const el = inner(e);
        return el.endsWith('[]') ? el : `${el}[]`;
      }
      case 'void':
      case 'unknown':
      case 'any':
      case 'trigger':
      case 'encodedkey':
        changes.push(`type family ${x.family} has no column equivalent; stored as text`);
        return 'text';
    }
  };
  const pgType = inner(t);
  return { pgType, changes };
}
