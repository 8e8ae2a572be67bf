import assert from 'node:assert/strict';
import { test } from 'node:test';
import { THREADS_AUTO_MIN_BYTES, workerRecipe } from './load-worker-pool.js';

const recipe = { kind: 'store', dir: '/data/cockroach-data' } as const;
const big = { recipe, dataBytes: THREADS_AUTO_MIN_BYTES };
const small = { recipe, dataBytes: THREADS_AUTO_MIN_BYTES - 1 };

test('threads auto: workers from 16 MiB of source data on a machine with a second core', () => {
  assert.equal(workerRecipe('auto', big, 2), recipe);
  assert.equal(workerRecipe('auto', big, 8), recipe);
  assert.equal(workerRecipe('auto', big, 1), undefined, 'one core: threads would only add switching');
  assert.equal(workerRecipe('auto', small, 8), undefined, 'a small source is loaded faster than workers start');
  assert.equal(workerRecipe('auto', { recipe }, 8), undefined, 'unknown size counts as small');
});

test('threads on/off override the size and core rules; a source without a recipe never runs on workers', () => {
  assert.equal(workerRecipe('on', small, 1), recipe);
  assert.equal(workerRecipe('off', big, 8), undefined);
  assert.equal(workerRecipe('on', { dataBytes: THREADS_AUTO_MIN_BYTES }, 8), undefined);
});
