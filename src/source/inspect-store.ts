/**
 * `inspect` for a store directory: lists databases, schemas, types, sequences and tables with a
 * CockroachDB-DDL-like summary and live row counts, or dumps one table's rows as text. Produces
 * lines; the CLI prints them.
 */
import type { Catalog, Column, Index, Sequence, Table } from '../model/catalog.js';
import { sqlTypeName } from '../catalog/type-from-proto.js';
import { openStore, type StoreMigrationSource } from './store.js';
import { dumpTableLines } from './dump-table.js';

export interface InspectStoreOptions {
  /** `db.table`, `db.schema.table` or `table`: dump this table's rows instead of the summary. */
  readonly dump?: string;
  /** Maximum rows to dump (default 100). */
  readonly limit?: number;
  /** Skip row counting in the summary (faster on large stores). */
  readonly noCounts?: boolean;
  /** Where the store's warnings go (absent files, stale MANIFEST, …). */
  readonly warn?: (message: string) => void;
}

export async function* inspectStore(dir: string, opts: InspectStoreOptions = {}): AsyncIterable<string> {
  const src = await openStore(dir);
  try {
    for (const w of src.warnings) opts.warn?.(w);
    if (opts.dump !== undefined) yield* dumpTableLines(src, opts.dump, opts.limit ?? 100);
    else yield* summary(src, opts.noCounts === true);
  } finally {
    await src.close();
  }
}

/** A few reserved words CockroachDB quotes in SHOW CREATE output. */
const RESERVED = new Set([
  'primary',
  'user',
  'order',
  'table',
  'select',
  'from',
  'where',
  'group',
  'check',
  'default',
  'references',
  'unique',
  'index',
  'family',
  'constraint',
  'foreign',
  'key',
  'all',
  'and',
  'or',
  'not',
  'null',
  'true',
  'false',
  'case',
  'end',
  'limit',
  'offset',
  'column',
  'create',
  'to',
  'with',
  'window',
  'when',
  'then',
  'else',
  'desc',
  'asc',
  'as',
  'on',
  'in',
  'is',
]);
const ident = (s: string): string => (/^[a-z_][a-z0-9_]*$/.test(s) && !RESERVED.has(s) ? s : `"${s.replace(/"/g, '""')}"`);

async function* summary(src: StoreMigrationSource, noCounts: boolean): AsyncIterable<string> {
  const c = src.catalog;
  for (const db of c.databases) {
    yield `-- database ${ident(db.name)} (id ${db.id})`;
    for (const s of c.schemas.filter((x) => x.database === db.name)) yield `--   schema ${ident(s.name)} (id ${s.id})`;
    for (const t of c.types.filter((x) => x.database === db.name)) {
      if (t.kind === 'enum')
        yield `CREATE TYPE ${ident(t.schema)}.${ident(t.name)} AS ENUM (${t.members.map((m) => `'${m.label.replace(/'/g, "''")}'`).join(', ')});`;
      else
        yield `CREATE TYPE ${ident(t.schema)}.${ident(t.name)} AS (${t.elements.map((e) => `${ident(e.label)} ${sqlTypeName(e.type)}`).join(', ')});`;
    }
    for (const s of c.sequences.filter((x) => x.database === db.name)) yield sequenceDdl(s);
    for (const t of c.tables.filter((x) => x.database === db.name)) {
      for (const line of tableDdl(t, c)) yield line;
      if (!noCounts) yield `-- ${await src.rowCount(t)} rows`;
    }
    for (const v of c.views.filter((x) => x.database === db.name)) yield `CREATE VIEW ${ident(v.schema)}.${ident(v.name)} AS ${v.query};`;
  }
  for (const n of c.notes) yield `-- note: ${n}`;
}

function sequenceDdl(s: Sequence): string {
  return (
    `CREATE SEQUENCE ${ident(s.schema)}.${ident(s.name)} MINVALUE ${s.minValue} MAXVALUE ${s.maxValue} INCREMENT ${s.increment} START ${s.start}` +
    `${s.cacheSize > 1n ? ` CACHE ${s.cacheSize}` : ''};${s.currentValue !== undefined ? ` -- current value ${s.currentValue}` : ''}`
  );
}

function columnDdl(col: Column): string {
  let s = `${ident(col.name)} ${sqlTypeName(col.type)}`;
  if (!col.nullable) s += ' NOT NULL';
  if (col.hidden) s += ' NOT VISIBLE';
  if (col.defaultExpr) s += ` DEFAULT ${col.defaultExpr}`;
  if (col.onUpdateExpr) s += ` ON UPDATE ${col.onUpdateExpr}`;
  if (col.computed) s += ` AS (${col.computed.expr}) ${col.computed.stored ? 'STORED' : 'VIRTUAL'}`;
  if (col.identity) s += ` GENERATED ${col.identity.mode === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  return s;
}

function indexCols(i: Index): string {
  return i.keyColumns.map((k) => `${ident(k.name)} ${k.direction.toUpperCase()}`).join(', ');
}

function tableDdl(t: Table, c: Catalog): string[] {
  const byId = new Map(t.columns.map((x) => [x.id, x.name]));
  const name = (id: number): string => ident(byId.get(id) ?? `@${id}`);
  const parts: string[] = t.columns.filter((x) => !x.inaccessible).map(columnDdl);
  parts.push(`CONSTRAINT ${ident(t.primaryIndex.name)} PRIMARY KEY (${indexCols(t.primaryIndex)})`);
  for (const i of t.indexes) {
    const kind = i.kind === 'inverted' ? 'INVERTED INDEX' : i.kind === 'vector' ? 'VECTOR INDEX' : i.unique ? 'UNIQUE INDEX' : 'INDEX';
    let s = `${kind} ${ident(i.name)} (${indexCols(i)})`;
    if (i.storeColumnIds.length > 0) s += ` STORING (${i.storeColumnIds.map(name).join(', ')})`;
    if (i.sharded) s += ` USING HASH WITH (bucket_count = ${i.sharded.buckets})`;
    if (i.predicate) s += ` WHERE ${i.predicate}`;
    if (i.invisible) s += ' NOT VISIBLE';
    parts.push(s);
  }
  for (const f of t.foreignKeys) {
    const ref = c.tables.find((x) => x.id === f.referencedTableId);
    const refCols = f.referencedColumnIds.map((id) => ident(ref?.columns.find((x) => x.id === id)?.name ?? `@${id}`));
    let s = `CONSTRAINT ${ident(f.name)} FOREIGN KEY (${f.columnIds.map(name).join(', ')}) REFERENCES ${ref ? `${ident(ref.schema)}.${ident(ref.name)}` : `[${f.referencedTableId}]`}(${refCols.join(', ')})`;
    if (f.onDelete !== 'no action') s += ` ON DELETE ${f.onDelete.toUpperCase()}`;
    if (f.onUpdate !== 'no action') s += ` ON UPDATE ${f.onUpdate.toUpperCase()}`;
    if (f.match !== 'simple') s += ` MATCH ${f.match.toUpperCase()}`;
    parts.push(s);
  }
  for (const u of t.uniqueWithoutIndex)
    parts.push(`CONSTRAINT ${ident(u.name)} UNIQUE WITHOUT INDEX (${u.columnIds.map(name).join(', ')})`);
  for (const k of t.checks) parts.push(`CONSTRAINT ${ident(k.name)} CHECK (${k.expr})`);
  if (t.families.length > 1) for (const f of t.families) parts.push(`FAMILY ${ident(f.name)} (${f.columnIds.map(name).join(', ')})`);
  const params = [...(t.ttl ? [t.ttl] : []), ...t.storageParams];
  const tail = [t.locality, params.length > 0 ? `WITH (${params.join(', ')})` : undefined].filter((x) => x !== undefined).join(' ');
  return [
    `CREATE TABLE ${ident(t.schema)}.${ident(t.name)} (`,
    ...parts.map((p, i) => `  ${p}${i < parts.length - 1 ? ',' : ''}`),
    `)${tail ? ` ${tail}` : ''}; -- id ${t.id}`,
  ];
}
