/**
 * buildCatalog over synthetic descriptors, for features none of the fixture stores has (user schemas,
 * computed/identity/ON UPDATE columns, partial/sharded/inverted indexes, views, composite types,
 * functions, comments, id references in expressions, dropped types).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnProto, DescriptorProto, IndexProto, TableProto, TypeProto } from '../proto/descriptor.js';
import { buildCatalog } from './build-catalog.js';
import { storedColumns } from '../rows/decode-rows.js';

const ty = (family: number, oid: number, f: Partial<TypeProto> = {}): TypeProto => ({
  family,
  oid,
  width: 0,
  precision: 0,
  visible_type: 0,
  tuple_contents: [],
  tuple_labels: [],
  time_precision_is_set: false,
  ...f,
});
const col = (id: number, name: string, type: TypeProto, f: Partial<ColumnProto> = {}): ColumnProto => ({
  name,
  id,
  type,
  nullable: true,
  hidden: false,
  uses_sequence_ids: [],
  owns_sequence_ids: [],
  system_column_kind: 0,
  virtual: false,
  inaccessible: false,
  generated_as_identity_type: 0,
  ...f,
});
const idx = (id: number, name: string, cols: number[], f: Partial<IndexProto> = {}): IndexProto => ({
  name,
  id,
  unique: false,
  key_column_names: [],
  store_column_names: [],
  key_column_ids: cols,
  key_suffix_column_ids: [],
  key_column_directions: cols.map(() => 0),
  referenced_by: [],
  interleave_ancestors: [],
  composite_column_ids: [],
  store_column_ids: [],
  type: 0,
  encoding_type: 0,
  use_delete_preserving_encoding: false,
  inverted_column_kinds: [],
  not_visible: false,
  invisibility: 0,
  constraint_id: 0,
  ...f,
});
const table = (id: number, name: string, f: Partial<TableProto>): TableProto => ({
  kind: 'table',
  name,
  id,
  parent_id: 100,
  version: 1,
  columns: [],
  indexes: [],
  mutations: [],
  format_version: 3,
  state: 0,
  checks: [],
  families: [],
  outbound_fks: [],
  inbound_fks: [],
  temporary: false,
  unexposed_parent_schema_id: 101,
  is_materialized_view: false,
  unique_without_index_constraints: [],
  exclude_data_from_backup: false,
  schema_locked: false,
  ...f,
});

const INT8 = ty(1, 20, { width: 64 });
const TEXT = ty(7, 25);

const descriptors: DescriptorProto[] = [
  {
    kind: 'database',
    name: 'app',
    id: 100,
    schemas: new Map([
      ['public', { id: 101, dropped: false }],
      ['sales', { id: 102, dropped: false }],
    ]),
    state: 0,
  },
  { kind: 'schema', name: 'public', id: 101, parent_id: 100, state: 0 },
  { kind: 'schema', name: 'sales', id: 102, parent_id: 100, state: 0 },
  {
    kind: 'type',
    name: 'Status',
    id: 110,
    parent_id: 100,
    parent_schema_id: 102,
    type_kind: 0,
    array_type_id: 111,
    state: 0,
    composite_elements: [],
    // Stored out of order on purpose: the catalog sorts members by physical bytes.
    enum_members: [
      { physical_representation: Uint8Array.of(0xc0), logical_representation: 'closed', capability: 0, direction: 0 },
      { physical_representation: Uint8Array.of(0x40), logical_representation: 'open', capability: 0, direction: 0 },
      { physical_representation: Uint8Array.of(0x80), logical_representation: 'pending', capability: 1, direction: 1 },
    ],
  },
  {
    kind: 'type',
    name: '_Status',
    id: 111,
    parent_id: 100,
    parent_schema_id: 102,
    type_kind: 1,
    array_type_id: 0,
    state: 0,
    composite_elements: [],
    enum_members: [],
  },
  {
    kind: 'type',
    name: 'pair',
    id: 112,
    parent_id: 100,
    parent_schema_id: 101,
    type_kind: 4,
    array_type_id: 0,
    state: 0,
    enum_members: [],
    composite_elements: [
      { element_type: INT8, element_label: 'a' },
      { element_type: ty(24, 100110), element_label: 's' },
    ],
  },
  {
    kind: 'type',
    name: 'gone',
    id: 113,
    parent_id: 100,
    parent_schema_id: 101,
    type_kind: 0,
    array_type_id: 0,
    state: 2,
    composite_elements: [],
    enum_members: [],
  },
  table(120, 'order_seq', {
    sequence_opts: {
      increment: 1n,
      min_value: 1n,
      max_value: 9223372036854775807n,
      start: 1n,
      virtual: false,
      cache_size: 1n,
      sequence_owner: { owner_table_id: 121, owner_column_id: 1 },
    },
  }),
  table(121, 'orders', {
    unexposed_parent_schema_id: 102,
    columns: [
      col(1, 'id', INT8, { nullable: false, default_expr: 'nextval(120:::REGCLASS)', uses_sequence_ids: [120] }),
      col(2, 'status', ty(24, 100110), { default_expr: "x'40':::@100110" }),
      col(3, 'qty', INT8),
      col(4, 'qty2', INT8, { compute_expr: 'qty * 2:::INT8', virtual: true }),
      col(5, 'qty3', INT8, { compute_expr: 'qty * 3:::INT8' }),
      col(6, 'updated', ty(9, 1184), { on_update_expr: 'now():::TIMESTAMPTZ' }),
      col(7, 'n', INT8, { generated_as_identity_type: 1, generated_as_identity_sequence_option: 'START 10' }),
      col(8, 'crdb_internal_idx_expr', TEXT, { inaccessible: true, virtual: true, compute_expr: 'lower(note)' }),
      col(9, 'note', TEXT),
      col(10, 'tags', ty(15, 100111, { array_contents: ty(24, 100110) })),
      col(11, 'crdb_internal_id_shard_4', INT8, {
        hidden: true,
        virtual: true,
        compute_expr: 'mod(fnv32(md5(crdb_internal.datums_to_bytes(id))), 4:::INT8)',
      }),
    ],
    primary_index: idx(1, 'orders_pkey', [1], { unique: true, constraint_id: 2 }),
    indexes: [
      idx(2, 'by_status', [2], { predicate: "status = x'40':::@100110", store_column_ids: [3] }),
      idx(3, 'by_note_expr', [8]),
      idx(4, 'by_tags', [10], { type: 1 }),
      idx(5, 'by_id_sharded', [11, 1], {
        sharded: { is_sharded: true, name: 'crdb_internal_id_shard_4', shard_buckets: 4, column_names: ['id'] },
      }),
      idx(6, 'tmp', [3], { use_delete_preserving_encoding: true }),
    ],
    families: [{ name: 'primary', id: 0, column_names: [], column_ids: [1, 2, 3, 5, 6, 7, 9, 10], default_column_id: 0 }],
    checks: [
      {
        expr: 'qty > 0:::INT8',
        name: 'check_qty',
        validity: 0,
        column_ids: [3],
        is_non_null_constraint: false,
        from_hash_sharded_column: false,
        constraint_id: 3,
      },
      {
        expr: 'id IS NOT NULL',
        name: 'id_auto_not_null',
        validity: 0,
        column_ids: [1],
        is_non_null_constraint: true,
        from_hash_sharded_column: false,
        constraint_id: 4,
      },
    ],
    unique_without_index_constraints: [
      { table_id: 121, column_ids: [9], name: 'unique_note', validity: 1, predicate: 'qty > 1:::INT8', constraint_id: 5 },
    ],
    locality_config: { global: true },
    schema_locked: true,
    row_level_ttl: {
      duration_expr: "'30 days':::INTERVAL",
      expiration_expr: '',
      deletion_cron: '@daily',
      select_batch_size: 0n,
      delete_batch_size: 0n,
      pause: false,
    },
  }),
  table(122, 'open_orders', {
    view_query: "SELECT id FROM app.sales.orders WHERE status = x'40':::@100110",
    columns: [col(1, 'id', INT8)],
  }),
  table(123, 'old', { state: 2, columns: [col(1, 'a', INT8)], primary_index: idx(1, 'primary', [1]) }),
  {
    kind: 'function',
    name: 'f',
    id: 124,
    parent_id: 100,
    parent_schema_id: 101,
    params: [{ class: 1, name: 'x', type: INT8 }],
    return_type: INT8,
    return_set: false,
    lang: 1,
    function_body: 'SELECT x + 1;',
    volatility: 2,
    state: 0,
    is_procedure: false,
  },
];

test('synthetic descriptors: schemas, types, sequences, views, functions, comments', () => {
  const c = buildCatalog({
    descriptors,
    sequenceValues: new Map([[120, 42n]]),
    comments: [
      { type: 1, objectId: 121, subId: 0, text: 'orders table' },
      { type: 2, objectId: 121, subId: 3, text: 'quantity' },
      { type: 0, objectId: 100, subId: 0, text: 'the app' },
      { type: 4, objectId: 102, subId: 0, text: 'sales schema' },
      { type: 5, objectId: 121, subId: 3, text: 'positive' },
      { type: 5, objectId: 121, subId: 2, text: 'pk' },
    ],
  });
  assert.deepEqual(
    c.schemas.map((s) => [s.database, s.name, s.id]),
    [
      ['app', 'public', 101],
      ['app', 'sales', 102],
    ],
  );
  assert.deepEqual(
    c.types.map((t) => [t.kind, t.schema, t.name]),
    [
      ['enum', 'sales', 'Status'],
      ['composite', 'public', 'pair'],
    ],
  );
  const status = c.types[0]!;
  assert.ok(status.kind === 'enum');
  assert.deepEqual(
    status.members.map((m) => [m.label, m.writable]),
    [
      ['open', true],
      ['pending', false],
      ['closed', true],
    ],
  );
  const pair = c.types[1]!;
  assert.ok(pair.kind === 'composite');
  assert.deepEqual(
    pair.elements.map((e) => [e.label, e.type.family, e.type.udt?.name]),
    [
      ['a', 'int', undefined],
      ['s', 'enum', 'Status'],
    ],
  );
  assert.deepEqual(
    c.sequences.map((s) => [s.schema, s.name, s.currentValue, s.owner]),
    [['public', 'order_seq', 42n, { tableId: 121, columnId: 1 }]],
  );
  assert.deepEqual(
    c.views.map((v) => [v.schema, v.name, v.query]),
    [['public', 'open_orders', 'SELECT id FROM app.sales.orders WHERE status = \'open\':::sales."Status"']],
  );
  assert.deepEqual(
    c.functions.map((f) => [f.name, f.language, f.volatility, f.params.map((p) => p.mode)]),
    [['f', 'sql', 'immutable', ['IN']]],
  );
  assert.ok(c.notes.some((n) => /table app\.old \(id 123\) in state DROP/.test(n)));
  assert.ok(c.notes.some((n) => /type gone \(id 113\) in state DROP/.test(n)));
  assert.deepEqual(
    c.comments.map((x) => [x.target.kind, x.text]),
    [
      ['table', 'orders table'],
      ['column', 'quantity'],
      ['database', 'the app'],
      ['schema', 'sales schema'],
      ['constraint', 'positive'],
      ['constraint', 'pk'],
    ],
  );
  assert.deepEqual(
    c.comments.slice(4).map((x) => (x.target.kind === 'constraint' ? x.target.constraintName : '')),
    ['check_qty', 'orders_pkey'],
  );
});

test('synthetic table: columns, indexes, constraints, locality, TTL and the stored column order', () => {
  const c = buildCatalog({ descriptors });
  const t = c.tables.find((x) => x.name === 'orders');
  assert.ok(t);
  assert.equal(t.schema, 'sales');
  const by = (n: string) => t.columns.find((x) => x.name === n)!;
  assert.equal(by('id').defaultExpr, "nextval('public.order_seq'::REGCLASS)");
  assert.equal(by('status').defaultExpr, `'open':::sales."Status"`);
  assert.deepEqual(
    by('status').type.udt?.enumMembers?.map((m) => m.label),
    ['open', 'pending', 'closed'],
  );
  assert.equal(by('tags').type.arrayContents?.udt?.name, 'Status');
  assert.deepEqual(by('qty2').computed, { expr: 'qty * 2:::INT8', stored: false });
  assert.deepEqual(by('qty3').computed, { expr: 'qty * 3:::INT8', stored: true });
  assert.equal(by('updated').onUpdateExpr, 'now():::TIMESTAMPTZ');
  assert.deepEqual(by('n').identity, { mode: 'always', sequenceOptions: 'START 10' });
  assert.deepEqual(
    storedColumns(t).map((x) => x.name),
    ['id', 'status', 'qty', 'qty3', 'updated', 'n', 'note', 'tags'],
  );
  assert.deepEqual(
    t.indexes.map((i) => [i.name, i.kind]),
    [
      ['by_status', 'forward'],
      ['by_note_expr', 'forward'],
      ['by_tags', 'inverted'],
      ['by_id_sharded', 'forward'],
    ],
  );
  assert.equal(t.indexes[0]!.predicate, `status = 'open':::sales."Status"`);
  assert.deepEqual(t.indexes[0]!.storeColumnIds, [3]);
  assert.deepEqual(t.indexes[3]!.sharded, { shardColumn: 'crdb_internal_id_shard_4', buckets: 4, columnNames: ['id'] });
  assert.deepEqual(
    t.checks.map((k) => k.name),
    ['check_qty'],
  );
  assert.deepEqual(t.uniqueWithoutIndex, [{ name: 'unique_note', columnIds: [9], predicate: 'qty > 1:::INT8', validated: false }]);
  assert.equal(t.locality, 'LOCALITY GLOBAL');
  assert.equal(t.ttl, "ttl_expire_after = '30 days', ttl_job_cron = '@daily'");
  assert.deepEqual(t.storageParams, ['schema_locked = true']);
});
