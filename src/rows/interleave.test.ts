/**
 * Interleaved tables (≤ 21.1, docs/formats.md §4.5) with hand-built keys: the child's rows live in the
 * parent's span as /parent/1/<shared cols>/0xFE/child/1/<rest>/family.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column, Index, Table } from '../model/catalog.js';
import { sqlType } from '../model/sql-type.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { countRows, decodeRows } from './decode-rows.js';
import { primaryIndexSpan } from '../encoding/row-key.js';
import { plain } from './testing/plain-datum.js';

const INT8 = sqlType('int', { oid: 20, width: 64 });
const column = (id: number, name: string): Column => ({
  id,
  name,
  type: INT8,
  nullable: false,
  hidden: false,
  inaccessible: false,
  usesSequenceIds: [],
  ownsSequenceIds: [],
});
const pk = (cols: Column[], interleave?: Index['interleave']): Index => ({
  id: 1,
  name: 'primary',
  unique: true,
  keyColumns: cols.map((c) => ({ columnId: c.id, name: c.name, direction: 'asc' as const })),
  storeColumnIds: [],
  keySuffixColumnIds: [],
  compositeColumnIds: [],
  kind: 'forward',
  invisible: false,
  ...(interleave ? { interleave } : {}),
});
const tableOf = (id: number, name: string, columns: Column[], primaryIndex: Index): Table => ({
  kind: 'table',
  id,
  database: 'db',
  schema: 'public',
  name,
  columns,
  primaryIndex,
  indexes: [],
  families: [{ id: 0, name: 'primary', columnIds: columns.map((c) => c.id), defaultColumnId: 0 }],
  checks: [],
  foreignKeys: [],
  uniqueWithoutIndex: [],
  storageParams: [],
  dataExcluded: false,
});

const [pa, pv] = [column(1, 'a'), column(2, 'v')];
const parent = tableOf(60, 'parent', [pa, pv], pk([pa]));
const [ca, cb, cc] = [column(1, 'a'), column(2, 'b'), column(3, 'c')];
const child = tableOf(61, 'child', [ca, cb, cc], pk([ca, cb], [{ tableId: 60, indexId: 1, sharedPrefixLen: 1 }]));

const TS = { wallTime: 1n, logical: 0 };
// Tuple values: checksum 0, tag TUPLE (10), then (colIdDelta<<4 | Int 3) + zigzag.
const kv = (key: number[], value: number[]): MVCCKeyValue => ({
  key: Uint8Array.from(key),
  timestamp: TS,
  value: Uint8Array.from([0, 0, 0, 0, 0x0a, ...value]),
});
const KVS: MVCCKeyValue[] = [
  kv([0xc4, 0x89, 0x89, 0x88], [0x23, 0x14]), // parent a=1, v=10
  kv([0xc4, 0x89, 0x89, 0xfe, 0xc5, 0x89, 0x8a, 0x88], [0x33, 0x0e]), // child (1, 2), c=7
  kv([0xc4, 0x89, 0x89, 0xfe, 0xc5, 0x89, 0x8b, 0x88], []), // child (1, 3), c NULL
  kv([0xc4, 0x89, 0x8a, 0x88], [0x23, 0x28]), // parent a=2, v=20
  kv([0xc4, 0x89, 0x8a, 0xfe, 0xc5, 0x89, 0x89, 0x88], [0x33, 0x02]), // child (2, 1), c=1
];
async function* from(list: MVCCKeyValue[]): AsyncIterable<MVCCKeyValue> {
  yield* list;
}
async function collect(t: Table): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of decodeRows(t, from(KVS))) out.push(r.values.map(plain));
  return out;
}

test('interleaved child rows are read from the parent span; each table sees only its own rows', async () => {
  assert.deepEqual(primaryIndexSpan(child), [Uint8Array.of(0xc4, 0x89), Uint8Array.of(0xc4, 0x8a)]);
  assert.deepEqual(await collect(parent), [
    [1, 10],
    [2, 20],
  ]);
  assert.deepEqual(await collect(child), [
    [1, 2, 7],
    [1, 3, null],
    [2, 1, 1],
  ]);
  assert.equal(await countRows(parent, from(KVS)), 2);
  assert.equal(await countRows(child, from(KVS)), 3);
});
