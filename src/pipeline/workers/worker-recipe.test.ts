import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorkersEarly, THREADS_AUTO_MIN_BYTES, workerRecipe } from './load-worker-pool.js';

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

test('workers start before the source is opened only for a backup on object storage that threads may use', () => {
  for (const url of ['s3://bucket/backups?AWS_REGION=x', 'gs://b/p', 'azure://c/p', 'https://host/backup'])
    assert.equal(startWorkersEarly('auto', url, 2), true, url);
  assert.equal(startWorkersEarly('auto', '/local/backup', 8), false, 'a local open is quick: nothing to overlap');
  assert.equal(startWorkersEarly('auto', 'nodelocal://1/backup', 8), false);
  assert.equal(startWorkersEarly('auto', undefined, 8), false, 'a store');
  assert.equal(startWorkersEarly('auto', 's3://bucket/p', 1), false, 'one core');
  assert.equal(startWorkersEarly('on', 's3://bucket/p', 1), true);
  assert.equal(startWorkersEarly('off', 's3://bucket/p', 8), false);
  assert.equal(startWorkersEarly('auto', 'ftp://x/y', 8), false, 'a bad URL is left to the open to report');
});
