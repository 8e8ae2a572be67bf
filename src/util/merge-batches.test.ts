import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSortedBatches, type RankedBatches } from './merge-batches.js';

interface E {
  readonly key: number;
  readonly from: string;
}
const byKey = (a: E, b: E): number => a.key - b.key;
const src = (rank: number, from: string, batches: number[][], closed?: string[]): RankedBatches<E> => ({
  rank,
  batches: (async function* () {
    try {
      for (const b of batches) yield b.map((key) => ({ key, from }));
    } finally {
      closed?.push(from);
    }
  })(),
});
const show = async (it: AsyncIterable<readonly E[]>): Promise<string[][]> => {
  const out: string[][] = [];
  for await (const b of it) out.push(b.map((e) => `${e.key}${e.from}`));
  return out;
};

test('merge of sorted batch streams: key order, ties by rank, empty batches skipped', async () => {
  const got = await show(
    mergeSortedBatches([src(2, 'a', [[1, 4], [], [6]]), src(0, 'b', [[], [1, 2], [6]]), src(1, 'c', [[4, 5]])], byKey),
  );
  assert.deepEqual(got.flat(), ['1b', '1a', '2b', '4c', '4a', '5c', '6b', '6a']);
  assert.ok(got.every((b) => b.length > 0));
});

test('merge keeping the first of equal entries: the lowest rank wins (a backup chain: the later layer)', async () => {
  const got = await show(mergeSortedBatches([src(1, 'old', [[1, 2, 3]]), src(0, 'new', [[2], [3, 4]])], byKey, { firstOfEqual: true }));
  assert.deepEqual(got.flat(), ['1old', '2new', '3new', '4new']);
});

test('merge output batches are bounded; one non-empty source passes its arrays through unchanged', async () => {
  const many = Array.from({ length: 10 }, (_, i) => [2 * i, 2 * i + 1]);
  const got = await show(
    mergeSortedBatches(
      [
        src(
          0,
          'x',
          many.map((b) => [b[0]!]),
        ),
        src(
          1,
          'y',
          many.map((b) => [b[1]!]),
        ),
      ],
      byKey,
      { batchSize: 4 },
    ),
  );
  assert.equal(got.flat().length, 20);
  assert.ok(got.every((b) => b.length > 0 && b.length <= 4));
  const arrays = [[{ key: 1, from: 'z' }], [{ key: 2, from: 'z' }]];
  const only: RankedBatches<E> = {
    rank: 1,
    batches: (async function* () {
      yield* arrays;
    })(),
  };
  const out: (readonly E[])[] = [];
  for await (const b of mergeSortedBatches([src(0, 'empty', [[], []]), only], byKey)) out.push(b);
  assert.equal(out.length, 2);
  out.forEach((b, i) => assert.equal(b, arrays[i]));
});

test('merge closes every input when its consumer stops early', async () => {
  const closed: string[] = [];
  for await (const b of mergeSortedBatches([src(0, 'a', [[1], [3]], closed), src(1, 'b', [[2], [4]], closed)], byKey, { batchSize: 1 })) {
    assert.ok(b.length > 0);
    break;
  }
  assert.deepEqual(closed.sort(), ['a', 'b']);
});

test('merge equals a sort of all entries (ties by rank, first of equal kept) for random dense and sparse sources cut into random batches', async () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const sources: Array<{ rank: number; from: string; keys: number[] }> = [];
    const count = 1 + rnd(4);
    for (let s = 0; s < count; s++) {
      // Dense sources (every key of a range) and sparse ones (a few keys): both the one-piece and the per-entry path.
      const dense = rnd(2) === 0;
      const keys = [...new Set(Array.from({ length: dense ? 40 : rnd(6) }, (_, i) => (dense ? i + rnd(3) * 40 : rnd(120))))].sort(
        (a, b) => a - b,
      );
      sources.push({ rank: s, from: String.fromCharCode(97 + s), keys });
    }
    const cut = (keys: number[]): number[][] => {
      const out: number[][] = [];
      for (let i = 0; i < keys.length;) {
        const n = rnd(7);
        out.push(keys.slice(i, i + n));
        i += n;
      }
      return out;
    };
    const all = sources.flatMap((s) => s.keys.map((key) => ({ key, rank: s.rank, from: s.from })));
    all.sort((a, b) => a.key - b.key || a.rank - b.rank);
    for (const firstOfEqual of [false, true]) {
      const expected = all.filter((e, i) => !firstOfEqual || i === 0 || all[i - 1]!.key !== e.key).map((e) => `${e.key}${e.from}`);
      const got = await show(
        mergeSortedBatches(
          sources.map((s) => src(s.rank, s.from, cut(s.keys))),
          byKey,
          { firstOfEqual, batchSize: 1 + rnd(8) },
        ),
      );
      assert.deepEqual(got.flat(), expected, `round ${round}, firstOfEqual ${firstOfEqual}`);
      assert.ok(got.every((b) => b.length > 0));
    }
  }
});
