/**
 * The converter both front ends share: schema model (from descriptors or SHOW CREATE text) →
 * PostgreSQL DDL in load phases, plus a decision log with an entry for every object.
 */
import type { Catalog, Comment, Sequence, Table, UserType, View } from '../model/catalog.js';
import { translateExpr } from './translate-expr.js';
import { crdbName, exprContext, pgQ, pgType, type ConvertOptions, type DbState } from './convert-context.js';
import { convertTable, type ConvertedTable } from './convert-table.js';
import { DecisionLog, type Decision } from './decision.js';
import { emitPostData, emitPreData, type PostDataStep } from './emit.js';
import { NameScope, fitName } from './names.js';
import { quoteIdent } from '../util/sql-quote.js';
import type { PgName, PostDataItem } from './target.js';

export type { ConvertOptions } from './convert-context.js';
export type { Decision } from './decision.js';
export type { PostDataStep } from './emit.js';

export interface ConvertedDatabase {
  readonly crdbName: string;
  /** Target PostgreSQL database (the loader creates it when missing). */
  readonly pgName: string;
  /** PostgreSQL schemas this database's objects go into (`public` included when used). */
  readonly schemas: readonly string[];
  readonly preData: readonly string[];
  /** Post-data statements in order (what `convert-schema` prints). */
  readonly postData: readonly string[];
  /** The same statements with what each waits for (the loader runs them as tables finish loading). */
  readonly postDataSteps: readonly PostDataStep[];
  readonly tables: readonly ConvertedTable[];
  /** Types (enums, composites) and sequences it creates: what may already exist in a target. */
  readonly types: readonly PgName[];
  readonly sequences: readonly PgName[];
}

export interface ConvertedSchema {
  readonly databases: readonly ConvertedDatabase[];
  readonly decisions: readonly Decision[];
}

export const DEFAULT_CONVERT_OPTIONS: ConvertOptions = {
  databaseMapping: 'database-per-database',
  rowid: 'keep',
  virtualComputed: 'stored',
};

const SYSTEM_DATABASES = new Set(['system']);

/** PostgreSQL integer type for `CREATE SEQUENCE … AS`. */
function seqAsType(s: Sequence): string | undefined {
  switch (s.asIntegerType) {
    case 'INT2':
    case 'SMALLINT':
      return 'smallint';
    case 'INT4':
    case 'INTEGER':
      return 'integer';
    case 'INT8':
    case 'BIGINT':
    case 'INT':
      return 'bigint';
    default:
      return undefined;
  }
}

/**
 * Converts a catalog. Objects of the `system` database are skipped. Output statements have no
 * trailing semicolon; run pre-data before COPY and post-data after it.
 */
export function convertSchema(catalog: Catalog, opts: ConvertOptions = DEFAULT_CONVERT_OPTIONS): ConvertedSchema {
  const log = new DecisionLog();
  const dbs = catalog.databases.filter((d) => !SYSTEM_DATABASES.has(d.name));
  const schemaMode = typeof opts.databaseMapping === 'object' ? opts.databaseMapping.schemaOf : undefined;
  // Name scopes per target database and schema (shared by all CockroachDB databases mapped into one).
  const scopes = new Map<string, NameScope>();
  const scope = (kind: string, pgDb: string, schema: string): NameScope => {
    const k = `${kind}\u0000${pgDb}\u0000${schema}`;
    let s = scopes.get(k);
    if (!s) scopes.set(k, (s = new NameScope()));
    return s;
  };
  const schemaNames = new Map<string, string>();
  const schemaScope = new Map<string, NameScope>();
  const out: ConvertedDatabase[] = [];
  const extensions = new Set(opts.extensions ?? []);

  for (const db of dbs) {
    const pgDb = schemaMode ?? fitName(db.name);
    if (schemaMode)
      log.changed(`database ${db.name}`, `mapped to schemas of PostgreSQL database "${schemaMode}"`, 'database_mapping: "schema"');
    else if (pgDb !== db.name) log.changed(`database ${db.name}`, `PostgreSQL database "${pgDb}"`, 'PostgreSQL names are at most 63 bytes');
    else log.asIs(`database ${db.name}`, `PostgreSQL database "${pgDb}"`);
    if (db.regionConfig)
      log.changed(`database ${db.name}`, `${db.regionConfig} dropped`, 'multi-region settings have no PostgreSQL equivalent');
    let sscope = schemaScope.get(pgDb);
    if (!sscope) {
      sscope = new NameScope();
      if (!schemaMode) sscope.reserve('public');
      schemaScope.set(pgDb, sscope);
    }
    const pgSchemaOf = (d: string, s: string): string => {
      const k = `${d}\u0000${s}`;
      let n = schemaNames.get(k);
      if (n === undefined) {
        n = !schemaMode ? (s === 'public' ? 'public' : sscope!.allocate(s)) : sscope!.allocate(s === 'public' ? d : `${d}_${s}`);
        schemaNames.set(k, n);
      }
      return n;
    };
    const st: DbState = {
      catalog,
      opts,
      log,
      crdbDb: db.name,
      pre: [],
      post: [],
      relNames: new Map(),
      typeNames: new Map(),
      pgSchemaOf,
      relScope: (s) => scope('rel', pgDb, s),
      typeScope: (s) => scope('type', pgDb, s),
      collations: new Map(),
      extensions,
    };
    const converted = convertDatabase(st, pgDb, schemaMode);
    const usedSchemas = [...schemaNames].filter(([k]) => k.startsWith(`${db.name}\u0000`)).map(([, n]) => n);
    const postDataSteps = emitPostData(st.post);
    out.push({
      crdbName: db.name,
      pgName: pgDb,
      schemas: [...new Set(usedSchemas)],
      preData: emitPreData(st.pre),
      postData: postDataSteps.map((s) => s.sql),
      postDataSteps,
      tables: converted,
      types: catalog.types.filter((t) => t.database === db.name).map((t) => st.typeNames.get(t.id)!),
      sequences: catalog.sequences.filter((s) => s.database === db.name).map((s) => st.relNames.get(s.id)!),
    });
  }
  return { databases: out, decisions: log.entries };
}

/** One CockroachDB database's objects, converted in dependency order into `st.pre` and `st.post`. */
function convertDatabase(st: DbState, pgDb: string, schemaMode: string | undefined): ConvertedTable[] {
  const { catalog, log } = st;
  const dbName = st.crdbDb;
  for (const e of st.extensions) st.pre.push({ kind: 'extension', name: e });
  emitSchemas(st, schemaMode);
  const inDb = <T extends { database: string }>(xs: readonly T[]): T[] => xs.filter((x) => x.database === dbName);
  const tables = inDb(catalog.tables);
  allocateNames(st, tables, inDb);
  const renamed = (o: { database: string; schema: string; name: string }, n: PgName, kind: string): void => {
    if (n.name !== o.name) log.changed(`${kind} ${crdbName(o)}`, `named ${pgQ(n)}`, 'name collision or longer than 63 bytes in PostgreSQL');
  };
  emitTypes(st, inDb(catalog.types), renamed);
  for (const s of inDb(catalog.sequences)) emitSequence(st, s, tables, renamed);

  const converted: ConvertedTable[] = [];
  for (const t of tables) {
    const n = st.relNames.get(t.id)!;
    renamed(t, n, 'table');
    if (t.materializedViewQuery !== undefined) continue;
    converted.push(convertTable(st, t, n));
    if (t.dataExcluded) log.changed(`table ${crdbName(t)}`, 'created empty', 'the table is marked exclude_data_from_backup');
    log.asIs(`table ${crdbName(t)}`, `CREATE TABLE ${pgQ(n)}`);
  }
  emitViews(st, tables, inDb(catalog.views));

  // Functions: CockroachDB bodies need review before they run on PostgreSQL.
  for (const f of inDb(catalog.functions)) {
    log.notConvertible(
      `${f.isProcedure ? 'procedure' : 'function'} ${crdbName(f)}`,
      'not created',
      'routine bodies may use CockroachDB-only builtins and are not translated',
      'review the CREATE statement and create it on PostgreSQL by hand',
    );
  }
  for (const cm of catalog.comments) {
    const on = commentTarget(st, cm.target, pgDb, schemaMode, converted);
    if (on) st.post.push({ kind: 'comment', on, text: cm.text });
  }
  return converted;
}

/** The database's schemas (a `public` one added when databases map to schemas). */
function emitSchemas(st: DbState, schemaMode: string | undefined): void {
  const dbName = st.crdbDb;
  const schemas = st.catalog.schemas.filter((s) => s.database === dbName);
  if (schemaMode && !schemas.some((s) => s.name === 'public')) schemas.unshift({ id: -1, database: dbName, name: 'public' });
  for (const s of schemas) {
    const n = st.pgSchemaOf(dbName, s.name);
    if (n !== 'public') st.pre.push({ kind: 'schema', name: n });
    if (n !== s.name)
      st.log.changed(
        `schema ${dbName}.${s.name}`,
        `PostgreSQL schema "${n}"`,
        schemaMode ? 'database_mapping: "schema"' : 'name fitted to 63 bytes',
      );
    else st.log.asIs(`schema ${dbName}.${s.name}`, s.name === 'public' ? 'public schema' : `CREATE SCHEMA "${n}"`);
  }
}

/** Names first (expressions may refer to anything), in declaration order: types, tables, sequences, views. */
function allocateNames(st: DbState, tables: readonly Table[], inDb: <T extends { database: string }>(xs: readonly T[]) => T[]): void {
  const alloc = (o: { database: string; schema: string; name: string }, space: 'rel' | 'type'): PgName => {
    const schema = st.pgSchemaOf(o.database, o.schema);
    const name = (space === 'rel' ? st.relScope(schema) : st.typeScope(schema)).allocate(o.name);
    return { schema, name };
  };
  for (const t of inDb(st.catalog.types)) st.typeNames.set(t.id, alloc(t, 'type'));
  for (const t of tables) {
    const n = alloc(t, 'rel');
    st.typeScope(n.schema).reserve(n.name); // a table's row type shares the type namespace
    st.relNames.set(t.id, n);
  }
  for (const s of inDb(st.catalog.sequences)) st.relNames.set(s.id, alloc(s, 'rel'));
  for (const v of inDb(st.catalog.views)) st.relNames.set(v.id, alloc(v, 'rel'));
}

type Renamed = (o: { database: string; schema: string; name: string }, n: PgName, kind: string) => void;

/** Enums and composite types. */
function emitTypes(st: DbState, types: readonly UserType[], renamed: Renamed): void {
  const log = st.log;
  for (const t of types) {
    const n = st.typeNames.get(t.id)!;
    renamed(t, n, 'type');
    if (t.kind === 'enum') {
      st.pre.push({ kind: 'enum', target: n, labels: t.members.map((m) => m.label) });
      if (t.name === 'crdb_internal_region')
        log.changed(`type ${crdbName(t)}`, 'kept as a plain enum', 'multi-region region type; no region semantics in PostgreSQL');
      else log.asIs(`type ${crdbName(t)}`, `CREATE TYPE ${pgQ(n)} AS ENUM`);
    } else {
      st.pre.push({
        kind: 'composite',
        target: n,
        fields: t.elements.map((e) => ({ name: e.label, type: pgType(st, e.type, `type ${crdbName(t)}`) })),
      });
      log.asIs(`type ${crdbName(t)}`, `CREATE TYPE ${pgQ(n)} AS (…)`);
    }
  }
}

/** One sequence, its owner, and the setval after the load (its position, raised past the columns using it). */
function emitSequence(st: DbState, s: Sequence, tables: readonly Table[], renamed: Renamed): void {
  const { pre, post, log } = st;
  const n = st.relNames.get(s.id)!;
  const sobj = `sequence ${crdbName(s)}`;
  renamed(s, n, 'sequence');
  const asType = seqAsType(s);
  pre.push({
    kind: 'sequence',
    target: n,
    ...(asType ? { asType } : {}),
    increment: s.increment,
    minValue: s.minValue,
    maxValue: s.maxValue,
    start: s.start,
    cache: s.cacheSize > 0n ? s.cacheSize : 1n,
  });
  const users: { table: PgName; column: string }[] = [];
  for (const t of tables) {
    for (const c of t.columns) {
      if (!c.usesSequenceIds.includes(s.id) && !c.ownsSequenceIds.includes(s.id)) continue;
      const tn = st.relNames.get(t.id)!;
      users.push({ table: tn, column: c.name });
      if (c.ownsSequenceIds.includes(s.id)) pre.push({ kind: 'sequence-owned-by', sequence: n, table: tn, column: c.name });
    }
  }
  const fresh = s.currentValue !== undefined && (s.increment > 0n ? s.currentValue < s.minValue : s.currentValue > s.maxValue);
  const current = s.currentValue !== undefined && !fresh ? s.currentValue : undefined;
  if (s.increment > 0n)
    post.push({ kind: 'setval', sequence: n, ...(current !== undefined ? { current } : {}), minValue: s.minValue, columns: users });
  else if (current !== undefined) post.push({ kind: 'setval', sequence: n, current, columns: [] });
  const pos = current !== undefined ? `position ${current} carried over` : 'position unknown in the input';
  if (s.virtual) log.changed(sobj, `ordinary sequence (${pos})`, 'CockroachDB virtual sequences hand out unique_rowid() values');
  else
    log.asIs(
      sobj,
      `CREATE SEQUENCE ${pgQ(n)}; ${pos}${users.length ? `; raised to the largest value of ${users.map((u) => u.column).join(', ')} after the load` : ''}`,
    );
}

/** Views and materialized views (their data is recomputed), in id order. */
function emitViews(st: DbState, tables: readonly Table[], plainViews: readonly View[]): void {
  const log = st.log;
  const views: { id: number; query: string; columns: readonly string[]; materialized: boolean; o: Table | View }[] = [
    ...tables
      .filter((t) => t.materializedViewQuery !== undefined)
      .map((t) => ({ id: t.id, query: t.materializedViewQuery!, columns: t.columns.map((c) => c.name), materialized: true, o: t })),
    ...plainViews.map((v) => ({ id: v.id, query: v.query, columns: v.columnNames, materialized: false, o: v })),
  ].sort((a, b) => a.id - b.id);
  for (const v of views) {
    const n = st.relNames.get(v.id)!;
    const vobj = `${v.materialized ? 'materialized view' : 'view'} ${crdbName(v.o)}`;
    const x = translateExpr(v.query, exprContext(st, vobj));
    if (x.unsupported.length) {
      log.notConvertible(vobj, 'not created', `the query uses ${x.unsupported.join(', ')}`, 'rewrite the view for PostgreSQL');
      continue;
    }
    st.post.push({ kind: 'view', target: n, columns: v.columns, query: x.sql, materialized: v.materialized });
    if (v.materialized)
      log.changed(
        vobj,
        `CREATE MATERIALIZED VIEW ${pgQ(n)} after the load`,
        'its rows are recomputed from the migrated tables rather than copied',
      );
    else if (x.changes.length) log.changed(vobj, `CREATE VIEW ${pgQ(n)}`, x.changes.join('; '));
    else log.asIs(vobj, `CREATE VIEW ${pgQ(n)}`);
  }
}

/**
 * The `COMMENT ON` target of a comment in this database, or undefined when the object is in another
 * database or was not created (an index or constraint comment then gets a decision).
 */
function commentTarget(
  st: DbState,
  tg: Comment['target'],
  pgDb: string,
  schemaMode: string | undefined,
  converted: readonly ConvertedTable[],
): string | undefined {
  const { catalog, post, log } = st;
  const dbName = st.crdbDb;
  switch (tg.kind) {
    case 'database':
      if (tg.database !== dbName) return undefined;
      return schemaMode ? `SCHEMA ${quoteIdent(st.pgSchemaOf(dbName, 'public'))}` : `DATABASE ${quoteIdent(pgDb)}`;
    case 'schema':
      if (tg.database !== dbName) return undefined;
      return `SCHEMA ${quoteIdent(st.pgSchemaOf(dbName, tg.schema))}`;
    case 'table':
    case 'column':
    case 'index':
    case 'constraint': {
      const n = st.relNames.get(tg.tableId);
      if (!n) return undefined;
      const rel = catalog.tables.find((x) => x.id === tg.tableId);
      if (tg.kind === 'table') {
        const kind = rel
          ? rel.materializedViewQuery !== undefined
            ? 'MATERIALIZED VIEW'
            : 'TABLE'
          : catalog.views.some((v) => v.id === tg.tableId)
            ? 'VIEW'
            : 'SEQUENCE';
        return `${kind} ${pgQ(n)}`;
      } else if (!rel) return undefined;
      else if (tg.kind === 'column') {
        const ct = converted.find((c) => c.table.id === rel.id);
        const col = rel.columns.find((c) => c.id === tg.columnId);
        const pgCol = ct?.pgColumnNames.get(tg.columnId);
        if (!col || !pgCol) return undefined;
        return `COLUMN ${pgQ(n)}.${quoteIdent(pgCol)}`;
      } else if (tg.kind === 'index') {
        const ix = [rel.primaryIndex, ...rel.indexes].find((i) => i.id === tg.indexId);
        if (!ix) return undefined;
        const made =
          ix === rel.primaryIndex
            ? post.find((p): p is Extract<PostDataItem, { kind: 'primary-key' }> => p.kind === 'primary-key' && p.table === n)
            : post.find(
                (p): p is Extract<PostDataItem, { kind: 'index' }> =>
                  p.kind === 'index' &&
                  p.table === n &&
                  (p.name === ix.name || p.name === `${n.name}_${ix.name}` || p.name.startsWith(fitName(ix.name))),
              );
        if (!made) {
          log.notConvertible(`comment on index ${crdbName(rel)}@${ix.name}`, 'dropped', 'the index was not created');
          return undefined;
        }
        return `INDEX ${quoteIdent(n.schema)}.${quoteIdent(made.name)}`;
      } else {
        const made = post.find(
          (p) =>
            (p.kind === 'primary-key' || p.kind === 'foreign-key' || p.kind === 'check' || (p.kind === 'index' && p.asConstraint)) &&
            p.table === n &&
            (p.name === tg.constraintName || (tg.constraintName === 'primary' && p.kind === 'primary-key')),
        );
        if (!made || !('name' in made)) {
          log.notConvertible(
            `comment on constraint ${crdbName(rel)}.${tg.constraintName}`,
            'dropped',
            'the constraint was not created in PostgreSQL',
          );
          return undefined;
        }
        return `CONSTRAINT ${quoteIdent(made.name)} ON ${pgQ(n)}`;
      }
    }
  }
}
