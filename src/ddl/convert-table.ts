/**
 * One CockroachDB table → PostgreSQL table, keys, indexes, constraints and triggers
 * (shared/docs/competitors.md §d.2, §d.4, §d.5), with a decision for every column, index and
 * constraint. Returns the COPY column list the loader uses.
 */
import type { Column, Index, Table } from '../model/catalog.js';
import { translateExpr, type TranslatedExpr } from './translate-expr.js';
import { crdbName, exprContext, pgQ, pgType, tableObject, type DbState } from './convert-context.js';
import { NameScope } from './names.js';
import { reportSchemaChanges } from './schema-changes.js';
import { quoteIdent } from '../util/sql-quote.js';
import type { PgColumnDef, PgName } from './target.js';

export interface ConvertedColumn {
  readonly column: Column;
  readonly pgName: string;
  readonly pgType: string;
}

export interface ConvertedTable {
  readonly table: Table;
  readonly pgSchema: string;
  readonly pgName: string;
  /** The COPY column list: stored, non-generated columns in table order. */
  readonly columns: readonly ConvertedColumn[];
  /** @internal Every column present in PostgreSQL (generated ones included), by column id. */
  readonly pgColumnNames: ReadonlyMap<number, string>;
  /** @internal Every column of the CREATE TABLE (what `sync` adds when a column is new). */
  readonly columnDefs: readonly PgColumnDef[];
}

const isUniqueRowid = (e: string | undefined): boolean => e !== undefined && /^\s*(unordered_)?unique_rowid\(\s*\)\s*$/i.test(e);
const isShardCheck = (t: Table, expr: string): boolean =>
  /crdb_internal_\w+_shard_\d+/.test(expr) && t.indexes.concat(t.primaryIndex).some((i) => i.sharded);

function describeUnsupported(tr: TranslatedExpr): string {
  return tr.unsupported.join(', ');
}

/** What every step of one table's conversion shares: names allocated so far and the expression translator. */
interface TableConversion {
  readonly st: DbState;
  readonly t: Table;
  /** The table's already allocated PostgreSQL name. */
  readonly name: PgName;
  /** The table as the decision log names it. */
  readonly obj: string;
  readonly conScope: NameScope;
  readonly relScope: NameScope;
  /** Hash-shard columns, dropped. */
  readonly shardCols: ReadonlySet<string>;
  /** PostgreSQL name of every CockroachDB column that may get one, by CockroachDB name. */
  readonly colByName: ReadonlyMap<string, string>;
  /** Every column present in PostgreSQL, by column id; filled by `convertColumns`. */
  readonly pgCol: Map<number, string>;
  /** The expression of each VIRTUAL column moved to a view, by column id. */
  readonly virtualExpr: Map<number, string>;
  readonly tr: (e: string) => TranslatedExpr;
}

/** What the columns step leaves for the later steps. */
interface ConvertedColumns {
  readonly defs: PgColumnDef[];
  readonly copyCols: ConvertedColumn[];
  readonly triggers: { column: string; expr: string }[];
  readonly viewCols: { name: string; expr: string }[];
  droppedRowid: boolean;
}

/** Converts one table; `name` is its already allocated PostgreSQL name. */
export function convertTable(st: DbState, t: Table, name: PgName): ConvertedTable {
  const obj = tableObject(t);
  const shardCols = shardColumns(t);
  const colByName = allocateColumnNames(st, t, shardCols);
  const ctx = exprContext(st, obj, colByName);
  const cx: TableConversion = {
    st,
    t,
    name,
    obj,
    conScope: new NameScope(),
    relScope: st.relScope(name.schema),
    shardCols,
    colByName,
    pgCol: new Map(),
    virtualExpr: new Map(),
    tr: (e) => translateExpr(e, ctx),
  };
  const cols = convertColumns(cx);
  st.pre.push({ kind: 'table', target: name, columns: cols.defs });
  reportDroppedTableOptions(st, t, obj);
  emitPrimaryKey(cx, cols.droppedRowid);
  for (const ix of t.indexes) emitSecondaryIndex(cx, ix);
  emitUniqueWithoutIndex(cx);
  emitForeignKeys(cx);
  emitChecks(cx);
  reportSchemaChanges(st.log, t);
  emitOnUpdateTriggers(cx, cols.triggers);
  emitVirtualColumnsView(cx, cols.viewCols);
  return { table: t, pgSchema: name.schema, pgName: name.name, columns: cols.copyCols, pgColumnNames: cx.pgCol, columnDefs: cols.defs };
}

/** The hash-shard columns of `t`: CockroachDB-internal, never created in PostgreSQL. */
function shardColumns(t: Table): Set<string> {
  const shardCols = new Set<string>();
  for (const ix of [t.primaryIndex, ...t.indexes]) if (ix.sharded) shardCols.add(ix.sharded.shardColumn);
  // A shard column can outlive its index (another index uses it): still CockroachDB-internal.
  for (const c of t.columns) if (c.hidden && c.computed && /^crdb_internal_.+_shard_\d+$/.test(c.name)) shardCols.add(c.name);
  return shardCols;
}

/** Allocates all column names first so expressions can refer to any of them. */
function allocateColumnNames(st: DbState, t: Table, shardCols: ReadonlySet<string>): Map<string, string> {
  const colScope = new NameScope();
  const colByName = new Map<string, string>();
  for (const c of t.columns) {
    if (c.inaccessible || shardCols.has(c.name)) continue;
    const pgName = colScope.allocate(c.name);
    if (pgName !== c.name)
      st.log.changed(`column ${crdbName(t)}.${c.name}`, `renamed to "${pgName}"`, 'PostgreSQL names are at most 63 bytes');
    colByName.set(c.name, pgName);
  }
  return colByName;
}

/** Which columns exist in PostgreSQL, and how: one column definition per kept column. */
function convertColumns(cx: TableConversion): ConvertedColumns {
  const out: ConvertedColumns = { defs: [], copyCols: [], triggers: [], viewCols: [], droppedRowid: false };
  const pkIds = cx.t.primaryIndex.keyColumns.map((k) => k.columnId);
  for (const c of cx.t.columns) {
    const cobj = `column ${crdbName(cx.t)}.${c.name}`;
    if (c.inaccessible) continue;
    if (cx.shardCols.has(c.name)) {
      cx.st.log.changed(cobj, 'dropped', 'hash-shard column of a hash-sharded index: it only spreads writes across ranges in CockroachDB');
      continue;
    }
    const isRowid = c.hidden && isUniqueRowid(c.defaultExpr) && pkIds.length === 1 && pkIds[0] === c.id;
    if (isRowid && cx.st.opts.rowid === 'drop') {
      out.droppedRowid = true;
      cx.st.log.changed(
        cobj,
        'dropped (rowid: "drop"); the table has no primary key in PostgreSQL',
        'implicit primary key CockroachDB adds to tables created without one',
        'set rowid to "keep" to keep it as a bigint key',
      );
      continue;
    }
    convertColumn(cx, c, cobj, isRowid, out);
  }
  return out;
}

/** One kept column: its definition, computed expression, default, identity and ON UPDATE, each with its decision. */
function convertColumn(cx: TableConversion, c: Column, cobj: string, isRowid: boolean, out: ConvertedColumns): void {
  const { st, name, tr } = cx;
  const log = st.log;
  const pgName = cx.colByName.get(c.name)!;
  const type = pgType(st, c.type, cobj);
  const def: { -readonly [K in keyof PgColumnDef]: PgColumnDef[K] } = { name: pgName, type, notNull: !c.nullable };
  let generated = false;
  // Notes on this column, each marked whether it keeps the meaning (an expression respelled).
  const changes: ColumnChange[] = [];
  const change = (note: string, sameMeaning = false): void => void changes.push({ note, sameMeaning });
  if (c.hidden && !isRowid) change('NOT VISIBLE column made visible (PostgreSQL has no invisible columns; SELECT * now returns it)');
  if (c.computed) {
    const x = tr(c.computed.expr);
    if (x.unsupported.length && !c.computed.stored) {
      log.notConvertible(
        cobj,
        'VIRTUAL computed column dropped',
        `its expression ${c.computed.expr} uses ${describeUnsupported(x)}, which PostgreSQL lacks, and its values are not stored`,
        'add the column and a trigger computing it by hand',
      );
      return;
    } else if (x.unsupported.length) {
      log.notConvertible(
        cobj,
        `computed expression ${c.computed.expr} not kept; the column is a plain column holding the copied values`,
        `uses ${describeUnsupported(x)}, which PostgreSQL lacks`,
        'maintain the value with a trigger or in the application',
      );
    } else if (!c.computed.stored && st.opts.virtualComputed === 'view') {
      cx.virtualExpr.set(c.id, x.sql);
      out.viewCols.push({ name: pgName, expr: x.sql });
      log.changed(
        cobj,
        'VIRTUAL computed column moved to a view',
        'the library caller asked for views (virtualComputed); PostgreSQL ≤17 has no virtual generated columns',
      );
      return;
    } else {
      def.generated = x.sql;
      generated = true;
      def.notNull = false;
      if (!c.computed.stored)
        change('VIRTUAL computed column stored (GENERATED ALWAYS … STORED): PostgreSQL ≤17 has no virtual generated columns');
      else if (x.changes.length) change(`expression rewritten: ${x.changes.join('; ')}`, x.sameMeaning);
      if (!c.nullable) def.notNull = true;
    }
  }
  if (c.identity) {
    def.identity = {
      mode: c.identity.mode,
      ...(c.identity.sequenceOptions ? { options: c.identity.sequenceOptions.replace(/\bPER\s+(NODE|SESSION)\s+/gi, '') } : {}),
    };
    st.post.push({ kind: 'setval', sequence: { identityOf: name, column: pgName }, columns: [{ table: name, column: pgName }] });
  } else if (c.defaultExpr !== undefined && !generated) {
    convertDefault(cx, c.defaultExpr, cobj, pgName, def, changes);
  }
  if (c.onUpdateExpr !== undefined) {
    const x = tr(c.onUpdateExpr);
    if (x.unsupported.length)
      log.notConvertible(cobj, `ON UPDATE ${c.onUpdateExpr} dropped`, `uses ${describeUnsupported(x)}`, 'write a BEFORE UPDATE trigger');
    else {
      out.triggers.push({ column: pgName, expr: x.sql });
      change(
        'ON UPDATE expression implemented by a BEFORE UPDATE trigger (applied when an UPDATE leaves the column unchanged; CockroachDB applies it when the UPDATE does not set the column)',
      );
    }
  }
  out.defs.push(def);
  cx.pgCol.set(c.id, pgName);
  if (!generated) out.copyCols.push({ column: c, pgName, pgType: type });
  if (changes.length) for (const ch of changes) log.changed(cobj, ch.note.split(':')[0]!, ch.note, undefined, ch.sameMeaning);
  else log.asIs(cobj, `${pgName} ${type}`);
}

/** A note on a converted column, and whether it keeps the column's meaning. */
interface ColumnChange {
  readonly note: string;
  readonly sameMeaning: boolean;
}

/** A column's DEFAULT: unique_rowid() becomes a sequence, anything else is translated or dropped. */
function convertDefault(
  cx: TableConversion,
  defaultExpr: string,
  cobj: string,
  pgName: string,
  def: { default?: string },
  changes: ColumnChange[],
): void {
  const { st, name } = cx;
  if (isUniqueRowid(defaultExpr)) {
    const seq = { schema: name.schema, name: cx.relScope.allocate(`${name.name}_${pgName}_seq`) };
    st.pre.push({ kind: 'sequence', target: seq, increment: 1n, minValue: 1n, maxValue: 9223372036854775807n, start: 1n, cache: 1n });
    st.pre.push({ kind: 'sequence-owned-by', sequence: seq, table: name, column: pgName });
    def.default = `nextval(${`'${pgQ(seq).replaceAll("'", "''")}'`}::regclass)`;
    st.post.push({ kind: 'setval', sequence: seq, minValue: 1n, columns: [{ table: name, column: pgName }] });
    changes.push({
      sameMeaning: false,
      note: `DEFAULT ${defaultExpr} replaced by sequence ${pgQ(seq)}, set past the largest copied value after the load (new values are no longer time-ordered)`,
    });
    return;
  }
  const x = cx.tr(defaultExpr);
  if (x.unsupported.length) {
    st.log.notConvertible(
      cobj,
      `DEFAULT ${defaultExpr} dropped`,
      `uses ${describeUnsupported(x)}, which PostgreSQL lacks`,
      'set a PostgreSQL default with ALTER TABLE … SET DEFAULT, or fill the column in the application',
    );
  } else {
    def.default = x.sql;
    if (x.changes.length) changes.push({ note: `DEFAULT rewritten: ${x.changes.join('; ')}`, sameMeaning: x.sameMeaning });
  }
}

/** Table options with no PostgreSQL equivalent, each logged as dropped. */
function reportDroppedTableOptions(st: DbState, t: Table, obj: string): void {
  const log = st.log;
  if (t.families.length > 1 || (t.families.length === 1 && t.families[0]!.name !== 'primary'))
    log.changed(
      obj,
      `column families ${t.families.map((f) => f.name).join(', ')} dropped`,
      'FAMILY only controls CockroachDB storage layout',
    );
  if (t.locality) log.changed(obj, `${t.locality} dropped`, 'multi-region placement has no PostgreSQL equivalent');
  if (t.ttl)
    log.changed(
      obj,
      `row-level TTL (${t.ttl}) dropped`,
      'PostgreSQL has no row-level TTL',
      'schedule a DELETE (e.g. with pg_cron) on the expiration column',
    );
  for (const p of t.storageParams) log.changed(obj, `${p} dropped`, 'CockroachDB storage option with no PostgreSQL equivalent');
  if (t.primaryIndex.partitioning)
    log.changed(
      obj,
      `${t.primaryIndex.partitioning.summary.replace(/\s+/g, ' ')} dropped`,
      'CockroachDB partitioning places data; PostgreSQL declarative partitioning is a different feature',
      'partition the PostgreSQL table by hand if needed',
    );
}

/** An index element: column name, or the expression (expression indexes, view-moved virtual columns). */
function indexElement(cx: TableConversion, ic: Index['keyColumns'][number], what: string): string | undefined {
  const n = cx.pgCol.get(ic.columnId);
  const dir = ic.direction === 'desc' ? ' DESC' : '';
  if (n !== undefined) return `${quoteIdent(n)}${dir}`;
  const ve = cx.virtualExpr.get(ic.columnId);
  if (ve !== undefined) return `(${ve})${dir}`;
  const col = cx.t.columns.find((c) => c.id === ic.columnId);
  if (col?.inaccessible && col.computed) {
    const x = cx.tr(col.computed.expr);
    if (x.unsupported.length) {
      cx.st.log.notConvertible(what, 'not created', `expression ${col.computed.expr} uses ${describeUnsupported(x)}`);
      return undefined;
    }
    return `(${x.sql})${dir}`;
  }
  return undefined;
}

/** The primary key, added after the load (none for a materialized view or a dropped rowid). */
function emitPrimaryKey(cx: TableConversion, droppedRowid: boolean): void {
  const { st, t, name } = cx;
  const pk = t.primaryIndex;
  const pkObj = `primary key ${crdbName(t)}@${pk.name}`;
  if (t.materializedViewQuery !== undefined || droppedRowid || !pk.keyColumns.length) return;
  const keyCols = pk.keyColumns.filter((k) => !cx.shardCols.has(k.name));
  const names = keyCols.map((k) => cx.pgCol.get(k.columnId));
  if (names.some((n) => n === undefined)) {
    st.log.notConvertible(pkObj, 'not created', 'a key column is not a stored column in PostgreSQL');
    return;
  }
  const pkName = pk.name === 'primary' ? `${name.name}_pkey` : pk.name;
  const pgName = cx.relScope.allocate(pkName, `${name.name}_${pkName}`);
  cx.conScope.reserve(pgName);
  st.post.push({ kind: 'primary-key', table: name, name: pgName, columns: names as string[] });
  const notes: string[] = [];
  // The name PostgreSQL requires keeps the meaning; the other notes change the key.
  const named = `named "${pgName}"`;
  if (pgName !== pk.name) notes.push(named);
  if (keyCols.some((k) => k.direction === 'desc'))
    notes.push('DESC dropped: PostgreSQL primary keys are ascending (backward index scans serve DESC order)');
  if (pk.sharded) notes.push(`hash sharding (bucket_count=${pk.sharded.buckets}) dropped: plain btree`);
  if (notes.length)
    st.log.changed(
      pkObj,
      notes.join('; '),
      'PostgreSQL constraint rules',
      undefined,
      notes.every((n) => n === named),
    );
  else st.log.asIs(pkObj, `PRIMARY KEY (${names.join(', ')})`);
}

type IndexMethod = 'btree' | 'gin' | 'gist' | 'hnsw';

/**
 * The PostgreSQL access method, operator class and key columns for a secondary index, or undefined
 * (logged) when it cannot be created: inverted → GIN (trigram, or GiST for spatial), vector → HNSW.
 */
function indexAccess(
  cx: TableConversion,
  ix: Index,
  iobj: string,
  keyCols: Index['keyColumns'][number][],
  notes: string[],
): { method: IndexMethod; opclass: string; keyCols: Index['keyColumns'][number][] } | undefined {
  const { st, t } = cx;
  let method: IndexMethod = 'btree';
  let opclass = '';
  if (ix.kind === 'inverted') {
    const last = t.columns.find((c) => c.id === keyCols[keyCols.length - 1]?.columnId);
    const fam = last?.type.family;
    if (ix.trigram || fam === 'string' || fam === 'collatedstring') {
      if (!st.extensions.has('pg_trgm')) {
        st.log.notConvertible(
          iobj,
          'trigram index not created',
          'gin_trgm_ops needs the pg_trgm extension',
          'add "pg_trgm" to the extensions key to create it',
        );
        return undefined;
      }
      opclass = ' gin_trgm_ops';
      method = 'gin';
    } else if (fam === 'geometry' || fam === 'geography') {
      if (!st.extensions.has('postgis')) {
        st.log.notConvertible(
          iobj,
          'spatial index not created',
          'needs PostGIS',
          'add "postgis" to the extensions key (PostGIS installed on the target)',
        );
        return undefined;
      }
      method = 'gist';
    } else method = 'gin';
    if (keyCols.length > 1 && !st.extensions.has('btree_gin')) {
      notes.push(
        `GIN on the last column only; prefix columns ${keyCols
          .slice(0, -1)
          .map((k) => k.name)
          .join(', ')} left out (they need btree_gin)`,
      );
      keyCols = keyCols.slice(-1);
    }
    keyCols = keyCols.map((k) => ({ ...k, direction: 'asc' as const }));
    notes.push(`inverted index → ${method.toUpperCase()}`);
  } else if (ix.kind === 'vector') {
    if (!st.extensions.has('vector')) {
      st.log.notConvertible(
        iobj,
        'vector index not created',
        'needs the pgvector extension',
        'add "vector" to the extensions key (pgvector installed on the target) to create it as an HNSW index',
      );
      return undefined;
    }
    method = 'hnsw';
    keyCols = keyCols.slice(-1);
    opclass = ' vector_l2_ops';
  }
  return { method, opclass, keyCols };
}

/** One secondary index, created after the load (a UNIQUE one on plain columns as a constraint). */
function emitSecondaryIndex(cx: TableConversion, ix: Index): void {
  const { st, t, name } = cx;
  const log = st.log;
  const iobj = `index ${crdbName(t)}@${ix.name}`;
  const notes: string[] = [];
  const shardFree = ix.keyColumns.filter((k) => !(ix.sharded && k.name === ix.sharded.shardColumn));
  if (ix.sharded)
    notes.push(`hash sharding (bucket_count=${ix.sharded.buckets}) dropped: plain btree on ${ix.sharded.columnNames.join(', ')}`);
  if (shardFree.some((k) => cx.shardCols.has(k.name))) {
    log.notConvertible(iobj, 'not created', 'it indexes a hash-shard column, which is dropped');
    return;
  }
  const access = indexAccess(cx, ix, iobj, shardFree, notes);
  if (!access) return;
  const { method, opclass, keyCols } = access;
  const elements: string[] = [];
  let ok = true;
  for (const k of keyCols) {
    const e = indexElement(cx, k, iobj);
    if (e === undefined) {
      ok = false;
      break;
    }
    elements.push(e + (k === keyCols[keyCols.length - 1] ? opclass : ''));
  }
  if (!ok || !elements.length) {
    if (ok) log.notConvertible(iobj, 'not created', 'no indexable column left');
    return;
  }
  const include = method === 'btree' ? ix.storeColumnIds.map((id) => cx.pgCol.get(id)).filter((n): n is string => n !== undefined) : [];
  if (ix.storeColumnIds.length) notes.push(method === 'btree' ? 'STORING → INCLUDE' : 'STORING dropped (GIN has no INCLUDE)');
  let where: string | undefined;
  if (ix.predicate !== undefined) {
    const x = cx.tr(ix.predicate);
    if (x.unsupported.length) {
      log.notConvertible(iobj, 'partial index not created', `predicate uses ${describeUnsupported(x)}`);
      return;
    }
    where = x.sql;
  }
  if (ix.invisible) notes.push('NOT VISIBLE ignored: PostgreSQL indexes are always visible to the planner');
  if (ix.partitioning) notes.push(`${ix.partitioning.summary.replace(/\s+/g, ' ')} dropped`);
  const pgName = cx.relScope.allocate(ix.name, `${name.name}_${ix.name}`);
  // Only the rename keeps the meaning; every other note changes the index.
  const renamed = `renamed to "${pgName}" (index names are per schema in PostgreSQL, per table in CockroachDB; at most 63 bytes)`;
  if (pgName !== ix.name) notes.push(renamed);
  const asConstraint =
    ix.unique &&
    method === 'btree' &&
    where === undefined &&
    !include.length &&
    elements.every((e) => e.startsWith('"') && !e.endsWith(' DESC'));
  if (asConstraint) cx.conScope.reserve(pgName);
  st.post.push({
    kind: 'index',
    table: name,
    name: pgName,
    unique: ix.unique,
    method,
    elements,
    include,
    ...(where !== undefined ? { where } : {}),
    asConstraint,
  });
  if (notes.length)
    log.changed(
      iobj,
      notes.join('; '),
      'PostgreSQL index features differ',
      undefined,
      notes.every((n) => n === renamed),
    );
  else log.asIs(iobj, `${ix.unique ? 'UNIQUE ' : ''}INDEX (${elements.join(', ')})`);
}

/** UNIQUE WITHOUT INDEX: enforced by a unique index, the only way PostgreSQL has. */
function emitUniqueWithoutIndex(cx: TableConversion): void {
  const { st, t, name } = cx;
  for (const u of t.uniqueWithoutIndex) {
    const uobj = `constraint ${crdbName(t)}.${u.name}`;
    const names = u.columnIds.map((id) => cx.pgCol.get(id));
    if (st.opts.uniqueWithoutIndex === 'skip' || names.some((n) => n === undefined)) {
      st.log.notConvertible(
        uobj,
        'UNIQUE WITHOUT INDEX not enforced',
        'PostgreSQL enforces uniqueness only with an index',
        'create a unique index',
      );
      continue;
    }
    let where: string | undefined;
    if (u.predicate !== undefined) {
      const x = cx.tr(u.predicate);
      if (x.unsupported.length) {
        st.log.notConvertible(uobj, 'not enforced', `predicate uses ${describeUnsupported(x)}`);
        continue;
      }
      where = x.sql;
    }
    const pgName = cx.relScope.allocate(u.name, `${name.name}_${u.name}`);
    st.post.push({
      kind: 'index',
      table: name,
      name: pgName,
      unique: true,
      method: 'btree',
      elements: (names as string[]).map(quoteIdent),
      include: [],
      ...(where !== undefined ? { where } : {}),
      asConstraint: false,
    });
    st.log.changed(
      uobj,
      `enforced by unique index "${pgName}"`,
      'PostgreSQL has no UNIQUE WITHOUT INDEX; an index is the only way to enforce uniqueness',
      'drop the index if the constraint is enforced elsewhere',
    );
  }
}

/** Foreign keys to tables in the same PostgreSQL database, added NOT VALID after the load. */
function emitForeignKeys(cx: TableConversion): void {
  const { st, t, name } = cx;
  const log = st.log;
  for (const fk of t.foreignKeys) {
    const fobj = `foreign key ${crdbName(t)}.${fk.name}`;
    const ref = st.catalog.tables.find((x) => x.id === fk.referencedTableId);
    const refName = ref && st.relNames.get(ref.id);
    if (!ref || !refName) {
      log.notConvertible(
        fobj,
        'not created',
        ref ? `references ${crdbName(ref)}, which is in another PostgreSQL database` : 'the referenced table is not in the input',
        'set database_mapping to "schema" (one PostgreSQL database for every CockroachDB database), or add the constraint by hand',
      );
      continue;
    }
    const names = fk.columnIds.map((id) => cx.pgCol.get(id));
    const refCols = fk.referencedColumnIds.map((id) => ref.columns.find((c) => c.id === id)?.name);
    if (names.some((n) => n === undefined) || refCols.some((n) => n === undefined)) {
      log.notConvertible(fobj, 'not created', 'a referencing or referenced column does not exist in PostgreSQL');
      continue;
    }
    const pgName = cx.conScope.allocate(fk.name);
    const notes: string[] = [];
    const partial = fk.match === 'partial';
    if (partial) notes.push('MATCH PARTIAL → MATCH SIMPLE (PostgreSQL does not implement MATCH PARTIAL)');
    if (!fk.validated) notes.push('left NOT VALID, as in CockroachDB');
    if (pgName !== fk.name) notes.push(`renamed to "${pgName}"`);
    st.post.push({
      kind: 'foreign-key',
      table: name,
      name: pgName,
      columns: names as string[],
      refTable: refName,
      refColumns: refCols as string[],
      match: fk.match === 'full' ? 'full' : 'simple',
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
      validate: fk.validated,
    });
    // Left NOT VALID as in CockroachDB, or renamed: the same constraint; MATCH PARTIAL is not.
    if (notes.length) log.changed(fobj, notes.join('; '), 'PostgreSQL constraint rules', undefined, !partial);
    else log.asIs(fobj, `FOREIGN KEY → ${pgQ(refName)}, added NOT VALID after the load, then validated`);
  }
}

/** CHECK constraints (the range checks of hash-shard columns dropped with them). */
function emitChecks(cx: TableConversion): void {
  const { st, t, name } = cx;
  const log = st.log;
  for (const c of t.checks) {
    const cobj = `check ${crdbName(t)}.${c.name}`;
    if (c.fromHashShardedColumn || isShardCheck(t, c.expr)) {
      log.changed(cobj, 'dropped', 'range check of a hash-shard column, which is dropped');
      continue;
    }
    const x = cx.tr(c.expr);
    if (x.unsupported.length) {
      log.notConvertible(cobj, 'not created', `uses ${describeUnsupported(x)}`);
      continue;
    }
    const pgName = cx.conScope.allocate(c.name);
    st.post.push({ kind: 'check', table: name, name: pgName, expr: x.sql, validate: c.validated });
    if (!c.validated)
      log.changed(
        cobj,
        `CHECK (${x.sql}) left NOT VALID, as in CockroachDB`,
        [...x.changes, ...(pgName !== c.name ? ['renamed'] : [])].join('; ') || 'the existing rows were not validated in CockroachDB',
      );
    else if (x.changes.length || pgName !== c.name) log.changed(cobj, `CHECK (${x.sql})`, x.changes.join('; ') || 'renamed');
    else log.asIs(cobj, `CHECK (${x.sql})`);
  }
}

/** ON UPDATE expressions: a trigger function and a BEFORE UPDATE trigger each. */
function emitOnUpdateTriggers(cx: TableConversion, triggers: readonly { column: string; expr: string }[]): void {
  const { st, name } = cx;
  for (const tg of triggers) {
    const fnName = { schema: name.schema, name: st.typeScope(name.schema).allocate(`${name.name}_${tg.column}_on_update`) };
    st.pre.push({
      kind: 'trigger-function',
      target: fnName,
      body: `BEGIN\n  IF NEW.${quoteIdent(tg.column)} IS NOT DISTINCT FROM OLD.${quoteIdent(tg.column)} THEN\n    NEW.${quoteIdent(tg.column)} := ${tg.expr};\n  END IF;\n  RETURN NEW;\nEND;`,
    });
    st.post.push({ kind: 'trigger', table: name, name: fitTrigger(`${tg.column}_on_update`), fn: fnName });
  }
}

/** Virtual columns computed by a view over the table (option virtualComputed=view). */
function emitVirtualColumnsView(cx: TableConversion, viewCols: readonly { name: string; expr: string }[]): void {
  const { st, name } = cx;
  if (!viewCols.length) return;
  const vname = { schema: name.schema, name: cx.relScope.allocate(`${name.name}_with_virtual`) };
  st.post.push({
    kind: 'view',
    target: vname,
    columns: [],
    materialized: false,
    query: `SELECT *, ${viewCols.map((v) => `${v.expr} AS ${quoteIdent(v.name)}`).join(', ')} FROM ${pgQ(name)}`,
  });
  st.log.changed(cx.obj, `view ${pgQ(vname)} adds the VIRTUAL computed columns`, 'the library caller asked for views (virtualComputed)');
}

function fitTrigger(s: string): string {
  return new NameScope().allocate(s);
}
