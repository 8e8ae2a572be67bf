/**
 * State shared while converting one target PostgreSQL database: naming scopes, the CockroachDB →
 * PostgreSQL name maps, collected statements and the decision log.
 */
import type { Catalog, Table } from '../model/catalog.js';
import type { SqlType } from '../model/sql-type.js';
import type { ParsedType } from '../show-create/parse-type.js';
import { mapType } from './type-map.js';
import type { ExprContext } from './translate-expr.js';
import type { DecisionLog } from './decision.js';
import { NameScope } from './names.js';
import { quoteIdent, quoteQualified } from '../util/sql-quote.js';
import type { PgName, PostDataItem, PreDataItem } from './target.js';

export interface ConvertOptions {
  /** Each CockroachDB database → its own PostgreSQL database (default), or all into one database, one schema per CockroachDB schema. */
  readonly databaseMapping: 'database-per-database' | { readonly schemaOf: string };
  /** The hidden `rowid` primary key of tables created without one: keep as bigint with a sequence default, or drop. */
  readonly rowid: 'keep' | 'drop';
  /** VIRTUAL computed columns: STORED generated columns, or left out of the table and computed by a view. */
  readonly virtualComputed: 'stored' | 'view';
  /** Collated strings: ICU collations created on the target (default), or the "C" collation. */
  readonly collations?: 'icu' | 'C';
  /** Extensions available on the target: postgis, vector, citext, ltree, pg_trgm, btree_gin. */
  readonly extensions?: readonly string[];
  /** UNIQUE WITHOUT INDEX: enforce with a unique index (default) or leave unenforced. */
  readonly uniqueWithoutIndex?: 'index' | 'skip';
}

export interface DbState {
  readonly catalog: Catalog;
  readonly opts: ConvertOptions;
  readonly log: DecisionLog;
  readonly crdbDb: string;
  readonly pre: PreDataItem[];
  readonly post: PostDataItem[];
  readonly relNames: Map<number, PgName>;
  readonly typeNames: Map<number, PgName>;
  readonly pgSchemaOf: (db: string, schema: string) => string;
  readonly relScope: (pgSchema: string) => NameScope;
  readonly typeScope: (pgSchema: string) => NameScope;
  readonly collations: Map<string, string>;
  readonly extensions: ReadonlySet<string>;
}

export const crdbName = (o: { database: string; schema: string; name: string }): string => `${o.database}.${o.schema}.${o.name}`;
export const pgQ = (n: PgName): string => quoteQualified(n.schema, n.name);

/** CockroachDB locale → PostgreSQL collation text, creating an ICU collation on first use. */
export function collationFor(st: DbState, locale: string): string {
  if (st.opts.collations === 'C') return '"C"';
  const known = st.collations.get(locale);
  if (known) return known;
  const icuLocale = locale.replaceAll('_', '-');
  const deterministic = !/-ks-level[12]\b/i.test(icuLocale);
  const schema = st.pgSchemaOf(st.crdbDb, 'public');
  const name = st.typeScope(schema).allocate(`crdb_${icuLocale}`);
  const target = { schema, name };
  st.pre.push({ kind: 'collation', target, locale: icuLocale, deterministic });
  st.log.changed(
    `collation ${locale}`,
    `ICU collation ${pgQ(target)} (locale '${icuLocale}'${deterministic ? '' : ', nondeterministic'})`,
    'CockroachDB collations are ICU/BCP-47 locales; PostgreSQL needs a named collation (libc names such as en_US may not exist)',
    deterministic ? undefined : 'nondeterministic collations do not support LIKE before PostgreSQL 18',
  );
  const text = pgQ(target);
  st.collations.set(locale, text);
  return text;
}

/** Maps a type; records changes against `object`. */
export function pgType(st: DbState, t: SqlType, object: string): string {
  const m = mapType(t, {
    userType: (udt) => {
      const n = st.typeNames.get(udt.typeId);
      return n ? pgQ(n) : undefined;
    },
    collation: (locale) => collationFor(st, locale),
    extensions: st.extensions,
  });
  for (const c of m.changes) st.log.changed(object, `type ${m.pgType}`, c);
  return m.pgType;
}

/** Splits a name as written inside a string (`public.s`, `"My"."seq"`). */
export function splitWrittenName(s: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"|([^."]+)/g;
  for (const m of s.matchAll(re)) parts.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!.trim().toLowerCase());
  return parts;
}

/** Finds a table/view/sequence by a 1–3 part name written in database `db`. */
export function findRelation(st: DbState, parts: readonly string[], allowOnePart: boolean): { id: number } | undefined {
  const c = st.catalog;
  const n = parts.length;
  let db = st.crdbDb;
  let schema = 'public';
  const name = parts[n - 1]!;
  if (n >= 3) {
    db = parts[n - 3]!;
    schema = parts[n - 2]!;
  } else if (n === 2) {
    schema = parts[0]!;
    if (!c.schemas.some((s) => s.database === db && s.name === schema)) return undefined;
  } else if (!allowOnePart) return undefined;
  const hit = (o: { database: string; schema: string; name: string }): boolean =>
    o.database === db && o.schema === schema && o.name === name;
  return c.tables.find(hit) ?? c.views.find(hit) ?? c.sequences.find(hit);
}

/** Expression context for a table (columns map to their PostgreSQL names) or for a view (no columns). */
export function exprContext(st: DbState, object: string, columns?: ReadonlyMap<string, string>): ExprContext {
  return {
    mapType: (p: ParsedType) => {
      let t = p.type;
      if (p.userTypeName) {
        const parts = p.userTypeName;
        const n = parts.length;
        const db = n >= 3 ? parts[n - 3]! : st.crdbDb;
        const schema = n >= 2 ? parts[n - 2]! : 'public';
        const ut = st.catalog.types.find((x) => x.database === db && x.schema === schema && x.name === parts[n - 1]);
        if (ut) {
          const withUdt = (x: SqlType): SqlType =>
            x.family === 'array' && x.arrayContents
              ? { ...x, arrayContents: withUdt(x.arrayContents) }
              : { ...x, udt: { typeId: ut.id, schema: ut.schema, name: ut.name } };
          t = withUdt(t);
        }
      }
      return pgType(st, t, object);
    },
    relation: (parts) => {
      const r = findRelation(st, parts, false);
      const n = r && st.relNames.get(r.id);
      return n ? pgQ(n) : undefined;
    },
    sequence: (written) => {
      const r = findRelation(st, splitWrittenName(written), true);
      const n = r && st.relNames.get(r.id);
      return n ? pgQ(n) : undefined;
    },
    collation: (locale: string) => collationFor(st, locale),
    ...(columns ? { column: (name: string) => columns.get(name) } : {}),
  };
}

/** Table name for messages. */
export const tableObject = (t: Table): string => `table ${crdbName(t)}`;

export { quoteIdent };
