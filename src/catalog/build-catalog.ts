/**
 * Descriptors → Catalog (docs/formats.md §3). Pure: takes decoded descriptors plus optional
 * sequence values and comments; resolves names, user-defined types, FKs (both the 20.1+
 * `outbound_fks` and the pre-20.1 `IndexDescriptor.foreign_key` form) and rewrites id references
 * in expressions (§3.10). Objects in DROP/OFFLINE/ADD state, temporary tables and objects whose
 * database is missing are skipped with a note.
 */
import { SchemaError } from '../util/errors.js';
import type { ColumnProto, DescriptorProto, IndexProto, TableProto, TypeDescProto } from '../proto/descriptor.js';
import type {
  Catalog,
  CheckConstraint,
  Column,
  Comment,
  CompositeType,
  Database,
  EnumType,
  Family,
  ForeignKey,
  ForeignKeyAction,
  FunctionDef,
  Index,
  Schema,
  Sequence,
  Table,
  UniqueWithoutIndex,
  UserType,
  View,
} from '../model/catalog.js';
import type { EnumMember, SqlType } from '../model/sql-type.js';
import { quoteIdent, rewriteExpr, type ExprNames } from './expr-rewrite.js';
import { schemaChangesOf } from './schema-changes.js';
import { sqlTypeFromProto, UnknownTypeFamily, type UdtInfo } from './type-from-proto.js';

/** One `system.comments` row. */
export interface RawComment {
  /** 0 database, 1 table, 2 column, 3 index, 4 schema, 5 constraint. */
  readonly type: number;
  readonly objectId: number;
  readonly subId: number;
  readonly text: string;
}

/** One `system.namespace` row (table 30; legacy table 2 has no parentSchemaId → 0). */
export interface NamespaceEntry {
  readonly parentId: number;
  readonly parentSchemaId: number;
  readonly name: string;
  readonly id: number;
}

export interface CatalogInput {
  readonly descriptors: readonly DescriptorProto[];
  /** Names from `system.namespace`; used only for descriptors whose own name is empty. */
  readonly namespace?: readonly NamespaceEntry[];
  /** Sequence id → current value (the `/Table/<id>/1/0/0` KV). */
  readonly sequenceValues?: ReadonlyMap<number, bigint>;
  readonly comments?: readonly RawComment[];
}

/** Legacy id of the virtual `public` schema of pre-20.2 databases (`keys.PublicSchemaID`). */
export const LEGACY_PUBLIC_SCHEMA_ID = 29;
/** Database id of `system`; its objects are never migrated. */
export const SYSTEM_DATABASE_ID = 1;

const STATE_NAMES = ['PUBLIC', 'ADD', 'DROP', 'OFFLINE'];
const FK_ACTIONS: readonly ForeignKeyAction[] = ['no action', 'restrict', 'set null', 'set default', 'cascade'];
const FK_MATCH = ['simple', 'full', 'partial'] as const;

export interface BuildCatalogOptions {
  /** Include the `system` database's tables (default false). */
  readonly includeSystem?: boolean;
}

/** The descriptors sorted by kind, with the names every step resolves against. */
interface Resolved extends TableCtx {
  readonly input: CatalogInput;
  readonly dbs: ReadonlyMap<number, Database>;
  readonly schemaNames: ReadonlyMap<number, { db: number; name: string }>;
  readonly typeProtos: ReadonlyMap<number, TypeDescProto>;
  readonly udtInfos: ReadonlyMap<number, UdtInfo>;
  /** The schema name of an object in database `dbId`, or undefined when that schema is missing. */
  readonly schemaOf: (dbId: number, schemaId: number) => string | undefined;
  /** True for a PUBLIC descriptor; otherwise notes `what` as skipped. */
  readonly live: (state: number, what: string) => boolean;
  readonly includeDb: (dbId: number) => boolean;
}

export function buildCatalog(rawInput: CatalogInput, opts: BuildCatalogOptions = {}): Catalog {
  const input = withNamespaceNames(rawInput);
  const notes: string[] = [];
  const { dbs, schemaNames, tableProtos, typeProtos } = sortDescriptors(input, notes);
  const schemaOf = (dbId: number, schemaId: number): string | undefined => {
    if (schemaId === 0 || schemaId === LEGACY_PUBLIC_SCHEMA_ID) return 'public';
    const s = schemaNames.get(schemaId);
    return s && s.db === dbId ? s.name : undefined;
  };
  const live = (state: number, what: string): boolean => {
    if (state === 0) return true;
    notes.push(`skipped ${what} in state ${STATE_NAMES[state] ?? state}`);
    return false;
  };
  const includeDb = (dbId: number): boolean => opts.includeSystem === true || dbId !== SYSTEM_DATABASE_ID;
  const { udtInfos, typeQual } = resolveUserTypeInfos(typeProtos, schemaOf);
  const udt = (id: number): UdtInfo | undefined => udtInfos.get(id);

  const relQual = new Map<number, string>();
  for (const t of tableProtos.values()) {
    const s = schemaOf(t.parent_id, t.unexposed_parent_schema_id) ?? 'public';
    relQual.set(t.id, `${quoteIdent(s)}.${quoteIdent(t.name)}`);
  }
  const names: ExprNames = {
    relation: (id) => relQual.get(id),
    type: (id) => typeQual.get(id),
    enumLabel: (id, physical) =>
      udtInfos.get(id)?.enumMembers?.find((m) => Buffer.compare(Buffer.from(m.physical), Buffer.from(physical)) === 0)?.label,
  };
  const rw = (e: string | undefined): string | undefined => (e === undefined || e === '' ? undefined : rewriteExpr(e, names));
  const cx: Resolved = { input, notes, dbs, schemaNames, tableProtos, typeProtos, udtInfos, udt, rw, schemaOf, live, includeDb };

  const databases = [...dbs.values()].filter((d) => includeDb(d.id)).sort((a, b) => a.id - b.id);
  const schemas = buildSchemas(databases, schemaNames);
  const types = buildUserTypes(cx);
  const { tables, views, sequences } = buildRelations(cx);
  const functions = buildFunctions(cx);
  const comments = buildComments(cx);
  return Object.freeze({ databases, schemas, tables, views, sequences, types, functions, comments, notes });
}

/** Databases (PUBLIC ones), schema names, and table and type descriptors, by id. */
function sortDescriptors(
  input: CatalogInput,
  notes: string[],
): {
  dbs: Map<number, Database>;
  schemaNames: Map<number, { db: number; name: string }>;
  tableProtos: Map<number, TableProto>;
  typeProtos: Map<number, TypeDescProto>;
} {
  const dbs = new Map<number, Database>();
  const schemaNames = new Map<number, { db: number; name: string }>();
  const tableProtos = new Map<number, TableProto>();
  const typeProtos = new Map<number, TypeDescProto>();
  for (const d of input.descriptors) {
    if (d.kind === 'database') {
      if (d.state !== 0) {
        notes.push(`skipped database ${d.name} (id ${d.id}) in state ${STATE_NAMES[d.state] ?? d.state}`);
        continue;
      }
      dbs.set(d.id, { id: d.id, name: d.name });
    } else if (d.kind === 'table') {
      tableProtos.set(d.id, d);
    } else if (d.kind === 'type') {
      typeProtos.set(d.id, d);
    }
  }
  for (const d of input.descriptors) {
    if (d.kind !== 'schema') continue;
    if (d.state !== 0) {
      notes.push(`skipped schema ${d.name} (id ${d.id}) in state ${STATE_NAMES[d.state] ?? d.state}`);
      continue;
    }
    schemaNames.set(d.id, { db: d.parent_id, name: d.name });
  }
  // Databases list their schemas too (20.2+); fill gaps (e.g. schema descriptors not present).
  for (const d of input.descriptors) {
    if (d.kind !== 'database' || !dbs.has(d.id)) continue;
    for (const [name, s] of d.schemas) if (!s.dropped && !schemaNames.has(s.id)) schemaNames.set(s.id, { db: d.id, name });
  }
  return { dbs, schemaNames, tableProtos, typeProtos };
}

/** What columns need to know of each user-defined type (enum members, composite elements), and its qualified name. */
function resolveUserTypeInfos(
  typeProtos: ReadonlyMap<number, TypeDescProto>,
  schemaOf: (dbId: number, schemaId: number) => string | undefined,
): { udtInfos: Map<number, UdtInfo>; typeQual: Map<number, string> } {
  const udtInfos = new Map<number, UdtInfo>();
  const typeQual = new Map<number, string>();
  for (const t of typeProtos.values()) {
    const schema = schemaOf(t.parent_id, t.parent_schema_id) ?? 'public';
    typeQual.set(t.id, `${quoteIdent(schema)}.${quoteIdent(t.name)}`);
    if (t.type_kind === 0 || t.type_kind === 2) {
      const members: EnumMember[] = [...t.enum_members]
        .sort((a, b) => compareBytes(a.physical_representation, b.physical_representation))
        .map((m) => Object.freeze({ physical: m.physical_representation, label: m.logical_representation, writable: m.capability === 0 }));
      udtInfos.set(t.id, { schema, name: t.name, enumMembers: members });
    }
  }
  const udt = (id: number): UdtInfo | undefined => udtInfos.get(id);
  // Composite types need udt resolution of their elements; resolve after enums.
  for (const t of typeProtos.values()) {
    if (t.type_kind !== 4) continue;
    const schema = schemaOf(t.parent_id, t.parent_schema_id) ?? 'public';
    udtInfos.set(t.id, {
      schema,
      name: t.name,
      composite: {
        types: t.composite_elements.map((e) => sqlTypeFromProto(e.element_type, udt)),
        labels: t.composite_elements.map((e) => e.element_label),
      },
    });
  }
  return { udtInfos, typeQual };
}

/** Each database's schemas by id, with the virtual `public` of pre-20.2 databases. */
function buildSchemas(databases: readonly Database[], schemaNames: ReadonlyMap<number, { db: number; name: string }>): Schema[] {
  const schemas: Schema[] = [];
  for (const db of databases) {
    const own = [...schemaNames.entries()].filter(([, s]) => s.db === db.id).sort((a, b) => a[0] - b[0]);
    if (!own.some(([, s]) => s.name === 'public')) schemas.push({ id: LEGACY_PUBLIC_SCHEMA_ID, database: db.name, name: 'public' });
    for (const [id, s] of own) schemas.push({ id, database: db.name, name: s.name });
  }
  return schemas;
}

/** The enums and composite types of the included databases. */
function buildUserTypes(cx: Resolved): UserType[] {
  const types: UserType[] = [];
  for (const t of [...cx.typeProtos.values()].sort((a, b) => a.id - b.id)) {
    const db = cx.dbs.get(t.parent_id);
    if (!db || !cx.includeDb(db.id)) continue;
    if (!cx.live(t.state, `type ${t.name} (id ${t.id})`)) continue;
    const schema = cx.schemaOf(t.parent_id, t.parent_schema_id);
    if (schema === undefined) {
      cx.notes.push(`skipped type ${t.name} (id ${t.id}): schema ${t.parent_schema_id} not found`);
      continue;
    }
    const info = cx.udtInfos.get(t.id);
    if (info?.enumMembers) {
      const e: EnumType = { kind: 'enum', id: t.id, database: db.name, schema, name: t.name, members: info.enumMembers };
      types.push(e);
    } else if (info?.composite) {
      const c: CompositeType = {
        kind: 'composite',
        id: t.id,
        database: db.name,
        schema,
        name: t.name,
        elements: info.composite.types.map((type, i) => ({ label: info.composite?.labels[i] ?? '', type })),
      };
      types.push(c);
    }
    // ALIAS (implicit array types) and table record types are not separate objects.
  }
  return types;
}

/** Table descriptors → tables, views and sequences; the skipped ones noted. */
function buildRelations(cx: Resolved): { tables: Table[]; views: View[]; sequences: Sequence[] } {
  const { notes } = cx;
  const tables: Table[] = [];
  const views: View[] = [];
  const sequences: Sequence[] = [];
  for (const t of [...cx.tableProtos.values()].sort((a, b) => a.id - b.id)) {
    const db = cx.dbs.get(t.parent_id);
    if (!db) {
      if (t.parent_id !== 0 && t.state === 0) notes.push(`skipped table ${t.name} (id ${t.id}): database ${t.parent_id} not found`);
      else if (t.state !== 0) notes.push(`skipped table ${t.name} (id ${t.id}) in state ${STATE_NAMES[t.state] ?? t.state}`);
      continue;
    }
    if (!cx.includeDb(db.id)) continue;
    const label = `${db.name}.${t.name} (id ${t.id})`;
    if (!cx.live(t.state, `table ${label}`)) continue;
    if (t.temporary) {
      notes.push(`skipped temporary table ${label}`);
      continue;
    }
    const schema = cx.schemaOf(t.parent_id, t.unexposed_parent_schema_id);
    if (schema === undefined) {
      notes.push(`skipped table ${label}: schema ${t.unexposed_parent_schema_id} not found`);
      continue;
    }
    if (t.sequence_opts) sequences.push(buildSequence(t, t.sequence_opts, db.name, schema, cx.input.sequenceValues?.get(t.id)));
    else if (t.view_query && !t.is_materialized_view) {
      views.push({
        kind: 'view',
        id: t.id,
        database: db.name,
        schema,
        name: t.name,
        query: cx.rw(t.view_query) ?? '',
        columnNames: t.columns.map((c) => c.name),
      });
    } else tables.push(buildTable(t, db.name, schema, cx));
  }
  return { tables, views, sequences };
}

function buildSequence(
  t: TableProto,
  o: NonNullable<TableProto['sequence_opts']>,
  database: string,
  schema: string,
  cur: bigint | undefined,
): Sequence {
  return {
    kind: 'sequence',
    id: t.id,
    database,
    schema,
    name: t.name,
    increment: o.increment,
    minValue: o.min_value,
    maxValue: o.max_value,
    start: o.start,
    cacheSize: o.cache_size,
    ...(o.as_integer_type ? { asIntegerType: o.as_integer_type } : {}),
    ...(o.sequence_owner && o.sequence_owner.owner_table_id !== 0
      ? { owner: { tableId: o.sequence_owner.owner_table_id, columnId: o.sequence_owner.owner_column_id } }
      : {}),
    virtual: o.virtual,
    ...(cur !== undefined ? { currentValue: cur } : {}),
  };
}

/** Function descriptors (22.2+) of the included databases. */
function buildFunctions(cx: Resolved): FunctionDef[] {
  const functions: FunctionDef[] = [];
  for (const d of cx.input.descriptors) {
    if (d.kind !== 'function') continue;
    const db = cx.dbs.get(d.parent_id);
    if (!db || !cx.includeDb(db.id)) continue;
    if (!cx.live(d.state, `function ${d.name} (id ${d.id})`)) continue;
    const params = d.params.map((p) => ({
      name: p.name,
      type: sqlTypeFromProto(p.type, cx.udt),
      mode: ['IN', 'IN', 'OUT', 'INOUT', 'VARIADIC'][p.class] ?? 'IN',
    }));
    functions.push({
      kind: 'function',
      id: d.id,
      database: db.name,
      schema: cx.schemaOf(d.parent_id, d.parent_schema_id) ?? 'public',
      name: d.name,
      // catpb.Function_Language: 1 SQL, 2 PLPGSQL [M].
      language: d.lang === 2 ? 'plpgsql' : 'sql',
      isProcedure: d.is_procedure,
      body: cx.rw(d.function_body) ?? '',
      params,
      ...(d.return_type ? { returnType: sqlTypeFromProto(d.return_type, cx.udt) } : {}),
      returnsSet: d.return_set,
      // catpb.Function_Volatility: 1 VOLATILE, 2 IMMUTABLE, 3 STABLE [M].
      volatility: d.volatility === 2 ? 'immutable' : d.volatility === 3 ? 'stable' : 'volatile',
    });
  }
  return functions;
}

/** `system.comments` rows attached to their objects. */
function buildComments(cx: Resolved): Comment[] {
  const { dbs, notes } = cx;
  const comments: Comment[] = [];
  for (const c of cx.input.comments ?? []) {
    const dbName = dbs.get(c.objectId)?.name;
    switch (c.type) {
      case 0:
        if (dbName) comments.push({ target: { kind: 'database', database: dbName }, text: c.text });
        break;
      case 1:
        comments.push({ target: { kind: 'table', tableId: c.objectId }, text: c.text });
        break;
      case 2:
        comments.push({ target: { kind: 'column', tableId: c.objectId, columnId: c.subId }, text: c.text });
        break;
      case 3:
        comments.push({ target: { kind: 'index', tableId: c.objectId, indexId: c.subId }, text: c.text });
        break;
      case 4: {
        const s = cx.schemaNames.get(c.objectId);
        const sdb = s ? dbs.get(s.db) : undefined;
        if (s && sdb) comments.push({ target: { kind: 'schema', database: sdb.name, schema: s.name }, text: c.text });
        break;
      }
      case 5: {
        const name = constraintName(cx.tableProtos.get(c.objectId), c.subId);
        if (name !== undefined) comments.push({ target: { kind: 'constraint', tableId: c.objectId, constraintName: name }, text: c.text });
        else notes.push(`skipped comment on constraint ${c.subId} of table ${c.objectId}: constraint not found`);
        break;
      }
      default:
        notes.push(`skipped comment of unknown type ${c.type} on object ${c.objectId}`);
    }
  }
  return comments;
}

/** Name of the constraint with this `constraint_id` (22.1+; PK/unique indexes, checks, FKs, unique-without-index). */
function constraintName(t: TableProto | undefined, id: number): string | undefined {
  if (!t || id === 0) return undefined;
  for (const i of [t.primary_index, ...t.indexes]) if (i && i.constraint_id === id) return i.name;
  return (
    t.checks.find((c) => c.constraint_id === id)?.name ??
    t.outbound_fks.find((f) => f.constraint_id === id)?.name ??
    t.unique_without_index_constraints.find((u) => u.constraint_id === id)?.name
  );
}

/** Fills empty descriptor names from namespace entries (by id). */
function withNamespaceNames(input: CatalogInput): CatalogInput {
  const ns = input.namespace;
  if (!ns || ns.length === 0 || !input.descriptors.some((d) => d.name === '')) return input;
  const byId = new Map(ns.map((e) => [e.id, e.name]));
  return {
    ...input,
    descriptors: input.descriptors.map((d) => (d.name === '' && byId.has(d.id) ? { ...d, name: byId.get(d.id) ?? '' } : d)),
  };
}

interface TableCtx {
  readonly udt: (id: number) => UdtInfo | undefined;
  readonly rw: (e: string | undefined) => string | undefined;
  readonly tableProtos: ReadonlyMap<number, TableProto>;
  readonly notes: string[];
}

function buildTable(t: TableProto, database: string, schema: string, ctx: TableCtx): Table {
  const columns: Column[] = t.columns.map((c) => buildColumn(c, database, t.name, ctx));
  const byId = new Map(columns.map((c) => [c.id, c]));
  const pi = t.primary_index;
  if (!pi) throw new SchemaError(`catalog: table ${database}.${t.name} (id ${t.id}) has no primary index`, 'the descriptor is incomplete');
  const primaryIndex = buildIndex(pi, byId, ctx.rw);
  const indexes = t.indexes.filter((i) => !i.use_delete_preserving_encoding).map((i) => buildIndex(i, byId, ctx.rw));
  let families: Family[] = t.families.map((f) => ({
    id: f.id,
    name: f.name,
    columnIds: f.column_ids,
    defaultColumnId: f.default_column_id,
  }));
  if (families.length === 0) families = [{ id: 0, name: 'primary', columnIds: columns.map((c) => c.id), defaultColumnId: 0 }];
  const checks: CheckConstraint[] = t.checks
    .filter((c) => !c.is_non_null_constraint && c.validity !== 3)
    .map((c) => ({
      name: c.name,
      expr: ctx.rw(c.expr) ?? c.expr,
      validated: c.validity === 0,
      columnIds: c.column_ids,
      fromHashShardedColumn: c.from_hash_sharded_column,
    }));

  const foreignKeys = buildForeignKeys(t, pi, database, ctx);

  const uniqueWithoutIndex: UniqueWithoutIndex[] = t.unique_without_index_constraints
    .filter((u) => u.validity !== 3)
    .map((u) => ({
      name: u.name,
      columnIds: u.column_ids,
      ...(u.predicate ? { predicate: ctx.rw(u.predicate) ?? u.predicate } : {}),
      validated: u.validity === 0,
    }));

  const locality = localityClause(t);
  const ttl = ttlStorageParams(t, ctx);
  const storageParams: string[] = [];
  if (t.schema_locked) storageParams.push('schema_locked = true');
  if (t.exclude_data_from_backup) storageParams.push('exclude_data_from_backup = true');
  if (t.format_version === 1)
    ctx.notes.push(`table ${database}.${t.name} uses the pre-1.0 BaseFormatVersion (one KV per column); its rows are not decoded`);
  if (pi.interleave_ancestors.length > 0)
    ctx.notes.push(
      `table ${database}.${t.name} is interleaved into table ${pi.interleave_ancestors[0]?.table_id}; its rows are read from that table's span`,
    );

  return Object.freeze({
    kind: 'table',
    id: t.id,
    database,
    schema,
    name: t.name,
    columns,
    primaryIndex,
    indexes,
    families,
    checks,
    foreignKeys,
    uniqueWithoutIndex,
    ...(locality ? { locality } : {}),
    ...(ttl ? { ttl } : {}),
    storageParams,
    ...(t.is_materialized_view && t.view_query ? { materializedViewQuery: ctx.rw(t.view_query) ?? t.view_query } : {}),
    dataExcluded: t.exclude_data_from_backup,
    ...(t.mutations.length > 0 ? { schemaChanges: schemaChangesOf(t) } : {}),
  });
}

/** Outbound FKs of `t` from both encodings: 20.1+ `outbound_fks` and pre-20.1 `IndexDescriptor.foreign_key`. */
function buildForeignKeys(t: TableProto, pi: IndexProto, database: string, ctx: TableCtx): ForeignKey[] {
  // Validity 3 = DROPPING: the constraint is being dropped by a schema change in flight (reported from `schemaChanges`).
  const foreignKeys: ForeignKey[] = t.outbound_fks
    .filter((f) => f.validity !== 3)
    .map((f) => ({
      name: f.name,
      columnIds: f.origin_column_ids,
      referencedTableId: f.referenced_table_id,
      referencedColumnIds: f.referenced_column_ids,
      onDelete: FK_ACTIONS[f.on_delete] ?? 'no action',
      onUpdate: FK_ACTIONS[f.on_update] ?? 'no action',
      match: FK_MATCH[f.match] ?? 'simple',
      validated: f.validity === 0,
    }));
  // Pre-20.1: FKs live on the origin index (IndexDescriptor.foreign_key).
  for (const idx of [pi, ...t.indexes]) {
    const fk = idx.foreign_key;
    if (!fk || foreignKeys.some((f) => f.name === fk.name)) continue;
    const n = fk.shared_prefix_len > 0 ? fk.shared_prefix_len : idx.key_column_ids.length;
    const ref = ctx.tableProtos.get(fk.table);
    const refIdx = ref ? [ref.primary_index, ...ref.indexes].find((i) => i?.id === fk.index) : undefined;
    if (!refIdx) {
      ctx.notes.push(`foreign key ${fk.name} of ${database}.${t.name}: referenced index ${fk.table}/${fk.index} not found`);
      continue;
    }
    foreignKeys.push({
      name: fk.name,
      columnIds: idx.key_column_ids.slice(0, n),
      referencedTableId: fk.table,
      referencedColumnIds: refIdx.key_column_ids.slice(0, n),
      onDelete: FK_ACTIONS[fk.on_delete] ?? 'no action',
      onUpdate: FK_ACTIONS[fk.on_update] ?? 'no action',
      match: FK_MATCH[fk.match] ?? 'simple',
      validated: fk.validity === 0,
    });
  }
  return foreignKeys;
}

/** The `LOCALITY …` clause of a multi-region table, undefined when it has no locality config. */
function localityClause(t: TableProto): string | undefined {
  let locality: string | undefined;
  const lc = t.locality_config;
  if (lc) {
    if (lc.global) locality = 'LOCALITY GLOBAL';
    else if (lc.regional_by_row !== undefined)
      locality = `LOCALITY REGIONAL BY ROW${lc.regional_by_row ? ` AS ${lc.regional_by_row}` : ''}`;
    else if (lc.regional_by_table !== undefined)
      locality = `LOCALITY REGIONAL BY TABLE IN ${lc.regional_by_table ? JSON.stringify(lc.regional_by_table) : 'PRIMARY REGION'}`;
  }
  return locality;
}

/** The `ttl_*` storage parameters of a row-level TTL table, joined; undefined without TTL. */
function ttlStorageParams(t: TableProto, ctx: TableCtx): string | undefined {
  let ttl: string | undefined;
  const rt = t.row_level_ttl;
  if (rt) {
    const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;
    const parts: string[] = [];
    if (rt.duration_expr) parts.push(`ttl_expire_after = ${lit(rt.duration_expr.replace(/^'(.*)':::INTERVAL$/, '$1'))}`);
    if (rt.expiration_expr) parts.push(`ttl_expiration_expression = ${lit(ctx.rw(rt.expiration_expr) ?? rt.expiration_expr)}`);
    if (rt.deletion_cron) parts.push(`ttl_job_cron = ${lit(rt.deletion_cron)}`);
    if (rt.select_batch_size > 0n) parts.push(`ttl_select_batch_size = ${rt.select_batch_size}`);
    if (rt.delete_batch_size > 0n) parts.push(`ttl_delete_batch_size = ${rt.delete_batch_size}`);
    if (rt.pause) parts.push('ttl_pause = true');
    ttl = parts.join(', ');
  }
  return ttl;
}

function buildColumn(c: ColumnProto, database: string, table: string, ctx: TableCtx): Column {
  let type: SqlType;
  try {
    type = sqlTypeFromProto(c.type, ctx.udt);
  } catch (e) {
    if (e instanceof UnknownTypeFamily) {
      throw new SchemaError(
        `catalog: column ${database}.${table}.${c.name} has unknown type family ${e.familyId} (type oid ${e.oid})`,
        'this CockroachDB version uses a type this tool does not support yet; exclude the table',
        { cause: e },
      );
    }
    throw e;
  }
  return Object.freeze({
    id: c.id,
    name: c.name,
    type,
    nullable: c.nullable,
    hidden: c.hidden,
    inaccessible: c.inaccessible,
    ...(c.default_expr ? { defaultExpr: ctx.rw(c.default_expr) ?? c.default_expr } : {}),
    ...(c.on_update_expr ? { onUpdateExpr: ctx.rw(c.on_update_expr) ?? c.on_update_expr } : {}),
    ...(c.compute_expr ? { computed: { expr: ctx.rw(c.compute_expr) ?? c.compute_expr, stored: !c.virtual } } : {}),
    ...(c.generated_as_identity_type === 1 || c.generated_as_identity_type === 2
      ? {
          identity: {
            mode: c.generated_as_identity_type === 1 ? ('always' as const) : ('by-default' as const),
            ...(c.generated_as_identity_sequence_option ? { sequenceOptions: c.generated_as_identity_sequence_option } : {}),
          },
        }
      : {}),
    usesSequenceIds: c.uses_sequence_ids,
    ownsSequenceIds: c.owns_sequence_ids,
  });
}

function buildIndex(i: IndexProto, cols: ReadonlyMap<number, Column>, rw: (e: string | undefined) => string | undefined): Index {
  const keyColumns = i.key_column_ids.map((id, k) => ({
    columnId: id,
    name: cols.get(id)?.name ?? i.key_column_names[k] ?? `@${id}`,
    direction: i.key_column_directions[k] === 1 ? ('desc' as const) : ('asc' as const),
  }));
  const p = i.partitioning;
  return Object.freeze({
    id: i.id,
    name: i.name,
    unique: i.unique,
    keyColumns,
    storeColumnIds: i.store_column_ids,
    keySuffixColumnIds: i.key_suffix_column_ids,
    compositeColumnIds: i.composite_column_ids,
    kind: i.type === 1 ? ('inverted' as const) : i.type === 2 ? ('vector' as const) : ('forward' as const),
    ...(i.inverted_column_kinds.includes(1) ? { trigram: true } : {}),
    ...(i.predicate ? { predicate: rw(i.predicate) ?? i.predicate } : {}),
    ...(i.sharded
      ? { sharded: { shardColumn: i.sharded.name, buckets: i.sharded.shard_buckets, columnNames: i.sharded.column_names } }
      : {}),
    ...(p
      ? {
          partitioning: {
            numColumns: p.num_columns,
            numImplicitColumns: p.num_implicit_columns,
            summary: `PARTITION BY ${p.list.length > 0 ? 'LIST' : 'RANGE'} (${i.key_column_names.slice(0, p.num_columns).join(', ')}) (${[...p.list, ...p.range].join(', ')})`,
          },
        }
      : {}),
    invisible: i.not_visible || i.invisibility > 0,
    ...(i.interleave_ancestors.length > 0
      ? {
          interleave: i.interleave_ancestors.map((a) => ({
            tableId: a.table_id,
            indexId: a.index_id,
            sharedPrefixLen: a.shared_prefix_len,
          })),
        }
      : {}),
  });
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
