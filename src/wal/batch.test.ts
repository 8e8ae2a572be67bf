import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeBatch } from './batch.js';
import { decodeWal } from '../pebble/wal-file.js';
import { writeBatch } from './testing/log-writer.js';
import { InternalKeyKind } from '../sst/types.js';
import { isDecodeError } from '../util/errors.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('musico-v21.2.2 WAL: lock-table intents written with SET and removed with SINGLEDEL', () => {
  const w = decodeWal(new Uint8Array(readFileSync(STORES + 'musico-v21.2.2/000013.log')), '000013.log', 13);
  assert.equal(w.batches.length, 112);
  const kinds = new Map<number, number>();
  for (const b of w.batches) for (const p of b.points) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
  assert.deepEqual(
    [...kinds.entries()].sort((a, b) => a[0] - b[0]),
    [
      [0, 7],
      [1, 239],
      [7, 11],
    ],
  );
  const lockKeys = w.batches
    .flatMap((b) => b.points)
    .filter((p) => p.userKey[0] === 0x01 && p.userKey[1] === 0x7a && p.userKey[2] === 0x6b);
  assert.ok(lockKeys.length > 0);
  for (const k of lockKeys) assert.equal(k.userKey.at(-1), 0x12, 'lock-table version length byte');
  assert.ok(lockKeys.some((k) => k.kind === InternalKeyKind.SingleDelete));
  // Sequence numbers: entry i of a batch gets seqNum + i.
  const b = w.batches.find((x) => x.points.length > 2)!;
  b.points.forEach((p, i) => assert.equal(p.seqNum, b.seqNum + BigInt(i)));
});

test('every entry kind decodes; LogData takes no sequence number', () => {
  const rkValue = Uint8Array.of(2, 0x62, 0x00, 10, ...new Uint8Array(8).fill(7), 1, 0x09, 0); // end "b\0", suffix(10 B), empty value
  const batch = writeBatch(100n, [
    { kind: InternalKeyKind.LogData, key: enc('log') },
    { kind: InternalKeyKind.Set, key: enc('a'), value: enc('1') },
    { kind: InternalKeyKind.Delete, key: enc('b') },
    { kind: InternalKeyKind.SingleDelete, key: enc('c') },
    { kind: InternalKeyKind.Merge, key: enc('d'), value: enc('m') },
    { kind: InternalKeyKind.RangeDelete, key: enc('e'), value: enc('f') },
    { kind: InternalKeyKind.RangeKeySet, key: enc('a\0'), value: rkValue },
    { kind: InternalKeyKind.DeleteSized, key: enc('g'), value: Uint8Array.of(5) },
  ]);
  const b = decodeBatch(batch, 0, 'test');
  assert.equal(b.count, 7);
  assert.deepEqual(
    b.points.map((p) => [new TextDecoder().decode(p.userKey), p.kind, p.seqNum]),
    [
      ['a', InternalKeyKind.Set, 100n],
      ['b', InternalKeyKind.Delete, 101n],
      ['c', InternalKeyKind.SingleDelete, 102n],
      ['d', InternalKeyKind.Merge, 103n],
      ['g', InternalKeyKind.Delete, 106n],
    ],
  );
  assert.deepEqual(
    b.rangeDeletions.map((d) => [new TextDecoder().decode(d.start), new TextDecoder().decode(d.end), d.seqNum]),
    [['e', 'f', 104n]],
  );
  assert.equal(b.rangeKeys.length, 1);
  assert.equal(b.rangeKeys[0]!.seqNum, 105n);
  assert.deepEqual(b.rangeKeys[0]!.end, Uint8Array.of(0x62, 0));
  assert.equal(b.rangeKeys[0]!.suffix.length, 10);
});

test('count mismatch and truncated entries are DecodeErrors', () => {
  const bad = writeBatch(1n, [{ kind: InternalKeyKind.Set, key: enc('a'), value: enc('1') }], 2);
  assert.throws(
    () => decodeBatch(bad, 64, 'w.log'),
    (e: unknown) => isDecodeError(e) && /declares 2 entries but holds 1/.test(e.message) && e.file === 'w.log',
  );
  const ok = writeBatch(1n, [{ kind: InternalKeyKind.Set, key: enc('abc'), value: enc('123') }]);
  assert.throws(
    () => decodeBatch(ok.subarray(0, ok.length - 2), 0, 'w.log'),
    (e: unknown) => isDecodeError(e) && e.layer === 'wal',
  );
  assert.throws(() => decodeBatch(ok.subarray(0, 8)), isDecodeError);
});
