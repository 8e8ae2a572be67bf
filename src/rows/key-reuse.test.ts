/**
 * RowDecoder reuses the previous row's leading key columns when their bytes repeat (decode-rows.ts
 * `KeyMemo`): rows must decode exactly as each would alone, and only byte-identical columns at the
 * same offset may be shared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlType } from '../model/sql-type.js';
import { encodeBytesKey, encodeUvarintAscending, encodeVarintAscending } from '../encoding/ordered.js';
import { checkedRaw } from '../encoding/testing/exact-text.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { concatBytes } from '../util/bytes.js';
import { RowDecoder, type Row } from './decode-rows.js';
import { testTable } from './testing/table.js';

const TS = { wallTime: 1n, logical: 0 };
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Primary key (c1 STRING, c2 INT) of table 104, family 0; value: c3 = `c3` (a TUPLE). */
const kv = (c1: string, c2: number, c3: string): MVCCKeyValue => ({
  key: concatBytes([
    encodeUvarintAscending(104),
    encodeUvarintAscending(1),
    encodeBytesKey(utf8(c1)),
    encodeVarintAscending(c2),
    Uint8Array.of(0x88),
  ]),
  timestamp: TS,
  // checksum ‖ TUPLE ‖ tag (column 3, Bytes) ‖ length ‖ text
  value: concatBytes([Uint8Array.of(0, 0, 0, 0, 0x0a, 0x36, utf8(c3).length), utf8(c3)]),
});

const table = testTable(104, [sqlType('string'), sqlType('int'), sqlType('string')], 2);

function decode(kvs: readonly MVCCKeyValue[]): Row[] {
  const d = new RowDecoder(table);
  const out: Row[] = [];
  for (const x of kvs) d.push(x, out);
  d.finish(out);
  return out;
}

test('leading key columns repeated byte for byte are shared; rows decode as each would alone', () => {
  // 'ab' then 'abc': the same leading bytes, a different column (its terminator differs).
  const kvs = [kv('ab', 1, 'x'), kv('ab', 2, 'y'), kv('abc', 1, 'z'), kv('abc', 1000, 'w'), kv('b', -5, 'v'), kv('b', 7, 'u')];
  const rows = decode(kvs);
  assert.equal(rows.length, kvs.length);
  rows.forEach((row, i) => {
    const [alone] = decode([kvs[i]!]);
    assert.deepEqual(row.key, alone!.key);
    assert.deepEqual(row.values.map(checkedRaw), alone!.values.map(checkedRaw));
  });
  assert.equal(rows[1]!.values[0], rows[0]!.values[0], 'the repeated first column is the same datum');
  assert.notEqual(rows[2]!.values[0], rows[1]!.values[0]);
  assert.equal(rows[3]!.values[0], rows[2]!.values[0]);
  assert.notEqual(rows[3]!.values[1], rows[2]!.values[1]);
  assert.equal(rows[5]!.values[0], rows[4]!.values[0]);
  assert.deepEqual(
    rows.map((r) => r.values.map(checkedRaw)),
    [
      ['ab', 1n, 'x'],
      ['ab', 2n, 'y'],
      ['abc', 1n, 'z'],
      ['abc', 1000n, 'w'],
      ['b', -5n, 'v'],
      ['b', 7n, 'u'],
    ].map(([a, b, c]) => [
      { kind: 'string', value: a },
      { kind: 'int', value: b },
      { kind: 'string', value: c },
    ]),
  );
});

test('a row of another index between two rows does not leave a stale column behind', () => {
  const other = { ...kv('ab', 3, 'q'), key: concatBytes([encodeUvarintAscending(104), encodeUvarintAscending(2), Uint8Array.of(0x88)]) };
  const rows = decode([kv('ab', 1, 'x'), other, kv('ab', 2, 'y'), kv('ac', 2, 'z')]);
  assert.deepEqual(
    rows.map((r) => r.values.map(checkedRaw)),
    [
      [
        { kind: 'string', value: 'ab' },
        { kind: 'int', value: 1n },
        { kind: 'string', value: 'x' },
      ],
      [
        { kind: 'string', value: 'ab' },
        { kind: 'int', value: 2n },
        { kind: 'string', value: 'y' },
      ],
      [
        { kind: 'string', value: 'ac' },
        { kind: 'int', value: 2n },
        { kind: 'string', value: 'z' },
      ],
    ],
  );
});
