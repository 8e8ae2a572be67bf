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
