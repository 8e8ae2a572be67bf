/**
 * Typed decoding of `cockroach.sql.sqlbase.Descriptor` bytes (docs/formats.md §3). Field names keep
 * the proto spelling so the Go sources can be grepped. Proto defaults are filled in (0, "", false,
 * []), optional sub-messages are `undefined` when absent. int64 values are bigint.
 */
import type protobuf from 'protobufjs';
import { DecodeError } from '../util/errors.js';
import { descriptorType } from './descriptor-proto.js';

export interface TypeProto {
  readonly family: number;
  readonly width: number;
  readonly precision: number;
  readonly locale?: string;
  /** Pre-19.2 `visible_type`; 0 when absent. */
  readonly visible_type: number;
  /** Pre-19.2 arrays: the element family. */
  readonly array_elem_type?: number;
  readonly tuple_contents: readonly TypeProto[];
  readonly tuple_labels: readonly string[];
  readonly oid: number;
  readonly array_contents?: TypeProto;
  readonly time_precision_is_set: boolean;
  readonly interval_duration_field?: { readonly duration_type: number; readonly from_duration_type: number };
  readonly geo_metadata?: { readonly srid: number; readonly shape_type: number };
}

export interface ColumnProto {
  readonly name: string;
  readonly id: number;
  readonly type: TypeProto;
  readonly nullable: boolean;
  readonly default_expr?: string;
  readonly hidden: boolean;
  readonly uses_sequence_ids: readonly number[];
  readonly compute_expr?: string;
  readonly owns_sequence_ids: readonly number[];
  readonly system_column_kind: number;
  readonly virtual: boolean;
  readonly inaccessible: boolean;
  readonly on_update_expr?: string;
  readonly generated_as_identity_type: number;
  readonly generated_as_identity_sequence_option?: string;
}

export interface FamilyProto {
  readonly name: string;
  readonly id: number;
  readonly column_names: readonly string[];
  readonly column_ids: readonly number[];
  readonly default_column_id: number;
}

/** Pre-20.1 FK representation inside IndexDescriptor (fields 9/10). */
export interface ForeignKeyReferenceProto {
  readonly table: number;
  readonly index: number;
  readonly name: string;
  readonly validity: number;
  readonly shared_prefix_len: number;
  readonly on_delete: number;
  readonly on_update: number;
  readonly match: number;
}

export interface IndexProto {
  readonly name: string;
  readonly id: number;
  readonly unique: boolean;
  readonly key_column_names: readonly string[];
  readonly store_column_names: readonly string[];
  readonly key_column_ids: readonly number[];
  readonly key_suffix_column_ids: readonly number[];
  readonly key_column_directions: readonly number[];
  readonly foreign_key?: ForeignKeyReferenceProto;
  readonly referenced_by: readonly ForeignKeyReferenceProto[];
  readonly interleave_ancestors: readonly { readonly table_id: number; readonly index_id: number; readonly shared_prefix_len: number }[];
  readonly composite_column_ids: readonly number[];
  readonly store_column_ids: readonly number[];
  readonly partitioning?: {
    readonly num_columns: number;
    readonly num_implicit_columns: number;
    readonly list: readonly string[];
    readonly range: readonly string[];
  };
  readonly type: number;
  readonly encoding_type: number;
  readonly sharded?: {
    readonly is_sharded: boolean;
    readonly name: string;
    readonly shard_buckets: number;
    readonly column_names: readonly string[];
  };
  readonly predicate?: string;
  readonly use_delete_preserving_encoding: boolean;
  readonly inverted_column_kinds: readonly number[];
  readonly not_visible: boolean;
  readonly invisibility: number;
  /** 22.1+: id used by system.comments for constraint comments. */
  readonly constraint_id: number;
}

export interface CheckProto {
  readonly expr: string;
  readonly name: string;
  readonly validity: number;
  readonly column_ids: readonly number[];
  readonly is_non_null_constraint: boolean;
  readonly from_hash_sharded_column: boolean;
  readonly constraint_id: number;
}

export interface ForeignKeyProto {
  readonly origin_table_id: number;
  readonly origin_column_ids: readonly number[];
  readonly referenced_column_ids: readonly number[];
  readonly referenced_table_id: number;
  readonly name: string;
  readonly validity: number;
  readonly on_delete: number;
  readonly on_update: number;
  readonly match: number;
  readonly constraint_id: number;
}

export interface UniqueWithoutIndexProto {
  readonly table_id: number;
  readonly column_ids: readonly number[];
  readonly name: string;
  readonly validity: number;
  readonly predicate?: string;
  readonly constraint_id: number;
}

export interface SequenceOptsProto {
  readonly increment: bigint;
  readonly min_value: bigint;
  readonly max_value: bigint;
  readonly start: bigint;
  readonly virtual: boolean;
  readonly sequence_owner?: { readonly owner_column_id: number; readonly owner_table_id: number };
  readonly cache_size: bigint;
  readonly as_integer_type?: string;
}

/** `descpb.ConstraintToUpdate`: constraint_type 0 CHECK, 1 FOREIGN_KEY, 2 NOT_NULL, 3 UNIQUE_WITHOUT_INDEX. */
export interface ConstraintToUpdateProto {
  readonly constraint_type: number;
  readonly name: string;
  readonly check?: CheckProto;
  readonly foreign_key?: ForeignKeyProto;
  readonly not_null_column: number;
  readonly unique_without_index_constraint?: UniqueWithoutIndexProto;
}

/**
 * One in-flight schema change of a table (`descpb.DescriptorMutation`, a oneof): a column, index,
 * constraint, primary-key swap, computed-column swap, materialized-view refresh or TTL change.
 * state: 1 DELETE_ONLY, 2 DELETE_AND_WRITE_ONLY, 3 BACKFILLING, 4 MERGING; direction: 1 ADD, 2 DROP.
 */
export interface MutationProto {
  readonly column?: ColumnProto;
  readonly index?: IndexProto;
  readonly constraint?: ConstraintToUpdateProto;
  readonly primary_key_swap?: {
    readonly old_primary_index_id: number;
    readonly new_primary_index_id: number;
    readonly new_primary_index_name: string;
  };
  readonly computed_column_swap?: { readonly old_column_id: number; readonly new_column_id: number };
  readonly materialized_view_refresh: boolean;
  readonly modify_row_level_ttl: boolean;
  readonly state: number;
  readonly direction: number;
  readonly mutation_id: number;
  readonly rollback: boolean;
}

export interface TableProto {
  readonly kind: 'table';
  readonly name: string;
  readonly id: number;
  readonly parent_id: number;
  readonly version: number;
  readonly modification_time?: { readonly wall_time: bigint; readonly logical: number };
  readonly columns: readonly ColumnProto[];
  readonly primary_index?: IndexProto;
  readonly indexes: readonly IndexProto[];
  readonly mutations: readonly MutationProto[];
  readonly format_version: number;
  /** 0 PUBLIC, 1 ADD, 2 DROP, 3 OFFLINE. */
  readonly state: number;
  readonly checks: readonly CheckProto[];
  readonly families: readonly FamilyProto[];
  readonly view_query?: string;
  readonly sequence_opts?: SequenceOptsProto;
  readonly outbound_fks: readonly ForeignKeyProto[];
  readonly inbound_fks: readonly ForeignKeyProto[];
  readonly temporary: boolean;
  /** 0 when absent (pre-20.1: the parent database's public schema). */
  readonly unexposed_parent_schema_id: number;
  readonly is_materialized_view: boolean;
  readonly locality_config?: { readonly global: boolean; readonly regional_by_table?: string; readonly regional_by_row?: string };
  readonly unique_without_index_constraints: readonly UniqueWithoutIndexProto[];
  readonly row_level_ttl?: {
    readonly duration_expr: string;
    readonly expiration_expr: string;
    readonly deletion_cron: string;
    readonly select_batch_size: bigint;
    readonly delete_batch_size: bigint;
    readonly pause: boolean;
  };
  readonly exclude_data_from_backup: boolean;
  readonly schema_locked: boolean;
}

export interface DatabaseProto {
  readonly kind: 'database';
  readonly name: string;
  readonly id: number;
  readonly schemas: ReadonlyMap<string, { readonly id: number; readonly dropped: boolean }>;
  readonly state: number;
}

export interface SchemaProto {
  readonly kind: 'schema';
  readonly parent_id: number;
  readonly name: string;
  readonly id: number;
  readonly state: number;
}

export interface EnumMemberProto {
  readonly physical_representation: Uint8Array;
  readonly logical_representation: string;
  readonly capability: number;
  readonly direction: number;
}

export interface TypeDescProto {
  readonly kind: 'type';
  readonly parent_id: number;
  readonly parent_schema_id: number;
  readonly name: string;
  readonly id: number;
  /** 0 ENUM, 1 ALIAS, 2 MULTIREGION_ENUM, 3 TABLE_IMPLICIT_RECORD_TYPE, 4 COMPOSITE. */
  readonly type_kind: number;
  readonly enum_members: readonly EnumMemberProto[];
  readonly alias?: TypeProto;
  readonly array_type_id: number;
  readonly state: number;
  readonly composite_elements: readonly { readonly element_type: TypeProto; readonly element_label: string }[];
}

export interface FunctionProto {
  readonly kind: 'function';
  readonly name: string;
  readonly id: number;
  readonly parent_id: number;
  readonly parent_schema_id: number;
  readonly params: readonly { readonly class: number; readonly name: string; readonly type: TypeProto; readonly default_expr?: string }[];
  readonly return_type?: TypeProto;
  readonly return_set: boolean;
  readonly lang: number;
  readonly function_body: string;
  readonly volatility: number;
  readonly state: number;
  readonly is_procedure: boolean;
}

export type DescriptorProto = TableProto | DatabaseProto | SchemaProto | TypeDescProto | FunctionProto;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !(v instanceof Uint8Array);
const num = (o: Obj, k: string): number => {
  const v = o[k];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return 0;
};
const big = (o: Obj, k: string): bigint => {
  const v = o[k];
  if (typeof v === 'string' || typeof v === 'number') return BigInt(v);
  return 0n;
};
const str = (o: Obj, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
const optStr = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const bool = (o: Obj, k: string): boolean => o[k] === true;
const sub = (o: Obj, k: string): Obj | undefined => (isObj(o[k]) ? (o[k] as Obj) : undefined);
const list = (o: Obj, k: string): unknown[] => (Array.isArray(o[k]) ? (o[k] as unknown[]) : []);
const nums = (o: Obj, k: string): number[] => list(o, k).map((v) => (typeof v === 'number' ? v : Number(v)));
const strs = (o: Obj, k: string): string[] => list(o, k).filter((v): v is string => typeof v === 'string');
const objs = (o: Obj, k: string): Obj[] => list(o, k).filter(isObj);

function typeProto(o: Obj): TypeProto {
  const ac = sub(o, 'array_contents');
  const idf = sub(o, 'interval_duration_field');
  const geo = sub(o, 'geo_metadata');
  return {
    family: num(o, 'family'),
    width: num(o, 'width'),
    precision: num(o, 'precision'),
    ...(optStr(o, 'locale') !== undefined ? { locale: str(o, 'locale') } : {}),
    visible_type: num(o, 'visible_type'),
    ...(o['array_elem_type'] !== undefined ? { array_elem_type: num(o, 'array_elem_type') } : {}),
    tuple_contents: objs(o, 'tuple_contents').map(typeProto),
    tuple_labels: strs(o, 'tuple_labels'),
    oid: num(o, 'oid'),
    ...(ac ? { array_contents: typeProto(ac) } : {}),
    time_precision_is_set: bool(o, 'time_precision_is_set'),
    ...(idf
      ? { interval_duration_field: { duration_type: num(idf, 'duration_type'), from_duration_type: num(idf, 'from_duration_type') } }
      : {}),
    ...(geo ? { geo_metadata: { srid: num(geo, 'srid'), shape_type: num(geo, 'shape_type') } } : {}),
  };
}

function columnProto(o: Obj): ColumnProto {
  return {
    name: str(o, 'name'),
    id: num(o, 'id'),
    type: typeProto(sub(o, 'type') ?? {}),
    nullable: bool(o, 'nullable'),
    ...(optStr(o, 'default_expr') !== undefined ? { default_expr: str(o, 'default_expr') } : {}),
    hidden: bool(o, 'hidden'),
    uses_sequence_ids: nums(o, 'uses_sequence_ids'),
    ...(optStr(o, 'compute_expr') !== undefined ? { compute_expr: str(o, 'compute_expr') } : {}),
    owns_sequence_ids: nums(o, 'owns_sequence_ids'),
    system_column_kind: num(o, 'system_column_kind'),
    virtual: bool(o, 'virtual'),
    inaccessible: bool(o, 'inaccessible'),
    ...(optStr(o, 'on_update_expr') !== undefined ? { on_update_expr: str(o, 'on_update_expr') } : {}),
    generated_as_identity_type: num(o, 'generated_as_identity_type'),
    ...(optStr(o, 'generated_as_identity_sequence_option') !== undefined
      ? { generated_as_identity_sequence_option: str(o, 'generated_as_identity_sequence_option') }
      : {}),
  };
}

function fkRefProto(o: Obj): ForeignKeyReferenceProto {
  return {
    table: num(o, 'table'),
    index: num(o, 'index'),
    name: str(o, 'name'),
    validity: num(o, 'validity'),
    shared_prefix_len: num(o, 'shared_prefix_len'),
    on_delete: num(o, 'on_delete'),
    on_update: num(o, 'on_update'),
    match: num(o, 'match'),
  };
}

function indexProto(o: Obj): IndexProto {
  const fk = sub(o, 'foreign_key');
  const il = sub(o, 'interleave');
  const part = sub(o, 'partitioning');
  const sh = sub(o, 'sharded');
  return {
    name: str(o, 'name'),
    id: num(o, 'id'),
    unique: bool(o, 'unique'),
    key_column_names: strs(o, 'key_column_names'),
    store_column_names: strs(o, 'store_column_names'),
    key_column_ids: nums(o, 'key_column_ids'),
    key_suffix_column_ids: nums(o, 'key_suffix_column_ids'),
    key_column_directions: nums(o, 'key_column_directions'),
    ...(fk && num(fk, 'table') !== 0 ? { foreign_key: fkRefProto(fk) } : {}),
    referenced_by: objs(o, 'referenced_by').map(fkRefProto),
    interleave_ancestors: il
      ? objs(il, 'ancestors').map((a) => ({
          table_id: num(a, 'table_id'),
          index_id: num(a, 'index_id'),
          shared_prefix_len: num(a, 'shared_prefix_len'),
        }))
      : [],
    composite_column_ids: nums(o, 'composite_column_ids'),
    store_column_ids: nums(o, 'store_column_ids'),
    ...(part && num(part, 'num_columns') > 0
      ? {
          partitioning: {
            num_columns: num(part, 'num_columns'),
            num_implicit_columns: num(part, 'num_implicit_columns'),
            list: objs(part, 'list').map((p) => str(p, 'name')),
            range: objs(part, 'range').map((p) => str(p, 'name')),
          },
        }
      : {}),
    type: num(o, 'type'),
    encoding_type: num(o, 'encoding_type'),
    ...(sh && bool(sh, 'is_sharded')
      ? {
          sharded: {
            is_sharded: true,
            name: str(sh, 'name'),
            shard_buckets: num(sh, 'shard_buckets'),
            column_names: strs(sh, 'column_names'),
          },
        }
      : {}),
    ...(optStr(o, 'predicate') ? { predicate: str(o, 'predicate') } : {}),
    use_delete_preserving_encoding: bool(o, 'use_delete_preserving_encoding'),
    inverted_column_kinds: nums(o, 'inverted_column_kinds'),
    not_visible: bool(o, 'not_visible'),
    invisibility: num(o, 'invisibility'),
    constraint_id: num(o, 'constraint_id'),
  };
}

function fkProto(o: Obj): ForeignKeyProto {
  return {
    origin_table_id: num(o, 'origin_table_id'),
    origin_column_ids: nums(o, 'origin_column_ids'),
    referenced_column_ids: nums(o, 'referenced_column_ids'),
    referenced_table_id: num(o, 'referenced_table_id'),
    name: str(o, 'name'),
    validity: num(o, 'validity'),
    on_delete: num(o, 'on_delete'),
    on_update: num(o, 'on_update'),
    match: num(o, 'match'),
    constraint_id: num(o, 'constraint_id'),
  };
}

function checkProto(c: Obj): CheckProto {
  return {
    expr: str(c, 'expr'),
    name: str(c, 'name'),
    validity: num(c, 'validity'),
    column_ids: nums(c, 'column_ids'),
    is_non_null_constraint: bool(c, 'is_non_null_constraint'),
    from_hash_sharded_column: bool(c, 'from_hash_sharded_column'),
    constraint_id: num(c, 'constraint_id'),
  };
}

function uniqueWithoutIndexProto(u: Obj): UniqueWithoutIndexProto {
  return {
    table_id: num(u, 'table_id'),
    column_ids: nums(u, 'column_ids'),
    name: str(u, 'name'),
    validity: num(u, 'validity'),
    ...(optStr(u, 'predicate') ? { predicate: str(u, 'predicate') } : {}),
    constraint_id: num(u, 'constraint_id'),
  };
}

function mutationProto(m: Obj): MutationProto {
  const c = sub(m, 'column');
  const i = sub(m, 'index');
  const k = sub(m, 'constraint');
  const pk = sub(m, 'primaryKeySwap');
  const cc = sub(m, 'computedColumnSwap');
  const kc = k ? sub(k, 'check') : undefined;
  const kf = k ? sub(k, 'foreign_key') : undefined;
  const ku = k ? sub(k, 'unique_without_index_constraint') : undefined;
  return {
    ...(c ? { column: columnProto(c) } : {}),
    ...(i ? { index: indexProto(i) } : {}),
    ...(k
      ? {
          constraint: {
            constraint_type: num(k, 'constraint_type'),
            name: str(k, 'name'),
            ...(kc ? { check: checkProto(kc) } : {}),
            ...(kf ? { foreign_key: fkProto(kf) } : {}),
            not_null_column: num(k, 'not_null_column'),
            ...(ku ? { unique_without_index_constraint: uniqueWithoutIndexProto(ku) } : {}),
          },
        }
      : {}),
    ...(pk
      ? {
          primary_key_swap: {
            old_primary_index_id: num(pk, 'old_primary_index_id'),
            new_primary_index_id: num(pk, 'new_primary_index_id'),
            new_primary_index_name: str(pk, 'new_primary_index_name'),
          },
        }
      : {}),
    ...(cc ? { computed_column_swap: { old_column_id: num(cc, 'old_column_id'), new_column_id: num(cc, 'new_column_id') } } : {}),
    materialized_view_refresh: sub(m, 'materializedViewRefresh') !== undefined,
    modify_row_level_ttl: sub(m, 'modify_row_level_ttl') !== undefined,
    state: num(m, 'state'),
    direction: num(m, 'direction'),
    mutation_id: num(m, 'mutation_id'),
    rollback: bool(m, 'rollback'),
  };
}

function tableProto(o: Obj): TableProto {
  const mt = sub(o, 'modification_time');
  const pi = sub(o, 'primary_index');
  const so = sub(o, 'sequence_opts');
  const lc = sub(o, 'locality_config');
  const owner = so ? sub(so, 'sequence_owner') : undefined;
  const ttl = sub(o, 'row_level_ttl');
  return {
    kind: 'table',
    name: str(o, 'name'),
    id: num(o, 'id'),
    parent_id: num(o, 'parent_id'),
    version: num(o, 'version'),
    ...(mt ? { modification_time: { wall_time: big(mt, 'wall_time'), logical: num(mt, 'logical') } } : {}),
    columns: objs(o, 'columns').map(columnProto),
    ...(pi ? { primary_index: indexProto(pi) } : {}),
    indexes: objs(o, 'indexes').map(indexProto),
    mutations: objs(o, 'mutations').map(mutationProto),
    format_version: num(o, 'format_version'),
    state: num(o, 'state'),
    checks: objs(o, 'checks').map(checkProto),
    families: objs(o, 'families').map((f) => ({
      name: str(f, 'name'),
      id: num(f, 'id'),
      column_names: strs(f, 'column_names'),
      column_ids: nums(f, 'column_ids'),
      default_column_id: num(f, 'default_column_id'),
    })),
    ...(optStr(o, 'view_query') ? { view_query: str(o, 'view_query') } : {}),
    ...(so
      ? {
          sequence_opts: {
            increment: big(so, 'increment'),
            min_value: big(so, 'min_value'),
            max_value: big(so, 'max_value'),
            start: big(so, 'start'),
            virtual: bool(so, 'virtual'),
            ...(owner
              ? { sequence_owner: { owner_column_id: num(owner, 'owner_column_id'), owner_table_id: num(owner, 'owner_table_id') } }
              : {}),
            cache_size: big(so, 'cache_size'),
            ...(optStr(so, 'as_integer_type') ? { as_integer_type: str(so, 'as_integer_type') } : {}),
          },
        }
      : {}),
    outbound_fks: objs(o, 'outbound_fks').map(fkProto),
    inbound_fks: objs(o, 'inbound_fks').map(fkProto),
    temporary: bool(o, 'temporary'),
    unexposed_parent_schema_id: num(o, 'unexposed_parent_schema_id'),
    is_materialized_view: bool(o, 'is_materialized_view'),
    ...(lc
      ? {
          locality_config: {
            global: sub(lc, 'global') !== undefined,
            ...(sub(lc, 'regional_by_table') ? { regional_by_table: str(sub(lc, 'regional_by_table') ?? {}, 'region') } : {}),
            ...(sub(lc, 'regional_by_row') ? { regional_by_row: str(sub(lc, 'regional_by_row') ?? {}, 'as') } : {}),
          },
        }
      : {}),
    unique_without_index_constraints: objs(o, 'unique_without_index_constraints').map(uniqueWithoutIndexProto),
    ...(ttl
      ? {
          row_level_ttl: {
            duration_expr: str(ttl, 'duration_expr'),
            expiration_expr: str(ttl, 'expiration_expr'),
            deletion_cron: str(ttl, 'deletion_cron'),
            select_batch_size: big(ttl, 'select_batch_size'),
            delete_batch_size: big(ttl, 'delete_batch_size'),
            pause: bool(ttl, 'pause'),
          },
        }
      : {}),
    exclude_data_from_backup: bool(o, 'exclude_data_from_backup'),
    schema_locked: bool(o, 'schema_locked'),
  };
}

function databaseProto(o: Obj): DatabaseProto {
  const schemas = new Map<string, { id: number; dropped: boolean }>();
  const m = sub(o, 'schemas');
  if (m) for (const [k, v] of Object.entries(m)) if (isObj(v)) schemas.set(k, { id: num(v, 'id'), dropped: bool(v, 'dropped') });
  return { kind: 'database', name: str(o, 'name'), id: num(o, 'id'), schemas, state: num(o, 'state') };
}

function typeDescProto(o: Obj): TypeDescProto {
  const alias = sub(o, 'alias');
  const comp = sub(o, 'composite');
  return {
    kind: 'type',
    parent_id: num(o, 'parent_id'),
    parent_schema_id: num(o, 'parent_schema_id'),
    name: str(o, 'name'),
    id: num(o, 'id'),
    type_kind: num(o, 'kind'),
    enum_members: objs(o, 'enum_members').map((m) => ({
      physical_representation: m['physical_representation'] instanceof Uint8Array ? m['physical_representation'] : new Uint8Array(0),
      logical_representation: str(m, 'logical_representation'),
      capability: num(m, 'capability'),
      direction: num(m, 'direction'),
    })),
    ...(alias ? { alias: typeProto(alias) } : {}),
    array_type_id: num(o, 'array_type_id'),
    state: num(o, 'state'),
    composite_elements: comp
      ? objs(comp, 'elements').map((e) => ({
          element_type: typeProto(sub(e, 'element_type') ?? {}),
          element_label: str(e, 'element_label'),
        }))
      : [],
  };
}

function functionProto(o: Obj): FunctionProto {
  const rt = sub(o, 'return_type');
  const rtt = rt ? sub(rt, 'type') : undefined;
  return {
    kind: 'function',
    name: str(o, 'name'),
    id: num(o, 'id'),
    parent_id: num(o, 'parent_id'),
    parent_schema_id: num(o, 'parent_schema_id'),
    params: objs(o, 'params').map((p) => ({
      class: num(p, 'class'),
      name: str(p, 'name'),
      type: typeProto(sub(p, 'type') ?? {}),
      ...(optStr(p, 'default_expr') !== undefined ? { default_expr: str(p, 'default_expr') } : {}),
    })),
    ...(rtt ? { return_type: typeProto(rtt) } : {}),
    return_set: rt ? bool(rt, 'return_set') : false,
    lang: num(o, 'lang'),
    function_body: str(o, 'function_body'),
    volatility: num(o, 'volatility'),
    state: num(o, 'state'),
    is_procedure: bool(o, 'is_procedure'),
  };
}

/**
 * Decodes one marshaled `Descriptor`. Returns undefined for an empty union (unknown descriptor
 * kind from a newer version). `where` names the origin for errors (file, key).
 */
export function decodeDescriptor(bytes: Uint8Array, where?: string): DescriptorProto | undefined {
  const t = descriptorType();
  let o: Obj;
  try {
    const msg: protobuf.Message = t.decode(bytes);
    o = t.toObject(msg, { longs: String, enums: Number, arrays: true, objects: true, oneofs: false }) as Obj;
  } catch (e) {
    throw new DecodeError(
      'descriptor',
      `invalid Descriptor protobuf (${e instanceof Error ? e.message : String(e)}), ${bytes.length} bytes`,
      where,
      undefined,
      'the descriptor bytes are corrupt or not a descriptor',
      { cause: e },
    );
  }
  const tb = sub(o, 'table');
  if (tb) return tableProto(tb);
  const db = sub(o, 'database');
  if (db) return databaseProto(db);
  const ty = sub(o, 'type');
  if (ty) return typeDescProto(ty);
  const sc = sub(o, 'schema');
  if (sc) return { kind: 'schema', parent_id: num(sc, 'parent_id'), name: str(sc, 'name'), id: num(sc, 'id'), state: num(sc, 'state') };
  const fn = sub(o, 'function');
  if (fn) return functionProto(fn);
  return undefined;
}
