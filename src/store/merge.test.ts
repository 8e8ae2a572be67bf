import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSources, newResolveStats, resolveVisible } from './merge.js';
import { rangeDelCoverage, resolveRangeKeys } from './fragments.js';
import { Memtable } from './memtable.js';
import { compareEngineKeys } from '../sst/comparer.js';
import { InternalKeyKind, type InternalKV } from '../sst/types.js';

const k = (s: string): Uint8Array => new TextEncoder().encode(s + '\0');
const kv = (key: string, seq: number, kind: InternalKeyKind, value = ''): InternalKV => ({ userKey: k(key), seqNum: BigInt(seq), kind, value: new TextEncoder().encode(value) });
async function* from(xs: InternalKV[]): AsyncGenerator<InternalKV> {
  yield* xs;
}
const show = async (it: AsyncIterable<InternalKV>): Promise<string[]> => {
  const out: string[] = [];
  for await (const x of it) out.push(`${new TextDecoder().decode(x.userKey.subarray(0, -1))}@${x.seqNum}=${new TextDecoder().decode(x.value)}`);
  return out;
};

test('merge orders by key, then seqnum desc, then rank', async () => {
  const a = [kv('a', 5, InternalKeyKind.Set, 'a5'), kv('c', 1, InternalKeyKind.Set, 'c1')];
  const b = [kv('a', 9, InternalKeyKind.Set, 'a9'), kv('b', 0, InternalKeyKind.Set, 'b0-old')];
  const c = [kv('b', 0, InternalKeyKind.Set, 'b0-new')];
  const got = await show(mergeSources([{ rank: 2, iter: from(a) }, { rank: 1, iter: from(b) }, { rank: 0, iter: from(c) }], compareEngineKeys));
  assert.deepEqual(got, ['a@9=a9', 'a@5=a5', 'b@0=b0-new', 'b@0=b0-old', 'c@1=c1']);
});

test('precedence: newest wins, DEL/SINGLEDEL hide, RANGEDEL hides only older seqnums, MERGE surfaces', async () => {
  const l6 = [kv('a', 1, InternalKeyKind.Set, 'old'), kv('b', 1, InternalKeyKind.Set, 'b'), kv('c', 1, InternalKeyKind.Set, 'c'), kv('d', 1, InternalKeyKind.Set, 'd'), kv('e', 1, InternalKeyKind.Set, 'e')];
  const l0 = [kv('a', 7, InternalKeyKind.Set, 'new'), kv('b', 7, InternalKeyKind.Delete), kv('c', 7, InternalKeyKind.SingleDelete), kv('e', 8, InternalKeyKind.Set, 'e8')];
  const mem = new Memtable(compareEngineKeys);
  mem.add(kv('f', 20, InternalKeyKind.Merge, 'op'));
  mem.add(kv('d', 3, InternalKeyKind.Set, 'd3'));
  const cover = rangeDelCoverage([{ start: k('d'), end: k('f'), seqNum: 5n }], compareEngineKeys);
  const stats = newResolveStats();
  const merged = mergeSources([{ rank: 0, iter: mem.entries() }, { rank: 1, iter: from(l0) }, { rank: 2, iter: from(l6) }], compareEngineKeys);
  assert.deepEqual(await show(resolveVisible(merged, compareEngineKeys, cover, stats)), ['a@7=new', 'e@8=e8', 'f@20=op']);
  assert.deepEqual(stats, { entries: 11, visible: 3, deleted: 2, rangeDeleted: 1, shadowed: 5, mergeOperands: 1 });
});

test('memtable bounds and range-key resolution (UNSET and DEL by seqnum)', async () => {
  const mem = new Memtable(compareEngineKeys);
  for (const [key, s] of [['b', 1], ['a', 2], ['c', 3], ['b', 4]] as const) mem.add(kv(key, s, InternalKeyKind.Set, key + s));
  assert.deepEqual(await show(mem.entries({ start: k('b'), end: k('c') })), ['b@4=b4', 'b@1=b1']);
  const sfx = (n: number): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, n, 9);
  const live = resolveRangeKeys(
    [
      { start: k('a'), end: k('z'), seqNum: 1n, kind: InternalKeyKind.RangeKeySet, suffix: sfx(1), value: new Uint8Array(0) },
      { start: k('a'), end: k('z'), seqNum: 2n, kind: InternalKeyKind.RangeKeySet, suffix: sfx(2), value: new Uint8Array(0) },
      { start: k('m'), end: k('p'), seqNum: 3n, kind: InternalKeyKind.RangeKeyUnset, suffix: sfx(2), value: new Uint8Array(0) },
      { start: k('x'), end: k('z'), seqNum: 4n, kind: InternalKeyKind.RangeKeyDelete, suffix: new Uint8Array(0), value: new Uint8Array(0) },
    ],
    compareEngineKeys,
  );
  const txt = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(0, -1));
  assert.deepEqual(live.map((r) => `${txt(r.start)}-${txt(r.end)}:${r.suffix[7]}`), ['a-m:2', 'a-m:1', 'm-p:1', 'p-x:2', 'p-x:1']);
});
