/**
 * The one tuple decoder migrations run (`RowDecoder`, decode-rows.ts) on hand-built family values
 * and on a real store's SST: the tests that used to exercise a second, unused tuple walker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { sqlType } from '../model/sql-type.js';
import { formatCopyText } from '../copy/format.js';
import type { Datum } from '../encoding/datum.js';
import { encodeUvarintAscending, encodeVarintAscending } from '../encoding/ordered.js';
import { prettyKey } from '../encoding/pretty-key.js';
import { checkedRaw } from '../encoding/testing/exact-text.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { concatBytes, fromHex } from '../util/bytes.js';
import { RowDecoder, type Row } from './decode-rows.js';
import { testTable } from './testing/table.js';
import { sstTableRows } from '../encoding/testing/sst-table-rows.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));
const TS = { wallTime: 1n, logical: 0 };
const rowKey = (tableId: number, pk: number): Uint8Array =>
  concatBytes([encodeUvarintAscending(tableId), encodeUvarintAscending(1), encodeVarintAscending(pk), Uint8Array.of(0x88)]);

function decodeAll(t: ReturnType<typeof testTable>, kvs: MVCCKeyValue[]): Row[] {
  const d = new RowDecoder(t);
  const out: Row[] = [];
  for (const kv of kvs) d.push(kv, out);
  d.finish(out);
  return out;
}

test('value tag and tuple: docs/formats.md §5.4 worked example (col 2 INT 7, col 3 "hi")', () => {
  const value = fromHex('cccccccc0a230e16026869');
  const kv = { key: rowKey(104, 1), timestamp: TS, value };
  const [row] = decodeAll(testTable(104, [sqlType('int'), sqlType('int'), sqlType('string')]), [kv]);
  assert.deepEqual(row!.values.map(checkedRaw), [
    { kind: 'int', value: 1n },
    { kind: 'int', value: 7n },
    { kind: 'string', value: 'hi' },
  ]);
  // Column 2 unknown to this table (dropped): skipped by its self-describing length.
  const t = testTable(104, [sqlType('int'), sqlType('int'), sqlType('string')]);
  const only3 = { ...t, columns: t.columns.filter((c) => c.id !== 2) };
  const [r3] = decodeAll(only3, [kv]);
  assert.deepEqual(r3!.values.map(checkedRaw), [
    { kind: 'int', value: 1n },
    { kind: 'string', value: 'hi' },
  ]);
});

test('a wrong or unknown value encoding type is an error naming table, column and key', () => {
  // Tag 0x27: column 2, encoding type 7.
  const kv = { key: rowKey(104, 1), timestamp: TS, value: Uint8Array.of(0, 0, 0, 0, 0x0a, 0x27) };
  assert.throws(
    () => decodeAll(testTable(104, [sqlType('int'), sqlType('int')]), [kv]),
    /encoding type 7 .*db\.public\.t104 column c2 at key \/Table\/104\/1\/1\/0/,
  );
  // A column id the table does not have is skipped by its length, which type 7 does not give.
  assert.throws(() => decodeAll(testTable(104, [sqlType('int')]), [kv]), /unknown value encoding type 7/);
});

test('startrek-v1.0.2 episodes (table 53) decode to the published startrek dataset', async () => {
  const types = [sqlType('int'), sqlType('int'), sqlType('int'), sqlType('string'), sqlType('decimal')];
  const d = new RowDecoder(testTable(53, types));
  const rows: Row[] = [];
  for (const kv of await sstTableRows(`${STORES}startrek-v1.0.2/000165.sst`, 53)) d.push({ ...kv, timestamp: TS }, rows);
  d.finish(rows);
  const byId = new Map<bigint, string>();
  for (const r of rows)
    byId.set((r.values[0] as { value: bigint }).value, r.values.map((v: Datum, i) => formatCopyText(v, types[i]!)).join('\t'));
  // Ground truth: crdb pkg/workload/examples/startrek.go via the fixture's SOURCE.md.
  assert.equal(byId.size, 79);
  assert.equal(byId.get(1n), '1\t1\t1\tThe Man Trap\t1531.1');
  assert.equal(byId.get(2n), '2\t1\t2\tCharlie X\t1533.6');
  assert.equal(byId.get(3n), '3\t1\t3\tWhere No Man Has Gone Before\t1312.4');
  assert.match(byId.get(79n)!, /^79\t3\t\d+\tTurnabout Intruder\t/);
  for (const id of [33n, 52n, 55n, 72n]) assert.match(byId.get(id)!, /\t\\N$/, `episode ${id} has a NULL stardate`);
  assert.equal(prettyKey(rows[0]!.key), '/Table/53/1/1');
});
