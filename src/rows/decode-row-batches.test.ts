/**
 * The batch forms (`decodeRowBatches`, `rowBatchesFrom`) against the per-KV form on every user table
 * of real fixture stores, with batch boundaries at every KV (rows whose family KVs straddle batches).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../source/store.js';
import { openStoreSource } from '../pebble/store-mvcc.js';
import type { Column, Table } from '../model/catalog.js';
import { sqlType } from '../model/sql-type.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { rowBatchesFrom, rowsFrom } from '../source/table-rows.js';
import { toHex } from '../util/bytes.js';
import { decodeRowBatches, decodeRows, type Row } from './decode-rows.js';
import { primaryIndexSpan, splitFamilySuffix } from '../encoding/row-key.js';
import { plain } from './testing/plain-datum.js';

const STORES = new URL('../../../shared/fixtures/crdb-stores/', import.meta.url);
const storeDir = (name: string): string => new URL(`${name}/`, STORES).pathname;
const show = (r: Row): string =>
  `${toHex(r.key)} ${JSON.stringify(r.values.map(plain), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;

async function* each<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}

test('decodeRowBatches equals decodeRows for every table of real stores, batches split at every size', async () => {
  let multiFamilyKVs = 0;
  let rowsSeen = 0;
  for (const name of ['movr-v19.2.4', 'emails-v2.1.4', 'startrek-v1.0.2', 'rabble-v23.1', 'spyserver-v20.1.2']) {
    const src = await openStore(storeDir(name));
    const mvcc = await openStoreSource(storeDir(name));
    try {
      for (const t of src.catalog.tables.filter((x) => x.database !== 'system')) {
        const kvs: MVCCKeyValue[] = [];
        for await (const kv of mvcc.scan(...primaryIndexSpan(t))) kvs.push(kv);
        multiFamilyKVs += kvs.filter((kv) => splitFamilySuffix(kv.key).familyId !== 0).length;
        const want: string[] = [];
        for await (const r of decodeRows(t, each(kvs))) want.push(show(r));
        rowsSeen += want.length;
        for (const n of [1, 2, 3, 5, 64]) {
          const batches: MVCCKeyValue[][] = [];
          for (let i = 0; i < kvs.length; i += n) batches.push(kvs.slice(i, i + n));
          const got: string[] = [];
          for await (const b of decodeRowBatches(t, each(batches))) {
            assert.ok(b.length > 0);
            for (const r of b) got.push(show(r));
          }
          assert.deepEqual(got, want, `${name} ${t.name} batch size ${n}`);
        }
        // The source's own batch path (store scanBatches) agrees too.
        const viaSource: string[] = [];
        for await (const b of src.rowBatches(t)) for (const r of b) viaSource.push(show(r));
        assert.deepEqual(viaSource, want, `${name} ${t.name} rowBatches`);
      }
    } finally {
      await src.close();
      await mvcc.close();
    }
  }
  assert.ok(rowsSeen > 1000, `rows decoded: ${rowsSeen}`);
  assert.equal(multiFamilyKVs, 0, 'the fixture stores have single-family tables (multi-family: hand-built test below)');
});

test('rowBatchesFrom resumes strictly after a row key, like rowsFrom', async () => {
  const src = await openStore(storeDir('movr-v19.2.4'));
  const mvcc = await openStoreSource(storeDir('movr-v19.2.4'));
  try {
    const t = src.catalog.tables.find((x) => x.name === 'rides')!;
    const all: Row[] = [];
    for await (const b of rowBatchesFrom(mvcc, t)) all.push(...b);
    const flat: string[] = [];
    for await (const r of rowsFrom(mvcc, t)) flat.push(show(r));
    assert.deepEqual(all.map(show), flat);
    assert.ok(all.length > 100);
    for (const i of [0, 17, all.length - 2, all.length - 1]) {
      const got: string[] = [];
      for await (const b of rowBatchesFrom(mvcc, t, { resumeAfter: all[i]!.key })) for (const r of b) got.push(show(r));
      assert.deepEqual(got, all.slice(i + 1).map(show), `resume after row ${i}`);
    }
  } finally {
    await src.close();
    await mvcc.close();
  }
});

// Hand-built multi-family table: a (pk) b | c (bare value, family 1) | d e (tuple, family 2).
const INT8 = sqlType('int', { oid: 20, width: 64 });
const col = (id: number, name: string): Column => ({
  id,
  name,
  type: INT8,
  nullable: id !== 1,
  hidden: false,
  inaccessible: false,
  usesSequenceIds: [],
  ownsSequenceIds: [],
});
const cols = [col(1, 'a'), col(2, 'b'), col(3, 'c'), col(4, 'd'), col(5, 'e')];
const MF: Table = {
  kind: 'table',
  id: 70,
  database: 'db',
  schema: 'public',
  name: 'mf',
  columns: cols,
  primaryIndex: {
    id: 1,
    name: 'primary',
    unique: true,
    keyColumns: [{ columnId: 1, name: 'a', direction: 'asc' }],
    storeColumnIds: [],
    keySuffixColumnIds: [],
    compositeColumnIds: [],
    kind: 'forward',
    invisible: false,
  },
  indexes: [],
  families: [
    { id: 0, name: 'primary', columnIds: [1, 2], defaultColumnId: 0 },
    { id: 1, name: 'fc', columnIds: [3], defaultColumnId: 3 },
    { id: 2, name: 'fde', columnIds: [4, 5], defaultColumnId: 0 },
  ],
  checks: [],
  foreignKeys: [],
  uniqueWithoutIndex: [],
  storageParams: [],
  dataExcluded: false,
};
const TS = { wallTime: 1n, logical: 0 };
// Values: checksum 0 ‖ tag (TUPLE 10 / INT 1) ‖ payload; tuple members (colIdDelta<<4 | Int 3) ‖ zigzag varint.
const mkv = (key: number[], tag: number, payload: number[]): MVCCKeyValue => ({
  key: Uint8Array.from(key),
  timestamp: TS,
  value: Uint8Array.from([0, 0, 0, 0, tag, ...payload]),
});
const MF_KVS: MVCCKeyValue[] = [
  mkv([0xce, 0x89, 0x89, 0x88], 10, [0x23, 0x28]), // a=1 family 0: b=20
  mkv([0xce, 0x89, 0x89, 0x89, 0x89], 1, [0x0a]), // a=1 family 1: c=5 (bare INT)
  mkv([0xce, 0x89, 0x89, 0x8a, 0x89], 10, [0x43, 0x0e, 0x13, 0x01]), // a=1 family 2: d=7, e=-1
  mkv([0xce, 0x89, 0x8a, 0x88], 10, [0x23, 0x3c]), // a=2 family 0: b=30
  mkv([0xce, 0x89, 0x8b, 0x89, 0x89], 1, [0x12]), // a=3 family 1 only: c=9 (no sentinel)
  mkv([0xce, 0x89, 0x8c, 0x88], 10, []), // a=4 family 0, all NULL
  mkv([0xce, 0x89, 0x8c, 0x8a, 0x89], 10, [0x53, 0x04]), // a=4 family 2: e=2
];

test('multi-family rows: families straddling batch boundaries assemble into one row', async () => {
  const family0 = [
    [1, 20, 5, 7, -1],
    [2, 30, null, null, null],
    [4, null, null, null, 2],
  ];
  const any = [
    [1, 20, 5, 7, -1],
    [2, 30, null, null, null],
    [3, null, 9, null, null],
    [4, null, null, null, 2],
  ];
  for (const [mode, want] of [
    ['family0', family0],
    ['any', any],
  ] as const) {
    const perKV: unknown[] = [];
    for await (const r of decodeRows(MF, each(MF_KVS), { rowExistence: mode })) perKV.push(r.values.map(plain));
    assert.deepEqual(perKV, want, mode);
    for (let n = 1; n <= MF_KVS.length; n++) {
      const batches: MVCCKeyValue[][] = [];
      for (let i = 0; i < MF_KVS.length; i += n) batches.push(MF_KVS.slice(i, i + n));
      const got: unknown[] = [];
      for await (const b of decodeRowBatches(MF, each(batches), { rowExistence: mode })) for (const r of b) got.push(r.values.map(plain));
      assert.deepEqual(got, want, `${mode}, batch size ${n}`);
    }
  }
});
