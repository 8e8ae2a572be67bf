/**
 * Walks every real store in shared/fixtures/crdb-stores: opens MANIFEST + SSTs (checksums
 * verified) + WALs, merges them, and checks per-table live primary-index row counts against the
 * numbers in each store's SOURCE.md (counted as distinct live family-0 KVs, latest version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ByteReader } from '../util/byte-reader.js';
import type { InternalKV } from '../sst/types.js';
import { openStoreSource, type StoreSource } from './store-mvcc.js';
import { encodeEngineKeyPrefix } from '../mvcc/engine-key.js';
import { newestVersions, newNewestVersionsStats } from '../mvcc/newest-versions.js';

const ROOT = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));

/** Ordered uvarint (crdb `EncodeUvarintAscending`, docs/formats.md §0, §4.2). */
function orderedUvarint(v: number): number[] {
  if (v <= 109) return [0x88 + v];
  const bytes: number[] = [];
  for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
  return [0xf5 + bytes.length, ...bytes];
}

function indexSpan(tableID: number, indexID: number): [Uint8Array, Uint8Array] {
  return [
    Uint8Array.from([...orderedUvarint(tableID), ...orderedUvarint(indexID)]),
    Uint8Array.from([...orderedUvarint(tableID), ...orderedUvarint(indexID + 1)]),
  ];
}

/**
 * Distinct live rows = live family-0 KVs (key ends in 0x88, §4.1) under /Table/<id>/<index>/;
 * deleted = keys whose newest version is a point tombstone.
 */
async function countRows(src: StoreSource, tableID: number, indexID = 1): Promise<{ rows: number; deleted: number }> {
  const [start, end] = indexSpan(tableID, indexID);
  const stats = newNewestVersionsStats();
  let rows = 0;
  const kvs = src.store.entries({ start: encodeEngineKeyPrefix(start), end: encodeEngineKeyPrefix(end) });
  for await (const kv of newestVersions(kvs, { rangeTombstones: src.rangeTombstones, stats }))
    if (kv.key[kv.key.length - 1] === 0x88) rows++;
  return { rows, deleted: stats.tombstones };
}

interface TableInfo {
  name: string;
  id: number;
  parentID: number;
  state: number;
  pkIndexID: number;
}

/** Minimal walk of the Descriptor protos in system.descriptor (/Table/3/1/<id>/2/1; §3.1, §3.2, §4.6). */
async function readTableDescriptors(src: StoreSource): Promise<TableInfo[]> {
  const out: TableInfo[] = [];
  const [start, end] = indexSpan(3, 1);
  for await (const kv of src.scan(start, end)) {
    if (kv.value.length < 5 || kv.value[4] !== 3) continue; // BYTES tag
    const desc = new ByteReader(kv.value.subarray(5), 'proto');
    while (!desc.done) {
      const key = desc.uvarint();
      if ((key & 7) !== 2) {
        desc.uvarintBig();
        continue;
      }
      const body = desc.bytesN(desc.uvarint());
      if (key >> 3 !== 1) continue; // only `table`
      const t: TableInfo = { name: '', id: 0, parentID: 0, state: 0, pkIndexID: 0 };
      const r = new ByteReader(body, 'proto');
      while (!r.done) {
        const k = r.uvarint();
        const f = Math.floor(k / 8);
        const w = k & 7;
        if (w === 0) {
          const v = Number(r.uvarintBig());
          if (f === 3) t.id = v;
          else if (f === 4) t.parentID = v;
          else if (f === 19) t.state = v;
        } else if (w === 2) {
          const b = r.bytesN(r.uvarint());
          if (f === 1) t.name = new TextDecoder().decode(b);
          else if (f === 10) {
            const ir = new ByteReader(b, 'proto');
            while (!ir.done) {
              const ik = ir.uvarint();
              if ((ik & 7) === 0) {
                const v = Number(ir.uvarintBig());
                if (ik >> 3 === 2) t.pkIndexID = v;
              } else if ((ik & 7) === 2) ir.bytesN(ir.uvarint());
              else if ((ik & 7) === 1) ir.bytesN(8);
              else ir.bytesN(4);
            }
          }
        } else if (w === 1) r.bytesN(8);
        else r.bytesN(4);
      }
      out.push(t);
    }
  }
  return out;
}

type Expect = { table: number | string; index?: number; rows: number; deleted?: number };

/** Ground truth transcribed from each SOURCE.md (table ids there, or names resolved via descriptors). */
const EXPECTED: Record<string, Expect[]> = {
  'startrek-v1.0.2': [
    { table: 53, rows: 79 },
    { table: 54, rows: 200 },
    { table: 51, rows: 0 },
    { table: 52, rows: 0 },
  ],
  'recipes-v2.1.0': [{ table: 54, rows: 3, deleted: 11 }],
  'emails-v2.1.4': [
    { table: 56, rows: 3 },
    { table: 57, rows: 5 },
    { table: 58, rows: 5 },
    { table: 59, rows: 5 },
    { table: 60, rows: 5 },
    { table: 61, rows: 5 },
    { table: 63, rows: 0 },
  ],
  'prepear-v19.1.0': [
    { table: 53, rows: 2 },
    { table: 54, rows: 0 },
    { table: 83, rows: 41 },
    { table: 84, rows: 15 },
    { table: 59, rows: 0 },
    { table: 85, rows: 0 },
    { table: 58, rows: 231 },
  ],
  'recipe-wal-v19.1.0': [{ table: 53, rows: 2 }],
  'rabble-docker-v19.2.2': [],
  'movr-v19.2.4': [
    { table: 53, rows: 1 },
    { table: 55, rows: 906 },
    { table: 56, rows: 296 },
    { table: 57, rows: 1611 },
    { table: 58, rows: 28798 },
    { table: 59, rows: 1086 },
    { table: 60, rows: 270 },
  ],
  'spyserver-v20.1.2': [
    { table: 69, rows: 4 },
    { table: 70, rows: 12, deleted: 1 },
  ],
  'lain-v20.2.3': [{ table: 52, rows: 7 }],
  'musico-v21.2.2': [],
  'rabble-v23.1': [
    { table: '_prisma_migrations', rows: 23 },
    { table: 'users', rows: 7, deleted: 26 },
    { table: 'producers', rows: 3, deleted: 23 },
    { table: 'producer_categories_options', rows: 3 },
    { table: 'search_count', rows: 1 },
    { table: 'buying_teams', rows: 0, deleted: 20 },
    { table: 'orders', rows: 0, deleted: 14 },
    { table: 'notifications', rows: 0, deleted: 11 },
  ],
  'frt-v25.4.0': [],
};

/** First table id that would be a user table for stores said to hold none. */
const NO_USER_TABLES_FROM: Record<string, number> = { 'rabble-docker-v19.2.2': 52, 'musico-v21.2.2': 52, 'frt-v25.4.0': 104 };

const stores = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('every fixture store has expectations', () => {
  assert.deepEqual(stores, Object.keys(EXPECTED).sort());
});

test('the expectations are the ones the current SOURCE.md files state', () => {
  // The fixtures may change between sessions: each transcribed count must still be in its
  // SOURCE.md, and a store expected to hold no user data must still say so.
  for (const name of stores) {
    const source = readFileSync(`${ROOT}${name}/SOURCE.md`, 'utf8');
    const expected = EXPECTED[name]!;
    if (expected.length === 0) assert.match(source, /no user tables/i, `${name}: SOURCE.md no longer says "no user tables"`);
    for (const e of expected) {
      for (const n of [e.rows, e.deleted ?? 0]) {
        if (n > 0)
          assert.match(source, new RegExp(`(?<![\\d.,])${n}(?![\\d.,]\\d)`), `${name}: SOURCE.md does not mention ${n} (table ${e.table})`);
      }
      if (typeof e.table === 'string') assert.ok(source.includes(e.table), `${name}: SOURCE.md does not name ${e.table}`);
      else if (e.rows > 0)
        assert.match(
          source,
          new RegExp(`\\(${e.table}\\)|id ${e.table}\\b|table ${e.table}\\b`),
          `${name}: SOURCE.md does not name table ${e.table}`,
        );
    }
  }
});

for (const name of stores) {
  test(`store ${name}: all live KVs from SSTs + WAL, per-table row counts match SOURCE.md`, async () => {
    const src = await openStoreSource(ROOT + name);
    try {
      // Every entry of every source, merged: strictly in internal-key order (key asc, seqnum desc).
      const cmp = src.store.compare;
      let prev: InternalKV | undefined;
      let raw = 0;
      for await (const kv of src.store.rawEntries()) {
        raw++;
        if (prev) {
          const c = cmp(prev.userKey, kv.userKey);
          assert.ok(c < 0 || (c === 0 && prev.seqNum >= kv.seqNum), `${name}: merge order broken at entry ${raw}`);
        }
        prev = kv;
      }
      // Full scan of every live KV (checksums are verified while reading).
      const before = src.store.stats.entries;
      let all = 0;
      for await (const _ of src.store.entries()) all++;
      assert.ok(all > 1000, `${name}: only ${all} live engine KVs`);
      assert.equal(src.store.stats.entries - before, raw);
      const descs = name === 'rabble-v23.1' ? await readTableDescriptors(src) : [];
      for (const e of EXPECTED[name]!) {
        let id: number;
        let index = e.index ?? 1;
        if (typeof e.table === 'string') {
          const d = descs.filter((t) => t.name === e.table && t.parentID === 100 && t.state === 0);
          assert.equal(d.length, 1, `${name}: one public descriptor named ${e.table} in defaultdb`);
          id = d[0]!.id;
          index = d[0]!.pkIndexID;
        } else id = e.table;
        const got = await countRows(src, id, index);
        assert.equal(got.rows, e.rows, `${name}: live rows of table ${e.table} (id ${id}, index ${index})`);
        if (e.deleted !== undefined) assert.equal(got.deleted, e.deleted, `${name}: deleted keys of table ${e.table}`);
      }
      const from = NO_USER_TABLES_FROM[name];
      if (from !== undefined) {
        let n = 0;
        for await (const _ of src.scan(Uint8Array.from(orderedUvarint(from)), Uint8Array.of(0xff))) n++;
        assert.equal(n, 0, `${name}: no user-table data expected`);
      }
    } finally {
      await src.close();
    }
  });
}

test('rabble-v23.1: primary index ids that are not 1 resolve from descriptors (products = 10, basket_c = 6)', async () => {
  const src = await openStoreSource(ROOT + 'rabble-v23.1');
  try {
    const descs = await readTableDescriptors(src);
    const pk = (n: string): number | undefined => descs.find((t) => t.name === n && t.parentID === 100 && t.state === 0)?.pkIndexID;
    assert.equal(pk('products'), 10);
    assert.equal(pk('basket_c'), 6);
    assert.equal(pk('partitioned_product_users_record'), 2);
  } finally {
    await src.close();
  }
});

test('startrek-v1.0.2: an updated quote returns its newest version', async () => {
  const src = await openStoreSource(ROOT + 'startrek-v1.0.2');
  try {
    const [start, end] = indexSpan(54, 1);
    const td = new TextDecoder();
    const hits: string[] = [];
    for await (const kv of src.scan(start, end)) {
      const text = td.decode(kv.value);
      if (text.includes('worship word')) hits.push(text);
    }
    assert.equal(hits.length, 1);
    assert.ok(hits[0]!.includes('Amara Olugibo'), 'newest characters value');
    assert.ok(!hits[0]!.includes('Cloud William'), 'older version not returned');
  } finally {
    await src.close();
  }
});

test('recipe-wal-v19.1.0: the rows exist only in the WAL and come back from replay', async () => {
  const src = await openStoreSource(ROOT + 'recipe-wal-v19.1.0');
  try {
    assert.equal(src.store.tables.length, 0);
    assert.deepEqual(
      src.store.wals.map((w) => [w.logNumber, w.replayed, w.batches]),
      [[3n, true, 759]],
    );
    const [start, end] = indexSpan(53, 1);
    const titles: string[] = [];
    for await (const kv of src.scan(start, end)) titles.push(new TextDecoder().decode(kv.value));
    assert.equal(titles.length, 2);
    for (const t of titles) assert.ok(t.includes('Arroz chino') && t.includes('Dile a un chino que lo prepare'));
  } finally {
    await src.close();
  }
});
