import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { allInOrder } from './all-in-order.js';

test('allInOrder: values in order; the first rejection in argument order, not in time', async () => {
  assert.deepEqual(await allInOrder([sleep(5).then(() => 1), 'two', Promise.resolve(3)]), [1, 'two', 3]);
  const late = sleep(20).then(() => Promise.reject(new Error('first argument')));
  const early = Promise.reject(new Error('second argument'));
  await assert.rejects(allInOrder([late, early]), /first argument/);
  // Promise.all reports the one that failed first in time: what allInOrder exists to avoid.
  const late2 = sleep(20).then(() => Promise.reject(new Error('first argument')));
  late2.catch(() => undefined);
  await assert.rejects(Promise.all([late2, Promise.reject(new Error('second argument'))]), /second argument/);
});
