/**
 * Turns the parser's builders into the frozen schema model: resolves user-defined types, foreign
 * key targets, sequence references, expression-index and hash-shard columns, and comments.
 */
import type {
  Catalog,
  CheckConstraint,
  Column,
  Comment,
  Database,
  EnumType,
  CompositeType,
  Family,
  ForeignKey,
  FunctionDef,
  Index,
  IndexColumn,
  Schema,
  Sequence,
  Table,
  UniqueWithoutIndex,
  UserType,
  View,
} from '../model/catalog.js';
import { sqlType, type SqlType } from '../model/sql-type.js';
import type { ColumnBuilder, IndexBuilder, TableBuilder } from './ddl-builders.js';
import type { ParsedType } from './parse-type.js';
import { identName, tokenize, type Token } from './tokenize.js';

export interface PendingComment {
  kind: 'TABLE' | 'COLUMN' | 'INDEX' | 'CONSTRAINT' | 'DATABASE' | 'SCHEMA' | 'VIEW' | 'SEQUENCE' | 'TYPE';
  database: string;
  parts: readonly string[];
  index?: string;
  constraint?: string;
  text: string;
}

export interface SequenceBuilder {
  id: number;
  database: string;
  schema: string;
  name: string;
  increment: bigint;
  minValue: bigint;
  maxValue: bigint;
  start: bigint;
  cacheSize: bigint;
  virtual: boolean;
  asIntegerType: string | undefined;
  ownedBy: string[] | undefined;
}

export type TypeBuilder =
  | { kind: 'enum'; id: number; database: string; schema: string; name: string; labels: string[] }
  | { kind: 'composite'; id: number; database: string; schema: string; name: string; elements: { label: string; parsed: ParsedType }[] };

export interface ParseState {
  database: string;
  nextId: number;
  databases: Database[];
  schemas: Schema[];
  tables: TableBuilder[];
  views: View[];
  sequences: SequenceBuilder[];
  types: TypeBuilder[];
  comments: PendingComment[];
  functions: { database: string; text: string; procedure: boolean }[];
  setvals?: { database: string; toks: Token[] }[];
}

/** [db, schema, name] for a 1–3 part name written in database `db`. */
function resolveIn(st: ParseState, db: string, parts: readonly string[]): [string, string, string] {
  const n = parts.length;
  const name = parts[n - 1]!;
  if (n >= 3) return [parts[n - 3]!, parts[n - 2]!, name];
  if (n === 2) {
    const first = parts[0]!;
    const isSchema = first === 'public' || st.schemas.some((s) => s.database === db && s.name === first);
    if (!isSchema && st.databases.some((d) => d.name === first)) return [first, 'public', name];
    return [db, first, name];
  }
  return [db, 'public', name];
}

function splitName(s: string): string[] {
  return s.split('.').map((p) => (p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1).replaceAll('""', '"') : p.toLowerCase()));
}

const same = (a: { database: string; schema: string; name: string }, k: [string, string, string]): boolean =>
  a.database === k[0] && a.schema === k[1] && a.name === k[2];

const key = (k: [string, string, string]): string => k.join('\u0000');

/** Resolves a column's or element's type to the user-defined type it names, if any. */
type UdtResolver = (t: SqlType, parts: readonly string[] | undefined, db: string, arrayDepth: number) => SqlType;

/** What finalizing one table needs from the rest of the input. */
interface TableContext {
  readonly st: ParseState;
  readonly tableByKey: ReadonlyMap<string, TableBuilder>;
  readonly resolveUdt: UdtResolver;
  /** Ids of the sequences an expression's nextval/currval calls name. */
  readonly seqUses: (expr: string | undefined, db: string) => number[];
  readonly ownedSeq: ReadonlyMap<number, { tableId: number; columnId: number }>;
  readonly warn: (s: string) => void;
}

export function finalizeCatalog(st: ParseState, warn: (s: string) => void): Catalog {
  // User-defined types first: columns refer to them.
  const { types, resolveUdt } = finalizeUserTypes(st);
  const seqByKey = new Map<string, SequenceBuilder>();
  for (const s of st.sequences) seqByKey.set(key([s.database, s.schema, s.name]), s);
  const tableByKey = new Map<string, TableBuilder>();
  for (const t of st.tables) tableByKey.set(key([t.database, t.schema, t.name]), t);
  const ownedSeq = ownedSequences(st, tableByKey);
  const cx: TableContext = { st, tableByKey, resolveUdt, seqUses: (expr, db) => sequenceUses(st, seqByKey, expr, db), ownedSeq, warn };
  const tables: Table[] = st.tables.map((tb) => finalizeTable(cx, tb));
  const currentValues = sequenceCurrentValues(st, seqByKey);
  const sequences: Sequence[] = st.sequences.map((s) =>
    Object.freeze({
      kind: 'sequence',
      id: s.id,
      database: s.database,
      schema: s.schema,
      name: s.name,
      increment: s.increment,
      minValue: s.minValue,
      maxValue: s.maxValue,
      start: s.start,
      cacheSize: s.cacheSize,
      virtual: s.virtual,
      ...(s.asIntegerType ? { asIntegerType: s.asIntegerType } : {}),
      ...(ownedSeq.has(s.id) ? { owner: ownedSeq.get(s.id)! } : {}),
      ...(currentValues.has(s.id) ? { currentValue: currentValues.get(s.id)! } : {}),
    }),
  );
  const comments = finalizeComments(st, tables, warn);
  const functions = finalizeFunctions(st);
  return Object.freeze({
    databases: st.databases,
    schemas: st.schemas,
    tables,
    views: st.views,
    sequences,
    types,
    functions,
    comments,
    notes: [],
  });
}

/** The enums and composite types, and the resolver that turns a type name into one of them. */
function finalizeUserTypes(st: ParseState): { types: UserType[]; resolveUdt: UdtResolver } {
  const types: UserType[] = [];
  const enumByKey = new Map<string, EnumType | CompositeType>();
  const resolveUdt: UdtResolver = (t, parts, db, arrayDepth) => {
    if (!parts) return t;
    const k = resolveIn(st, db, parts);
    const ut = enumByKey.get(key(k));
    if (!ut) return t;
    let base: SqlType =
      ut.kind === 'enum'
        ? sqlType('enum', { oid: 100000 + ut.id, udt: { typeId: ut.id, schema: ut.schema, name: ut.name, enumMembers: ut.members } })
        : sqlType('tuple', {
            oid: 100000 + ut.id,
            udt: { typeId: ut.id, schema: ut.schema, name: ut.name },
            tupleContents: ut.elements.map((e) => e.type),
            tupleLabels: ut.elements.map((e) => e.label),
          });
    if (t.family === 'collatedstring') base = t;
    for (let d = 0; d < arrayDepth; d++) base = sqlType('array', { arrayContents: base });
    return base;
  };
  for (const tb of st.types) {
    if (tb.kind === 'enum') {
      const members = tb.labels.map((label, i) => ({
        physical: Uint8Array.of(Math.min(255, (i + 1) * Math.floor(256 / (tb.labels.length + 1)))),
        label,
        writable: true,
      }));
      const e: EnumType = Object.freeze({ kind: 'enum', id: tb.id, database: tb.database, schema: tb.schema, name: tb.name, members });
      types.push(e);
      enumByKey.set(key([tb.database, tb.schema, tb.name]), e);
    } else {
      const c: CompositeType = Object.freeze({
        kind: 'composite',
        id: tb.id,
        database: tb.database,
        schema: tb.schema,
        name: tb.name,
        elements: tb.elements.map((el) => ({ label: el.label, type: resolveUdt(el.parsed.type, el.parsed.userTypeName, tb.database, 0) })),
      });
      types.push(c);
      enumByKey.set(key([tb.database, tb.schema, tb.name]), c);
    }
  }
  return { types, resolveUdt };
}

/** Ids of the sequences named by the nextval/currval calls of `expr`. */
function sequenceUses(st: ParseState, seqByKey: ReadonlyMap<string, SequenceBuilder>, expr: string | undefined, db: string): number[] {
  if (!expr) return [];
  const out: number[] = [];
  const toks = tokenize(expr, 'expression');
  for (let i = 0; i + 2 < toks.length; i++) {
    if (toks[i]!.kind === 'word' && /^(nextval|currval)$/i.test(toks[i]!.value) && toks[i + 2]!.kind === 'string') {
      const s = seqByKey.get(key(resolveIn(st, db, splitName(toks[i + 2]!.value))));
      if (s) out.push(s.id);
    }
  }
  return out;
}

/** Sequence id → the column owning it (OWNED BY), for the owners present in the input. */
function ownedSequences(st: ParseState, tableByKey: ReadonlyMap<string, TableBuilder>): Map<number, { tableId: number; columnId: number }> {
  const ownedSeq = new Map<number, { tableId: number; columnId: number }>();
  for (const s of st.sequences) {
    if (!s.ownedBy || s.ownedBy.length < 2) continue;
    const t = tableByKey.get(key(resolveIn(st, s.database, s.ownedBy.slice(0, -1))));
    const c = t?.columns.find((x) => x.name === s.ownedBy![s.ownedBy!.length - 1]);
    if (t && c) ownedSeq.set(s.id, { tableId: t.id, columnId: c.id });
  }
  return ownedSeq;
}

/** One table of the model: columns (expression-index columns added), indexes, families and constraints. */
function finalizeTable(cx: TableContext, tb: TableBuilder): Table {
  const cols = tb.columns;
  const colId = (name: string, what: string): number => {
    const c = cols.find((x) => x.name === name);
    if (!c) {
      cx.warn(`${tb.name}: ${what} names unknown column ${name}`);
      return -1;
    }
    return c.id;
  };
  const { primaryIndex, indexes, exprCols } = finalizeIndexes(tb, colId, cx.warn);
  const allCols = [...cols, ...exprCols];
  const columns: Column[] = allCols.map((c) =>
    Object.freeze({
      id: c.id,
      name: c.name,
      type: cx.resolveUdt(c.type, c.userTypeName?.parts, c.userTypeName?.database ?? tb.database, c.userTypeName?.arrayDepth ?? 0),
      nullable: c.nullable,
      hidden: c.hidden,
      inaccessible: c.inaccessible,
      ...(c.defaultExpr !== undefined ? { defaultExpr: c.defaultExpr } : {}),
      ...(c.onUpdateExpr !== undefined ? { onUpdateExpr: c.onUpdateExpr } : {}),
      ...(c.computed ? { computed: { ...c.computed } } : {}),
      ...(c.identity ? { identity: { ...c.identity } } : {}),
      usesSequenceIds: [...cx.seqUses(c.defaultExpr, tb.database), ...cx.seqUses(c.onUpdateExpr, tb.database)],
      ownsSequenceIds: [...cx.ownedSeq.entries()].filter(([, o]) => o.tableId === tb.id && o.columnId === c.id).map(([id]) => id),
    }),
  );
  const stored = cols.filter((c) => !(c.computed && !c.computed.stored));
  const families: Family[] = tb.families.length
    ? tb.families.map((f, i) => {
        const ids = f.columns.map((n) => colId(n, `family ${f.name}`));
        return { id: i, name: f.name, columnIds: ids, defaultColumnId: ids.length === 1 ? ids[0]! : 0 };
      })
    : [{ id: 0, name: 'primary', columnIds: stored.map((c) => c.id), defaultColumnId: 0 }];
  const { checks, foreignKeys, uniqueWithoutIndex } = finalizeConstraints(cx, tb, allCols, colId);
  const storageParams = [...tb.storageParams];
  if (tb.interleave) storageParams.push(tb.interleave);
  for (const ib of tb.indexes) if (ib.interleave) storageParams.push(`${ib.interleave} (index ${ib.name})`);
  return Object.freeze({
    kind: 'table',
    id: tb.id,
    database: tb.database,
    schema: tb.schema,
    name: tb.name,
    columns,
    primaryIndex,
    indexes,
    families,
    checks,
    foreignKeys,
    uniqueWithoutIndex,
    ...(tb.locality ? { locality: tb.locality } : {}),
    ...(tb.ttl ? { ttl: tb.ttl } : {}),
    storageParams,
    ...(tb.materializedViewQuery ? { materializedViewQuery: tb.materializedViewQuery } : {}),
    dataExcluded: false,
  });
}

/**
 * The primary and secondary indexes of a table, with the hidden columns its expression-index
 * elements need (new column ids taken from the table) and the shard column of hash-sharded ones.
 */
function finalizeIndexes(
  tb: TableBuilder,
  colId: (name: string, what: string) => number,
  warn: (s: string) => void,
): { primaryIndex: Index; indexes: Index[]; exprCols: ColumnBuilder[] } {
  const cols = tb.columns;
  const exprCols: ColumnBuilder[] = [];
  const indexColumns = (ib: IndexBuilder): IndexColumn[] => {
    const out: IndexColumn[] = [];
    for (const el of ib.elements) {
      if (el.columnName !== undefined)
        out.push({ columnId: colId(el.columnName, `index ${ib.name}`), name: el.columnName, direction: el.direction });
      else {
        const existing = exprCols.find((c) => c.computed?.expr === el.expr);
        const c = existing ?? {
          id: tb.nextColumnId++,
          name: `crdb_internal_idx_expr${exprCols.length ? `_${exprCols.length}` : ''}`,
          type: sqlType('unknown'),
          nullable: true,
          hidden: true,
          inaccessible: true,
          computed: { expr: el.expr!, stored: false },
        };
        if (!existing) exprCols.push(c);
        out.push({ columnId: c.id, name: c.name, direction: el.direction });
      }
    }
    return out;
  };
  const pkIds = (tb.primary?.elements ?? []).map((e) => (e.columnName ? colId(e.columnName, 'primary key') : -1));
  const toIndex = (ib: IndexBuilder, primary: boolean): Index => {
    let keyColumns = indexColumns(ib);
    let sharded: Index['sharded'];
    if (ib.hash) {
      const names = ib.elements.map((e) => e.columnName ?? '');
      const shard =
        cols.find((c) => c.name === `crdb_internal_${names.join('_')}_shard_${ib.hash!.buckets}`) ??
        cols.find((c) => c.name.startsWith('crdb_internal_') && c.name.endsWith(`_shard_${ib.hash!.buckets}`));
      if (shard) {
        sharded = { shardColumn: shard.name, buckets: ib.hash.buckets, columnNames: names };
        keyColumns = [{ columnId: shard.id, name: shard.name, direction: 'asc' }, ...keyColumns];
      } else warn(`${tb.name}: hash-sharded index ${ib.name} has no shard column in the input`);
    }
    const keyIds = new Set(keyColumns.map((k) => k.columnId));
    const trigram = ib.elements.some((e) => e.opclass !== undefined && /trgm/i.test(e.opclass));
    return Object.freeze({
      id: ib.id,
      name: ib.name,
      unique: ib.unique,
      keyColumns,
      storeColumnIds: ib.storing.map((n) => colId(n, `index ${ib.name} STORING`)),
      keySuffixColumnIds: primary ? [] : pkIds.filter((id) => !keyIds.has(id)),
      compositeColumnIds: [],
      kind: ib.kind,
      ...(trigram ? { trigram } : {}),
      ...(ib.predicate ? { predicate: ib.predicate } : {}),
      ...(sharded ? { sharded } : {}),
      ...(ib.partitioning
        ? { partitioning: { numColumns: ib.partitioning.numColumns, numImplicitColumns: 0, summary: ib.partitioning.summary } }
        : {}),
      invisible: ib.invisible,
    });
  };
  if (tb.partitioning) tb.primary!.partitioning = { summary: tb.partitioning, numColumns: 0 };
  const primaryIndex = toIndex(tb.primary!, true);
  const indexes = tb.indexes.map((ib) => toIndex(ib, false));
  return { primaryIndex, indexes, exprCols };
}

/** A table's CHECK, FOREIGN KEY and UNIQUE WITHOUT INDEX constraints, columns resolved to ids. */
function finalizeConstraints(
  cx: TableContext,
  tb: TableBuilder,
  allCols: readonly ColumnBuilder[],
  colId: (name: string, what: string) => number,
): { checks: CheckConstraint[]; foreignKeys: ForeignKey[]; uniqueWithoutIndex: UniqueWithoutIndex[] } {
  const namesIn = (expr: string): number[] => {
    const ids = new Set<number>();
    for (const t of tokenize(expr, 'expression')) {
      if (t.kind !== 'word' && t.kind !== 'qident') continue;
      const c = allCols.find((x) => x.name === identName(t));
      if (c) ids.add(c.id);
    }
    return [...ids];
  };
  const checks: CheckConstraint[] = tb.checks.map((c) => {
    const ids = namesIn(c.expr);
    const shardOnly = ids.length === 1 && /^crdb_internal_.*_shard_\d+$/.test(allCols.find((x) => x.id === ids[0])?.name ?? '');
    return { name: c.name, expr: c.expr, validated: c.validated, columnIds: ids, fromHashShardedColumn: shardOnly };
  });
  const foreignKeys: ForeignKey[] = tb.foreignKeys.map((fk) => {
    const ref = cx.tableByKey.get(key(resolveIn(cx.st, tb.database, fk.refParts)));
    if (!ref) cx.warn(`${tb.name}: foreign key ${fk.name} references ${fk.refParts.join('.')}, which is not in the input`);
    const refCols = fk.refColumns.length ? fk.refColumns : (ref?.primary?.elements.map((e) => e.columnName ?? '') ?? []);
    return {
      name: fk.name,
      columnIds: fk.columns.map((n) => colId(n, `foreign key ${fk.name}`)),
      referencedTableId: ref?.id ?? -1,
      referencedColumnIds: refCols.map((n) => ref?.columns.find((c) => c.name === n)?.id ?? -1),
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
      match: fk.match,
      validated: fk.validated,
    };
  });
  const uniqueWithoutIndex: UniqueWithoutIndex[] = tb.uniqueWithoutIndex.map((u) => ({
    name: u.name,
    columnIds: u.columns.map((n) => colId(n, `constraint ${u.name}`)),
    ...(u.predicate ? { predicate: u.predicate } : {}),
    validated: u.validated,
  }));
  return { checks, foreignKeys, uniqueWithoutIndex };
}

/** Sequence id → current value, from the dump's setval(name, value[, is_called]) calls. */
function sequenceCurrentValues(st: ParseState, seqByKey: ReadonlyMap<string, SequenceBuilder>): Map<number, bigint> {
  const currentValues = new Map<number, bigint>();
  for (const sv of st.setvals ?? []) {
    const t = sv.toks;
    const at = t.findIndex((x) => x.kind === 'word' && /^setval$/i.test(x.value));
    const nameTok = t[at + 2];
    const valTok = t[at + 4];
    if (!nameTok || nameTok.kind !== 'string' || !valTok || valTok.kind !== 'number') continue;
    const s = seqByKey.get(key(resolveIn(st, sv.database, splitName(nameTok.value))));
    if (!s) continue;
    const calledTok = t[at + 6];
    const called = !(calledTok && calledTok.kind === 'word' && /^false$/i.test(calledTok.value));
    const v = BigInt(valTok.value);
    currentValues.set(s.id, called ? v : v - s.increment);
  }
  return currentValues;
}

/** COMMENT ON statements attached to the objects they name; a comment on a missing object is warned about. */
function finalizeComments(st: ParseState, tables: readonly Table[], warn: (s: string) => void): Comment[] {
  const comments: Comment[] = [];
  for (const c of st.comments) {
    const findTable = (parts: readonly string[]): Table | undefined => {
      const k = resolveIn(st, c.database, parts);
      return tables.find((t) => same(t, k));
    };
    switch (c.kind) {
      case 'DATABASE':
        comments.push({ target: { kind: 'database', database: c.parts[0]! }, text: c.text });
        break;
      case 'SCHEMA': {
        const [db, s] = c.parts.length > 1 ? [c.parts[0]!, c.parts[1]!] : [c.database, c.parts[0]!];
        comments.push({ target: { kind: 'schema', database: db, schema: s }, text: c.text });
        break;
      }
      case 'TABLE':
      case 'VIEW':
      case 'SEQUENCE': {
        const t = findTable(c.parts);
        if (t) comments.push({ target: { kind: 'table', tableId: t.id }, text: c.text });
        else {
          const k = resolveIn(st, c.database, c.parts);
          const v = st.views.find((x) => same(x, k)) ?? st.sequences.find((x) => same(x, k));
          if (v) comments.push({ target: { kind: 'table', tableId: v.id }, text: c.text });
          else warn(`COMMENT ON ${c.kind} ${c.parts.join('.')}: object not in the input`);
        }
        break;
      }
      case 'COLUMN': {
        const t = findTable(c.parts.slice(0, -1));
        const col = t?.columns.find((x) => x.name === c.parts[c.parts.length - 1]);
        if (t && col) comments.push({ target: { kind: 'column', tableId: t.id, columnId: col.id }, text: c.text });
        else warn(`COMMENT ON COLUMN ${c.parts.join('.')}: column not in the input`);
        break;
      }
      case 'INDEX': {
        let t: Table | undefined;
        let idxName = c.index;
        if (idxName !== undefined) t = findTable(c.parts);
        else {
          idxName = c.parts[c.parts.length - 1]!;
          t = tables.find((x) => x.database === c.database && [x.primaryIndex, ...x.indexes].some((i) => i.name === idxName));
        }
        const idx = t && [t.primaryIndex, ...t.indexes].find((i) => i.name === idxName);
        if (t && idx) comments.push({ target: { kind: 'index', tableId: t.id, indexId: idx.id }, text: c.text });
        else warn(`COMMENT ON INDEX ${c.parts.join('.')}@${idxName}: index not in the input`);
        break;
      }
      case 'CONSTRAINT': {
        const t = findTable(c.parts);
        if (t) comments.push({ target: { kind: 'constraint', tableId: t.id, constraintName: c.constraint! }, text: c.text });
        else warn(`COMMENT ON CONSTRAINT ${c.constraint}: table not in the input`);
        break;
      }
      default:
        warn(`COMMENT ON ${c.kind}: not modelled; dropped`);
    }
  }
  return comments;
}

/** Functions and procedures, kept as their text (ids continue after the input's). */
function finalizeFunctions(st: ParseState): FunctionDef[] {
  return st.functions.map((f, i) => {
    const m = /(?:FUNCTION|PROCEDURE)\s+([^\s(]+)/i.exec(f.text);
    const parts = splitName(m?.[1] ?? `function_${i}`);
    const [db, schema, name] = resolveIn(st, f.database, parts);
    return {
      kind: 'function',
      id: st.nextId++,
      database: db,
      schema,
      name,
      language: /LANGUAGE\s+plpgsql/i.test(f.text) ? 'plpgsql' : 'sql',
      isProcedure: f.procedure,
      body: f.text,
      params: [],
      returnsSet: /RETURNS\s+SETOF/i.test(f.text),
      volatility: 'volatile',
    };
  });
}
