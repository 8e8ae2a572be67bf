import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSourceBatches, newResolveStats, resolveVisible, resolveVisibleBatches } from './merge.js';
import { rangeDelCoverage, resolveRangeKeys } from './fragments.js';
import { Memtable } from './memtable.js';
import { compareEngineKeys } from '../sst/comparer.js';
import { InternalKeyKind, type InternalKV } from '../sst/types.js';
import { batchesOf, flattenBatches } from '../mvcc/types.js';

const k = (s: string): Uint8Array => new TextEncoder().encode(s + '\0');
const kv = (key: string, seq: number, kind: InternalKeyKind, value = ''): InternalKV => ({
  userKey: k(key),
  seqNum: BigInt(seq),
  kind,
  value: new TextEncoder().encode(value),
});
async function* from(xs: InternalKV[]): AsyncGenerator<InternalKV> {
  yield* xs;
}
/** `mergeSourceBatches` over per-entry streams, flattened. */
const mergeEntries = (sources: Array<{ rank: number; iter: AsyncIterable<InternalKV> }>): AsyncIterable<InternalKV> =>
  flattenBatches(
    mergeSourceBatches(
      sources.map((s) => ({ rank: s.rank, batches: batchesOf(s.iter) })),
      compareEngineKeys,
    ),
  );
const show = async (it: AsyncIterable<InternalKV>): Promise<string[]> => {
  const out: string[] = [];
  for await (const x of it)
    out.push(`${new TextDecoder().decode(x.userKey.subarray(0, -1))}@${x.seqNum}=${new TextDecoder().decode(x.value)}`);
  return out;
};

test('merge orders by key, then seqnum desc, then rank', async () => {
  const a = [kv('a', 5, InternalKeyKind.Set, 'a5'), kv('c', 1, InternalKeyKind.Set, 'c1')];
  const b = [kv('a', 9, InternalKeyKind.Set, 'a9'), kv('b', 0, InternalKeyKind.Set, 'b0-old')];
  const c = [kv('b', 0, InternalKeyKind.Set, 'b0-new')];
  const got = await show(
    mergeEntries([
      { rank: 2, iter: from(a) },
      { rank: 1, iter: from(b) },
      { rank: 0, iter: from(c) },
    ]),
  );
  assert.deepEqual(got, ['a@9=a9', 'a@5=a5', 'b@0=b0-new', 'b@0=b0-old', 'c@1=c1']);
});

test('precedence: newest wins, DEL/SINGLEDEL hide, RANGEDEL hides only older seqnums, MERGE surfaces', async () => {
  const l6 = [
    kv('a', 1, InternalKeyKind.Set, 'old'),
    kv('b', 1, InternalKeyKind.Set, 'b'),
    kv('c', 1, InternalKeyKind.Set, 'c'),
    kv('d', 1, InternalKeyKind.Set, 'd'),
    kv('e', 1, InternalKeyKind.Set, 'e'),
  ];
  const l0 = [
    kv('a', 7, InternalKeyKind.Set, 'new'),
    kv('b', 7, InternalKeyKind.Delete),
    kv('c', 7, InternalKeyKind.SingleDelete),
    kv('e', 8, InternalKeyKind.Set, 'e8'),
  ];
  const mem = new Memtable(compareEngineKeys);
  mem.add(kv('f', 20, InternalKeyKind.Merge, 'op'));
  mem.add(kv('d', 3, InternalKeyKind.Set, 'd3'));
  const cover = rangeDelCoverage([{ start: k('d'), end: k('f'), seqNum: 5n }], compareEngineKeys);
  const stats = newResolveStats();
  const merged = mergeEntries([
    { rank: 0, iter: mem.entries() },
    { rank: 1, iter: from(l0) },
    { rank: 2, iter: from(l6) },
  ]);
  assert.deepEqual(await show(resolveVisible(merged, compareEngineKeys, cover, stats)), ['a@7=new', 'e@8=e8', 'f@20=op']);
  assert.deepEqual(stats, { entries: 11, visible: 3, deleted: 2, rangeDeleted: 1, shadowed: 5, mergeOperands: 1 });
});

test('memtable bounds and range-key resolution (UNSET and DEL by seqnum)', async () => {
  const mem = new Memtable(compareEngineKeys);
  for (const [key, s] of [
    ['b', 1],
    ['a', 2],
    ['c', 3],
    ['b', 4],
  ] as const)
    mem.add(kv(key, s, InternalKeyKind.Set, key + s));
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
  assert.deepEqual(
    live.map((r) => `${txt(r.start)}-${txt(r.end)}:${r.suffix[7]}`),
    ['a-m:2', 'a-m:1', 'm-p:1', 'p-x:2', 'p-x:1'],
  );
});

test('mergeSourceBatches / resolveVisibleBatches: the same entries whatever the batch boundaries', async () => {
  // Three overlapping sources with equal keys across them (seqnum and rank tie-breaks).
  const mk = (tag: string, keys: string[], seqs: number[]): InternalKV[] =>
    keys.map((key, i) => kv(key, seqs[i]!, i % 5 === 4 ? InternalKeyKind.Delete : InternalKeyKind.Set, `${tag}${i}`));
  const keys = Array.from({ length: 60 }, (_, i) => `k${String(i).padStart(3, '0')}`);
  const a = mk(
    'a',
    keys.filter((_, i) => i % 2 === 0),
    keys.map((_, i) => 10 + (i % 3)),
  );
  const b = mk(
    'b',
    keys.filter((_, i) => i % 3 === 0),
    keys.map((_, i) => 11 - (i % 2)),
  );
  const c = mk(
    'c',
    keys.filter((_, i) => i % 4 === 1),
    keys.map(() => 0),
  );
  const chunk = (xs: InternalKV[], n: number): InternalKV[][] => {
    const out: InternalKV[][] = [[]];
    for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n), []);
    return out;
  };
  async function* batches(xs: InternalKV[][]): AsyncGenerator<InternalKV[]> {
    yield* xs;
  }
  const cover = rangeDelCoverage([{ start: k('k010'), end: k('k020'), seqNum: 11n }], compareEngineKeys);
  // Reference order, by sorting: key, then seqnum descending, then rank (a = 0, b = 1, c = 2).
  const ranked = [a, b, c].flatMap((xs, rank) => xs.map((x) => ({ x, rank })));
  ranked.sort((p, q) => compareEngineKeys(p.x.userKey, q.x.userKey) || Number(q.x.seqNum - p.x.seqNum) || p.rank - q.rank);
  const want = await show(from(ranked.map((r) => r.x)));
  const s1 = newResolveStats();
  const wantVisible = await show(resolveVisible(from(ranked.map((r) => r.x)), compareEngineKeys, cover, s1));
  assert.ok(want.length === a.length + b.length + c.length && wantVisible.length > 10 && wantVisible.length < want.length);
  for (const n of [1, 2, 3, 7, 100]) {
    const merged = () =>
      mergeSourceBatches(
        [
          { rank: 0, batches: batches(chunk(a, n)) },
          { rank: 1, batches: batches(chunk(b, n + 1)) },
          { rank: 2, batches: batches(chunk(c, n)) },
        ],
        compareEngineKeys,
      );
    const flat = async function* (it: AsyncIterable<readonly InternalKV[]>): AsyncGenerator<InternalKV> {
      for await (const x of it) {
        assert.ok(x.length > 0, 'no empty batches');
        yield* x;
      }
    };
    assert.deepEqual(await show(flat(merged())), want, `batch size ${n}`);
    const s2 = newResolveStats();
    assert.deepEqual(await show(flat(resolveVisibleBatches(merged(), compareEngineKeys, cover, s2))), wantVisible, `batch size ${n}`);
    assert.deepEqual(s2, s1);
  }
  // A single non-empty source passes its batches through unchanged.
  const only = chunk(a, 4).filter((x) => x.length > 0);
  const got: InternalKV[][] = [];
  for await (const x of mergeSourceBatches(
    [
      { rank: 0, batches: batches([[], []]) },
      { rank: 1, batches: batches(only) },
    ],
    compareEngineKeys,
  ))
    got.push(x as InternalKV[]);
  assert.equal(got.length, only.length);
  got.forEach((x, i) => assert.equal(x, only[i]));
});
