/**
 * One CockroachDB table → PostgreSQL table, keys, indexes, constraints and triggers
 * (shared/docs/competitors.md §d.2, §d.4, §d.5), with a decision for every column, index and
 * constraint. Returns the COPY column list the loader uses.
 */
import type { Column, Index, Table } from '../catalog/model.js';
import { translateExpr, type TranslatedExpr } from '../schema/translate-expr.js';
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
}

const isUniqueRowid = (e: string | undefined): boolean => e !== undefined && /^\s*(unordered_)?unique_rowid\(\s*\)\s*$/i.test(e);
const isShardCheck = (t: Table, expr: string): boolean => /crdb_internal_\w+_shard_\d+/.test(expr) && t.indexes.concat(t.primaryIndex).some((i) => i.sharded);

function describeUnsupported(tr: TranslatedExpr): string {
  return tr.unsupported.join(', ');
}

/** Converts one table; `name` is its already allocated PostgreSQL name. */
export function convertTable(st: DbState, t: Table, name: PgName): ConvertedTable {
  const obj = tableObject(t);
  const log = st.log;
  const colScope = new NameScope();
  const conScope = new NameScope();
  const relScope = st.relScope(name.schema);
  const shardCols = new Set<string>();
  for (const ix of [t.primaryIndex, ...t.indexes]) if (ix.sharded) shardCols.add(ix.sharded.shardColumn);
  // A shard column can outlive its index (another index uses it): still CockroachDB-internal.
  for (const c of t.columns) if (c.hidden && c.computed && /^crdb_internal_.+_shard_\d+$/.test(c.name)) shardCols.add(c.name);
  const pkIds = t.primaryIndex.keyColumns.map((k) => k.columnId);

  // Which columns exist in PostgreSQL.
  const pgCol = new Map<number, string>();
  const colByName = new Map<string, string>();
  const virtualExpr = new Map<number, string>();
  const defs: PgColumnDef[] = [];
  const copyCols: ConvertedColumn[] = [];
  const triggers: { column: string; expr: string }[] = [];
  const viewCols: { name: string; expr: string }[] = [];
  let droppedRowid = false;

  // Allocate all column names first so expressions can refer to any of them.
  for (const c of t.columns) {
    if (c.inaccessible || shardCols.has(c.name)) continue;
    const pgName = colScope.allocate(c.name);
    if (pgName !== c.name) log.changed(`column ${crdbName(t)}.${c.name}`, `renamed to "${pgName}"`, 'PostgreSQL names are at most 63 bytes');
    colByName.set(c.name, pgName);
  }
  const ctx = exprContext(st, obj, colByName);
  const tr = (e: string): TranslatedExpr => translateExpr(e, ctx);

  for (const c of t.columns) {
    const cobj = `column ${crdbName(t)}.${c.name}`;
    if (c.inaccessible) continue;
    if (shardCols.has(c.name)) {
      log.changed(cobj, 'dropped', 'hash-shard column of a hash-sharded index: it only spreads writes across ranges in CockroachDB');
      continue;
    }
    const isRowid = c.hidden && isUniqueRowid(c.defaultExpr) && pkIds.length === 1 && pkIds[0] === c.id;
    if (isRowid && st.opts.rowid === 'drop') {
      droppedRowid = true;
      log.changed(cobj, 'dropped (rowid: "drop"); the table has no primary key in PostgreSQL', 'implicit primary key CockroachDB adds to tables created without one', 'set rowid to "keep" to keep it as a bigint key');
      continue;
    }
    const pgName = colByName.get(c.name)!;
    const type = pgType(st, c.type, cobj);
    const def: { -readonly [K in keyof PgColumnDef]: PgColumnDef[K] } = { name: pgName, type, notNull: !c.nullable };
    let generated = false;
    const changes: string[] = [];
    if (c.hidden && !isRowid) changes.push('NOT VISIBLE column made visible (PostgreSQL has no invisible columns; SELECT * now returns it)');
    if (c.computed) {
      const x = tr(c.computed.expr);
      if (x.unsupported.length && !c.computed.stored) {
        log.notConvertible(cobj, 'VIRTUAL computed column dropped', `its expression ${c.computed.expr} uses ${describeUnsupported(x)}, which PostgreSQL lacks, and its values are not stored`, 'add the column and a trigger computing it by hand');
        continue;
      } else if (x.unsupported.length) {
        log.notConvertible(cobj, `computed expression ${c.computed.expr} not kept; the column is a plain column holding the copied values`, `uses ${describeUnsupported(x)}, which PostgreSQL lacks`, 'maintain the value with a trigger or in the application');
      } else if (!c.computed.stored && st.opts.virtualComputed === 'view') {
        virtualExpr.set(c.id, x.sql);
        viewCols.push({ name: pgName, expr: x.sql });
        log.changed(cobj, 'VIRTUAL computed column moved to a view', 'the library caller asked for views (virtualComputed); PostgreSQL ≤17 has no virtual generated columns');
        continue;
      } else {
        def.generated = x.sql;
        generated = true;
        def.notNull = false;
        if (!c.computed.stored) changes.push('VIRTUAL computed column stored (GENERATED ALWAYS … STORED): PostgreSQL ≤17 has no virtual generated columns');
        else if (x.changes.length) changes.push(`expression rewritten: ${x.changes.join('; ')}`);
        if (!c.nullable) def.notNull = true;
      }
    }
    if (c.identity) {
      def.identity = { mode: c.identity.mode, ...(c.identity.sequenceOptions ? { options: c.identity.sequenceOptions.replace(/\bPER\s+(NODE|SESSION)\s+/gi, '') } : {}) };
      st.post.push({ kind: 'setval', sequence: { identityOf: name, column: pgName }, columns: [{ table: name, column: pgName }] });
    } else if (c.defaultExpr !== undefined && !generated) {
      if (isUniqueRowid(c.defaultExpr)) {
        const seq = { schema: name.schema, name: relScope.allocate(`${name.name}_${pgName}_seq`) };
        st.pre.push({ kind: 'sequence', target: seq, increment: 1n, minValue: 1n, maxValue: 9223372036854775807n, start: 1n, cache: 1n });
        st.pre.push({ kind: 'sequence-owned-by', sequence: seq, table: name, column: pgName });
        def.default = `nextval(${`'${pgQ(seq).replaceAll("'", "''")}'`}::regclass)`;
        st.post.push({ kind: 'setval', sequence: seq, minValue: 1n, columns: [{ table: name, column: pgName }] });
        changes.push(`DEFAULT ${c.defaultExpr} replaced by sequence ${pgQ(seq)}, set past the largest copied value after the load (new values are no longer time-ordered)`);
      } else {
        const x = tr(c.defaultExpr);
        if (x.unsupported.length) {
          log.notConvertible(cobj, `DEFAULT ${c.defaultExpr} dropped`, `uses ${describeUnsupported(x)}, which PostgreSQL lacks`, 'set a PostgreSQL default with ALTER TABLE … SET DEFAULT, or fill the column in the application');
        } else {
          def.default = x.sql;
          if (x.changes.length) changes.push(`DEFAULT rewritten: ${x.changes.join('; ')}`);
        }
      }
    }
    if (c.onUpdateExpr !== undefined) {
      const x = tr(c.onUpdateExpr);
      if (x.unsupported.length) log.notConvertible(cobj, `ON UPDATE ${c.onUpdateExpr} dropped`, `uses ${describeUnsupported(x)}`, 'write a BEFORE UPDATE trigger');
      else {
        triggers.push({ column: pgName, expr: x.sql });
        changes.push('ON UPDATE expression implemented by a BEFORE UPDATE trigger (applied when an UPDATE leaves the column unchanged; CockroachDB applies it when the UPDATE does not set the column)');
      }
    }
    defs.push(def);
    pgCol.set(c.id, pgName);
    if (!generated) copyCols.push({ column: c, pgName, pgType: type });
    if (changes.length) for (const ch of changes) log.changed(cobj, ch.split(':')[0]!, ch);
    else log.asIs(cobj, `${pgName} ${type}`);
  }
  st.pre.push({ kind: 'table', target: name, columns: defs });
  if (t.families.length > 1 || (t.families.length === 1 && t.families[0]!.name !== 'primary')) log.changed(obj, `column families ${t.families.map((f) => f.name).join(', ')} dropped`, 'FAMILY only controls CockroachDB storage layout');
  if (t.locality) log.changed(obj, `${t.locality} dropped`, 'multi-region placement has no PostgreSQL equivalent');
  if (t.ttl) log.changed(obj, `row-level TTL (${t.ttl}) dropped`, 'PostgreSQL has no row-level TTL', 'schedule a DELETE (e.g. with pg_cron) on the expiration column');
  for (const p of t.storageParams) log.changed(obj, `${p} dropped`, 'CockroachDB storage option with no PostgreSQL equivalent');
  if (t.primaryIndex.partitioning) log.changed(obj, `${t.primaryIndex.partitioning.summary.replace(/\s+/g, " ")} dropped`, 'CockroachDB partitioning places data; PostgreSQL declarative partitioning is a different feature', 'partition the PostgreSQL table by hand if needed');

  // Index elements: column name, or the expression (expression indexes, view-moved virtual columns).
  const element = (t2: Table, ic: Index['keyColumns'][number], what: string): string | undefined => {
    const n = pgCol.get(ic.columnId);
    const dir = ic.direction === 'desc' ? ' DESC' : '';
    if (n !== undefined) return `${quoteIdent(n)}${dir}`;
    const ve = virtualExpr.get(ic.columnId);
    if (ve !== undefined) return `(${ve})${dir}`;
    const col = t2.columns.find((c) => c.id === ic.columnId);
    if (col?.inaccessible && col.computed) {
      const x = tr(col.computed.expr);
      if (x.unsupported.length) {
        log.notConvertible(what, 'not created', `expression ${col.computed.expr} uses ${describeUnsupported(x)}`);
        return undefined;
      }
      return `(${x.sql})${dir}`;
    }
    return undefined;
  };

  // Primary key.
  const pk = t.primaryIndex;
  const pkObj = `primary key ${crdbName(t)}@${pk.name}`;
  if (t.materializedViewQuery === undefined && !droppedRowid && pk.keyColumns.length) {
    const keyCols = pk.keyColumns.filter((k) => !shardCols.has(k.name));
    const names = keyCols.map((k) => pgCol.get(k.columnId));
    if (names.some((n) => n === undefined)) log.notConvertible(pkObj, 'not created', 'a key column is not a stored column in PostgreSQL');
    else {
      const pkName = pk.name === 'primary' ? `${name.name}_pkey` : pk.name;
      const pgName = relScope.allocate(pkName, `${name.name}_${pkName}`);
      conScope.reserve(pgName);
      st.post.push({ kind: 'primary-key', table: name, name: pgName, columns: names as string[] });
      const notes: string[] = [];
      if (pgName !== pk.name) notes.push(`named "${pgName}"`);
      if (keyCols.some((k) => k.direction === 'desc')) notes.push('DESC dropped: PostgreSQL primary keys are ascending (backward index scans serve DESC order)');
      if (pk.sharded) notes.push(`hash sharding (bucket_count=${pk.sharded.buckets}) dropped: plain btree`);
      if (notes.length) log.changed(pkObj, notes.join('; '), 'PostgreSQL constraint rules');
      else log.asIs(pkObj, `PRIMARY KEY (${names.join(', ')})`);
    }
  }

  // Secondary indexes.
  for (const ix of t.indexes) {
    const iobj = `index ${crdbName(t)}@${ix.name}`;
    const notes: string[] = [];
    let method: 'btree' | 'gin' | 'gist' | 'hnsw' = 'btree';
    let keyCols = ix.keyColumns.filter((k) => !(ix.sharded && k.name === ix.sharded.shardColumn));
    if (ix.sharded) notes.push(`hash sharding (bucket_count=${ix.sharded.buckets}) dropped: plain btree on ${ix.sharded.columnNames.join(', ')}`);
    if (keyCols.some((k) => shardCols.has(k.name))) {
      log.notConvertible(iobj, 'not created', 'it indexes a hash-shard column, which is dropped');
      continue;
    }
    let opclass = '';
    if (ix.kind === 'inverted') {
      const last = t.columns.find((c) => c.id === keyCols[keyCols.length - 1]?.columnId);
      const fam = last?.type.family;
      if (ix.trigram || fam === 'string' || fam === 'collatedstring') {
        if (!st.extensions.has('pg_trgm')) {
          log.notConvertible(iobj, 'trigram index not created', 'gin_trgm_ops needs the pg_trgm extension', 'add "pg_trgm" to the extensions key to create it');
          continue;
        }
        opclass = ' gin_trgm_ops';
        method = 'gin';
      } else if (fam === 'geometry' || fam === 'geography') {
        if (!st.extensions.has('postgis')) {
          log.notConvertible(iobj, 'spatial index not created', 'needs PostGIS', 'add "postgis" to the extensions key (PostGIS installed on the target)');
          continue;
        }
        method = 'gist';
      } else method = 'gin';
      if (keyCols.length > 1 && !st.extensions.has('btree_gin')) {
        notes.push(`GIN on the last column only; prefix columns ${keyCols.slice(0, -1).map((k) => k.name).join(', ')} left out (they need btree_gin)`);
        keyCols = keyCols.slice(-1);
      }
      keyCols = keyCols.map((k) => ({ ...k, direction: 'asc' as const }));
      notes.push(`inverted index → ${method.toUpperCase()}`);
    } else if (ix.kind === 'vector') {
      if (!st.extensions.has('vector')) {
        log.notConvertible(iobj, 'vector index not created', 'needs the pgvector extension', 'add "vector" to the extensions key (pgvector installed on the target) to create it as an HNSW index');
        continue;
      }
      method = 'hnsw';
      keyCols = keyCols.slice(-1);
      opclass = ' vector_l2_ops';
    }
    const elements: string[] = [];
    let ok = true;
    for (const k of keyCols) {
      const e = element(t, k, iobj);
      if (e === undefined) { ok = false; break; }
      elements.push(e + (k === keyCols[keyCols.length - 1] ? opclass : ''));
    }
    if (!ok || !elements.length) {
      if (ok) log.notConvertible(iobj, 'not created', 'no indexable column left');
      continue;
    }
    const include = method === 'btree' ? ix.storeColumnIds.map((id) => pgCol.get(id)).filter((n): n is string => n !== undefined) : [];
    if (ix.storeColumnIds.length) notes.push(method === 'btree' ? 'STORING → INCLUDE' : 'STORING dropped (GIN has no INCLUDE)');
    let where: string | undefined;
    if (ix.predicate !== undefined) {
      const x = tr(ix.predicate);
      if (x.unsupported.length) {
        log.notConvertible(iobj, 'partial index not created', `predicate uses ${describeUnsupported(x)}`);
        continue;
      }
      where = x.sql;
    }
    if (ix.invisible) notes.push('NOT VISIBLE ignored: PostgreSQL indexes are always visible to the planner');
    if (ix.partitioning) notes.push(`${ix.partitioning.summary.replace(/\s+/g, " ")} dropped`);
    const pgName = relScope.allocate(ix.name, `${name.name}_${ix.name}`);
    if (pgName !== ix.name) notes.push(`renamed to "${pgName}" (index names are per schema in PostgreSQL, per table in CockroachDB; at most 63 bytes)`);
    const asConstraint = ix.unique && method === 'btree' && where === undefined && !include.length && elements.every((e) => e.startsWith('"') && !e.endsWith(' DESC'));
    if (asConstraint) conScope.reserve(pgName);
    st.post.push({ kind: 'index', table: name, name: pgName, unique: ix.unique, method, elements, include, ...(where !== undefined ? { where } : {}), asConstraint });
    if (notes.length) log.changed(iobj, notes.join('; '), 'PostgreSQL index features differ');
    else log.asIs(iobj, `${ix.unique ? 'UNIQUE ' : ''}INDEX (${elements.join(', ')})`);
  }

  // UNIQUE WITHOUT INDEX.
  for (const u of t.uniqueWithoutIndex) {
    const uobj = `constraint ${crdbName(t)}.${u.name}`;
    const names = u.columnIds.map((id) => pgCol.get(id));
    if (st.opts.uniqueWithoutIndex === 'skip' || names.some((n) => n === undefined)) {
      log.notConvertible(uobj, 'UNIQUE WITHOUT INDEX not enforced', 'PostgreSQL enforces uniqueness only with an index', 'create a unique index');
      continue;
    }
    let where: string | undefined;
    if (u.predicate !== undefined) {
      const x = tr(u.predicate);
      if (x.unsupported.length) { log.notConvertible(uobj, 'not enforced', `predicate uses ${describeUnsupported(x)}`); continue; }
      where = x.sql;
    }
    const pgName = relScope.allocate(u.name, `${name.name}_${u.name}`);
    st.post.push({ kind: 'index', table: name, name: pgName, unique: true, method: 'btree', elements: (names as string[]).map(quoteIdent), include: [], ...(where !== undefined ? { where } : {}), asConstraint: false });
    log.changed(uobj, `enforced by unique index "${pgName}"`, 'PostgreSQL has no UNIQUE WITHOUT INDEX; an index is the only way to enforce uniqueness', 'drop the index if the constraint is enforced elsewhere');
  }

  // Foreign keys.
  for (const fk of t.foreignKeys) {
    const fobj = `foreign key ${crdbName(t)}.${fk.name}`;
    const ref = st.catalog.tables.find((x) => x.id === fk.referencedTableId);
    const refName = ref && st.relNames.get(ref.id);
    if (!ref || !refName) {
      log.notConvertible(fobj, 'not created', ref ? `references ${crdbName(ref)}, which is in another PostgreSQL database` : 'the referenced table is not in the input', 'set database_mapping to "schema" (one PostgreSQL database for every CockroachDB database), or add the constraint by hand');
      continue;
    }
    const names = fk.columnIds.map((id) => pgCol.get(id));
    const refCols = fk.referencedColumnIds.map((id) => ref.columns.find((c) => c.id === id)?.name);
    if (names.some((n) => n === undefined) || refCols.some((n) => n === undefined)) {
      log.notConvertible(fobj, 'not created', 'a referencing or referenced column does not exist in PostgreSQL');
      continue;
    }
    const pgName = conScope.allocate(fk.name);
    const notes: string[] = [];
    if (fk.match === 'partial') notes.push('MATCH PARTIAL → MATCH SIMPLE (PostgreSQL does not implement MATCH PARTIAL)');
    if (!fk.validated) notes.push('left NOT VALID, as in CockroachDB');
    if (pgName !== fk.name) notes.push(`renamed to "${pgName}"`);
    st.post.push({
      kind: 'foreign-key', table: name, name: pgName, columns: names as string[], refTable: refName, refColumns: refCols as string[],
      match: fk.match === 'full' ? 'full' : 'simple', onDelete: fk.onDelete, onUpdate: fk.onUpdate, validate: fk.validated,
    });
    if (notes.length) log.changed(fobj, notes.join('; '), 'PostgreSQL constraint rules');
    else log.asIs(fobj, `FOREIGN KEY → ${pgQ(refName)}, added NOT VALID after the load, then validated`);
  }

  // Checks.
  for (const c of t.checks) {
    const cobj = `check ${crdbName(t)}.${c.name}`;
    if (c.fromHashShardedColumn || isShardCheck(t, c.expr)) {
      log.changed(cobj, 'dropped', 'range check of a hash-shard column, which is dropped');
      continue;
    }
    const x = tr(c.expr);
    if (x.unsupported.length) { log.notConvertible(cobj, 'not created', `uses ${describeUnsupported(x)}`); continue; }
    const pgName = conScope.allocate(c.name);
    st.post.push({ kind: 'check', table: name, name: pgName, expr: x.sql, validate: c.validated });
    if (!c.validated) log.changed(cobj, `CHECK (${x.sql}) left NOT VALID, as in CockroachDB`, [...x.changes, ...(pgName !== c.name ? ['renamed'] : [])].join('; ') || 'the existing rows were not validated in CockroachDB');
    else if (x.changes.length || pgName !== c.name) log.changed(cobj, `CHECK (${x.sql})`, x.changes.join('; ') || 'renamed');
    else log.asIs(cobj, `CHECK (${x.sql})`);
  }

  reportSchemaChanges(log, t);

  // ON UPDATE triggers.
  for (const tg of triggers) {
    const fnName = { schema: name.schema, name: st.typeScope(name.schema).allocate(`${name.name}_${tg.column}_on_update`) };
    st.pre.push({ kind: 'trigger-function', target: fnName, body: `BEGIN\n  IF NEW.${quoteIdent(tg.column)} IS NOT DISTINCT FROM OLD.${quoteIdent(tg.column)} THEN\n    NEW.${quoteIdent(tg.column)} := ${tg.expr};\n  END IF;\n  RETURN NEW;\nEND;` });
    st.post.push({ kind: 'trigger', table: name, name: fitTrigger(`${tg.column}_on_update`), fn: fnName });
  }

  // Virtual columns computed by a view.
  if (viewCols.length) {
    const vname = { schema: name.schema, name: relScope.allocate(`${name.name}_with_virtual`) };
    st.post.push({ kind: 'view', target: vname, columns: [], materialized: false, query: `SELECT *, ${viewCols.map((v) => `${v.expr} AS ${quoteIdent(v.name)}`).join(', ')} FROM ${pgQ(name)}` });
    log.changed(obj, `view ${pgQ(vname)} adds the VIRTUAL computed columns`, 'the library caller asked for views (virtualComputed)');
  }
  return { table: t, pgSchema: name.schema, pgName: name.name, columns: copyCols, pgColumnNames: pgCol };
}

function fitTrigger(s: string): string {
  return new NameScope().allocate(s);
}
