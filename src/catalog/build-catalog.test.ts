/**
 * Catalog built from the real `system.descriptor` rows of the fixture stores; expectations from each
 * store's SOURCE.md (and the seed/schema SQL it names).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStoreSource } from '../pebble/store-mvcc.js';
import type { DescriptorProto } from '../proto/descriptor.js';
import type { Catalog, Table } from '../model/catalog.js';
import { buildCatalog } from './build-catalog.js';
import { decodeDescriptorKV, descriptorSpan } from './system-tables.js';
import { sqlTypeName } from './type-from-proto.js';
import { readSequenceValues } from '../source/catalog-from-kvs.js';
import { isSchemaError } from '../util/errors.js';

const STORES = new URL('../../../shared/fixtures/crdb-stores/', import.meta.url);

async function loadCatalog(name: string): Promise<{ catalog: Catalog; descriptors: DescriptorProto[] }> {
  const src = await openStoreSource(new URL(`${name}/`, STORES).pathname);
  try {
    const descriptors: DescriptorProto[] = [];
    for await (const kv of src.scan(...descriptorSpan())) {
      const d = decodeDescriptorKV(kv);
      if (d?.descriptor) descriptors.push(d.descriptor);
    }
    const sequenceValues = await readSequenceValues(descriptors, (start, end) => src.scan(start, end));
    return { catalog: buildCatalog({ descriptors, sequenceValues }), descriptors };
  } finally {
    await src.close();
  }
}

const tbl = (c: Catalog, db: string, name: string): Table => {
  const t = c.tables.find((x) => x.database === db && x.name === name);
  assert.ok(t, `${db}.${name}`);
  return t;
};
const colSummary = (t: Table): string[] => t.columns.map((c) => `${c.name} ${sqlTypeName(c.type)}${c.nullable ? '' : ' NOT NULL'}`);
const pk = (t: Table): string[] => t.primaryIndex.keyColumns.map((k) => `${k.name} ${k.direction}`);

test('emails-v2.1.4: tables, types, PKs, FKs and sequences with current values', async () => {
  const { catalog: c } = await loadCatalog('emails-v2.1.4');
  assert.deepEqual(
    c.databases.map((d) => d.name),
    ['defaultdb', 'postgres', 'emails'],
  );
  assert.deepEqual(
    c.schemas.filter((s) => s.database === 'emails').map((s) => [s.name, s.id]),
    [['public', 29]],
  );
  assert.deepEqual(
    c.sequences.map((s) => [s.name, s.id, s.start, s.increment, s.currentValue]),
    [
      ['emailid', 53, 1n, 1n, 5n],
      ['threadid', 54, 1n, 1n, 4n],
      ['attachmentid', 55, 1n, 1n, 5n],
      ['ruleid', 62, 1n, 1n, 0n],
    ],
  );
  assert.deepEqual(
    c.tables.filter((t) => t.database === 'emails').map((t) => [t.name, t.id]),
    [
      ['folder', 56],
      ['email', 57],
      ['recipient', 58],
      ['bcc', 59],
      ['cc', 60],
      ['attachment', 61],
      ['rule', 63],
    ],
  );
  const email = tbl(c, 'emails', 'email');
  assert.deepEqual(colSummary(email), [
    'id INT8 NOT NULL',
    'timest TIMESTAMP',
    'sender STRING',
    'subject STRING',
    'body STRING',
    'thread_id INT8',
    'type STRING',
    'folder STRING',
  ]);
  assert.equal(email.columns[0]!.defaultExpr, "nextval('emailID':::STRING)");
  assert.deepEqual(pk(email), ['id asc']);
  assert.deepEqual(
    email.indexes.map((i) => [i.id, i.name, i.keyColumns.map((k) => k.name)]),
    [[2, 'email_auto_index_fk_folder_ref_folder', ['folder']]],
  );
  // Pre-20.1 FK representation (IndexDescriptor.foreign_key).
  assert.deepEqual(
    email.foreignKeys.map((f) => [f.name, f.columnIds, f.referencedTableId, f.referencedColumnIds, f.onDelete, f.onUpdate]),
    [['fk_folder_ref_folder', [8], 56, [1], 'no action', 'cascade']],
  );
  for (const n of ['recipient', 'bcc', 'cc']) {
    const t = tbl(c, 'emails', n);
    assert.deepEqual(pk(t), ['email_id asc', `${n === 'recipient' ? 'recipient' : n}_email asc`]);
    assert.deepEqual(
      t.foreignKeys.map((f) => [f.columnIds, f.referencedTableId, f.referencedColumnIds, f.onDelete, f.onUpdate]),
      [[[1], 57, [1], 'cascade', 'cascade']],
    );
  }
  const rule = tbl(c, 'emails', 'rule');
  assert.equal(rule.columns.length, 9);
  assert.ok(rule.columns.slice(1).every((x) => x.type.family === 'string'));
});

test('startrek-v1.0.2: live generation only, hidden rowid, FK and index', async () => {
  const { catalog: c } = await loadCatalog('startrek-v1.0.2');
  assert.deepEqual(
    c.tables.map((t) => [t.name, t.id]),
    [
      ['episodes', 53],
      ['quotes', 54],
    ],
  );
  // The first generation (51, 52) was dropped; its descriptors are gone, its rows remain as tombstoned versions.
  assert.ok(!c.tables.some((t) => t.id === 51 || t.id === 52));
  const ep = tbl(c, 'startrek', 'episodes');
  assert.deepEqual(colSummary(ep), ['id INT8 NOT NULL', 'season INT8', 'num INT8', 'title STRING', 'stardate DECIMAL']);
  assert.deepEqual(pk(ep), ['id asc']);
  const q = tbl(c, 'startrek', 'quotes');
  assert.deepEqual(colSummary(q), ['quote STRING', 'characters STRING', 'stardate DECIMAL', 'episode INT8', 'rowid INT8 NOT NULL']);
  const rowid = q.columns[4]!;
  assert.equal(rowid.hidden, true);
  assert.equal(rowid.defaultExpr, 'unique_rowid()');
  assert.deepEqual(pk(q), ['rowid asc']);
  assert.deepEqual(
    q.indexes.map((i) => [i.id, i.keyColumns.map((k) => k.name), i.keySuffixColumnIds]),
    [[2, ['episode'], [5]]],
  );
  assert.deepEqual(
    q.foreignKeys.map((f) => [f.columnIds, f.referencedTableId, f.referencedColumnIds]),
    [[[4], 53, [1]]],
  );
});

test('movr-v19.2.4: UUID, JSONB, DECIMAL(10,2), FLOAT8, composite PKs, FKs added by ALTER', async () => {
  const { catalog: c } = await loadCatalog('movr-v19.2.4');
  assert.deepEqual(
    c.tables.filter((t) => t.database === 'movr').map((t) => t.name),
    ['users', 'vehicles', 'rides', 'vehicle_location_histories', 'promo_codes', 'user_promo_codes'],
  );
  const vehicles = tbl(c, 'movr', 'vehicles');
  assert.deepEqual(pk(vehicles), ['city asc', 'id asc']);
  assert.equal(vehicles.columns.find((x) => x.name === 'ext')?.type.family, 'json');
  assert.equal(vehicles.columns.find((x) => x.name === 'owner_id')?.type.family, 'uuid');
  assert.deepEqual(
    vehicles.foreignKeys.map((f) => [f.columnIds.length, f.referencedTableId]),
    [[2, 55]],
  );
  const rides = tbl(c, 'movr', 'rides');
  assert.equal(sqlTypeName(rides.columns.find((x) => x.name === 'revenue')!.type), 'DECIMAL(10,2)');
  assert.deepEqual(
    rides.indexes.map((i) => i.id),
    [2, 3],
  );
  assert.deepEqual(rides.foreignKeys.map((f) => f.referencedTableId).sort(), [55, 56]);
  const vlh = tbl(c, 'movr', 'vehicle_location_histories');
  assert.deepEqual(pk(vlh), ['city asc', 'ride_id asc', 'timestamp asc']);
  assert.deepEqual(
    vlh.columns.filter((x) => x.name === 'lat' || x.name === 'long').map((x) => [x.type.family, x.type.width, x.type.oid]),
    [
      ['float', 64, 701],
      ['float', 64, 701],
    ],
  );
  const upc = tbl(c, 'movr', 'user_promo_codes');
  assert.deepEqual(pk(upc), ['city asc', 'user_id asc', 'code asc']);
  assert.equal(tbl(c, 'bank', 'accounts').columns[1]!.type.family, 'decimal');
});

test('lain-v20.2.3: VARCHAR columns, unique secondary indexes, now() defaults', async () => {
  const { catalog: c } = await loadCatalog('lain-v20.2.3');
  const u = tbl(c, 'defaultdb', 'users');
  assert.deepEqual(colSummary(u), [
    'id VARCHAR NOT NULL',
    'email VARCHAR NOT NULL',
    'username VARCHAR NOT NULL',
    'created_at TIMESTAMP NOT NULL',
    'updated_at TIMESTAMP NOT NULL',
  ]);
  assert.equal(u.columns[3]!.defaultExpr, 'now():::TIMESTAMP');
  assert.deepEqual(
    u.indexes.map((i) => [i.id, i.unique, i.keyColumns.map((k) => k.name)]),
    [
      [2, true, ['email']],
      [3, true, ['username']],
    ],
  );
});

test('recipe-wal-v19.1.0 and spyserver-v20.1.2: STRING(n), TIMESTAMPTZ, BOOL, FK ON DELETE CASCADE', async () => {
  const { catalog: r } = await loadCatalog('recipe-wal-v19.1.0');
  assert.deepEqual(colSummary(tbl(r, 'company_db', 'recipe_object')), [
    'id INT8 NOT NULL',
    'title STRING(100)',
    'ingredients STRING(4096)',
    'preparation STRING(4096)',
    'updated_at TIMESTAMPTZ',
  ]);
  const { catalog: s } = await loadCatalog('spyserver-v20.1.2');
  assert.deepEqual(
    s.tables.map((t) => [t.name, t.id]),
    [
      ['domain', 69],
      ['server', 70],
    ],
  );
  assert.equal(s.notes.filter((n) => /in state DROP/.test(n)).length, 16);
  const server = tbl(s, 'spyserver', 'server');
  assert.deepEqual(pk(server), ['address asc', 'domain asc']);
  assert.deepEqual(
    server.foreignKeys.map((f) => [f.columnIds, f.referencedTableId, f.referencedColumnIds, f.onDelete]),
    [[[2], 69, [1], 'cascade']],
  );
  assert.deepEqual(
    tbl(s, 'spyserver', 'domain')
      .columns.filter((x) => x.type.family === 'bool')
      .map((x) => x.name),
    ['servers_changed', 'is_down'],
  );
});

test('rabble-v23.1: 11 enums in physical order, enum defaults rewritten, PK index ids, DECIMAL(9,2), 170 dropped skipped', async () => {
  const { catalog: c } = await loadCatalog('rabble-v23.1');
  const enums = Object.fromEntries(c.types.map((t) => [t.name, t.kind === 'enum' ? t.members.map((m) => m.label) : []]));
  assert.equal(c.types.length, 11);
  assert.deepEqual(enums['OrderStatus'], ['PENDING', 'PENDING_DELIVERY', 'SUCCESSFUL', 'FAILED']);
  assert.deepEqual(enums['Role'], ['USER', 'PRODUCER', 'ADMIN']);
  assert.deepEqual(enums['ProductStatus'], ['OUT_OF_STOCK', 'IN_STOCK', 'RUNNING_LOW']);
  assert.deepEqual(enums['DayOptions'], ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY']);
  assert.deepEqual(enums['MembershipStatus'], ['ADMIN', 'MEMBER']);
  assert.equal(c.types.find((t) => t.name === 'ProductApprovalStatus')?.id, 209);
  assert.deepEqual(
    c.tables.map((t) => t.name),
    [
      '_prisma_migrations',
      'users',
      'producers',
      'producer_categories_options',
      'producer_categories',
      'shippings',
      'products',
      'product_category',
      'partitioned_products_basket',
      'partitioned_product_users_record',
      'buying_teams',
      'reviews',
      'team_members',
      'team_requests',
      'followers',
      'likes',
      'invites',
      'orders',
      'baskets',
      'basket_c',
      'payments',
      'notifications',
      'recently_viewed',
      'searches',
      'search_count',
      'delivery_addresses',
      'custom_delivery_address',
      'chats',
    ],
  );
  // SOURCE.md: ~170 dropped shadow-database tables with ids 1505–1798 (the survey count; 172 descriptors are in that range).
  const dropped = c.notes.filter((n) => /in state DROP/.test(n)).map((n) => Number(/\(id (\d+)\)/.exec(n)?.[1]));
  assert.ok(dropped.length >= 170);
  assert.ok(dropped.every((id) => id >= 1505 && id <= 1798));
  assert.equal(tbl(c, 'defaultdb', 'products').primaryIndex.id, 10);
  assert.equal(tbl(c, 'defaultdb', 'basket_c').primaryIndex.id, 6);
  assert.equal(tbl(c, 'defaultdb', 'partitioned_product_users_record').primaryIndex.id, 2);
  const users = tbl(c, 'defaultdb', 'users');
  const role = users.columns.find((x) => x.name === 'role')!;
  assert.equal(role.type.family, 'enum');
  assert.equal(role.type.udt?.name, 'Role');
  assert.deepEqual(
    role.type.udt?.enumMembers?.map((m) => m.label),
    ['USER', 'PRODUCER', 'ADMIN'],
  );
  assert.equal(role.defaultExpr, `'USER':::public."Role"`);
  assert.equal(sqlTypeName(users.columns.find((x) => x.name === 'created_at')!.type), 'TIMESTAMP(3)');
  const products = tbl(c, 'defaultdb', 'products');
  assert.equal(sqlTypeName(products.columns.find((x) => x.name === 'price')!.type), 'DECIMAL(9,2)');
  assert.equal(sqlTypeName(products.columns.find((x) => x.name === 'stock')!.type), 'INT4');
  const fk = products.foreignKeys.find((f) => f.name === 'products_category_id_fkey');
  assert.deepEqual([fk?.referencedTableId, fk?.onDelete, fk?.onUpdate], [186, 'cascade', 'cascade']);
  const mig = tbl(c, 'defaultdb', '_prisma_migrations');
  assert.equal(mig.columns.find((x) => x.name === 'finished_at')?.type.family, 'timestamptz');
});

test('buildCatalog: unknown type family names database.table.column and the type', async () => {
  const { descriptors } = await loadCatalog('emails-v2.1.4');
  const patched = descriptors.map((d) =>
    d.kind === 'table' && d.name === 'folder'
      ? { ...d, columns: d.columns.map((c) => ({ ...c, type: { ...c.type, family: 77, oid: 123456 } })) }
      : d,
  );
  assert.throws(
    () => buildCatalog({ descriptors: patched }),
    (e: unknown) => isSchemaError(e) && /emails\.folder\.name has unknown type family 77 \(type oid 123456\)/.test((e as Error).message),
  );
});
