import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrepareAhead } from './prepare-ahead.js';

/** A preparation that records when it starts and ends, and whether its connection was closed. */
function recorder(failOn?: string) {
  const events: string[] = [];
  const closed: string[] = [];
  const prepare = async (db: { pgName: string }) => {
    events.push(`start ${db.pgName}`);
    await new Promise((r) => setTimeout(r, 5));
    if (db.pgName === failOn) throw new Error(`cannot create ${db.pgName}`);
    events.push(`ready ${db.pgName}`);
    return { client: { end: async () => void closed.push(db.pgName) } };
  };
  return { events, closed, prepare };
}

test('prepare ahead: the next database is prepared once the current one is, while it loads, never further ahead', async () => {
  const r = recorder();
  const dbs = ['a', 'b', 'c'].map((pgName) => ({ pgName }));
  const ahead = new PrepareAhead(r.prepare, dbs);
  await ahead.take(0);
  await Promise.resolve();
  assert.deepEqual(r.events, ['start a', 'ready a', 'start b'], 'b starts once a is prepared, before a loads');
  await new Promise((res) => setTimeout(res, 20)); // "a" loads
  assert.ok(!r.events.includes('start c'), 'c waits until b is taken');
  await ahead.take(1);
  await Promise.resolve();
  assert.ok(r.events.includes('start c'));
  await ahead.take(2);
  await ahead.discard();
  assert.deepEqual(r.closed, [], 'every preparation was taken: the loads close their connections');
});

test('prepare ahead: databases sharing a PostgreSQL database are prepared in turn', async () => {
  const r = recorder();
  const dbs = [{ pgName: 'shared' }, { pgName: 'shared' }, { pgName: 'own' }];
  const ahead = new PrepareAhead(r.prepare, dbs);
  await ahead.take(0);
  assert.deepEqual(r.events, ['start shared', 'ready shared'], 'the second "shared" is not prepared beside the first');
  await ahead.take(1);
  assert.ok(r.events.includes('start own'), 'a database of its own is prepared ahead');
  await ahead.take(2);
});

test('prepare ahead: when a load fails, a database prepared ahead has its connection closed; its own failure waits for its turn', async () => {
  const r = recorder();
  const ahead = new PrepareAhead(r.prepare, [{ pgName: 'a' }, { pgName: 'b' }]);
  await ahead.take(0);
  await Promise.resolve();
  // The load of "a" fails here: its turn never comes for "b".
  await ahead.discard();
  assert.deepEqual(r.closed, ['b']);

  const failing = recorder('b');
  const ahead2 = new PrepareAhead(failing.prepare, [{ pgName: 'a' }, { pgName: 'b' }]);
  await ahead2.take(0);
  await new Promise((res) => setTimeout(res, 20)); // "b" has failed meanwhile: no unhandled rejection
  await assert.rejects(ahead2.take(1), /cannot create b/);
  await ahead2.discard();
});
