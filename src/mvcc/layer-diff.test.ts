import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerDiffBatches, rangeDeletionsIn, type ChangedKV } from './layer-diff.js';
import type { EngineKV } from './newest-versions.js';
import type { Timestamp } from './types.js';

const ts = (w: number): Timestamp => ({ wallTime: BigInt(w), logical: 0 });
/** roachKey ‖ 0x00 ‖ wall (8 bytes BE) ‖ 9. */
function ek(key: string, wall: number): Uint8Array {
  const k = new Uint8Array(key.length + 10);
  k.set(Buffer.from(key));
  new DataView(k.buffer).setBigUint64(key.length + 1, BigInt(wall), false);
  k[k.length - 1] = 9;
  return k;
}
/** A roachpb.Value: checksum (4) ‖ tag BYTES (3) ‖ text. */
const val = (s: string): Uint8Array => Uint8Array.from([0, 0, 0, 0, 3, ...Buffer.from(s)]);
const kv = (key: string, wall: number, v: string | undefined): EngineKV => ({
  userKey: ek(key, wall),
  value: v === undefined ? new Uint8Array(0) : val(v),
});

async function diff(
  kvs: EngineKV[],
  since: number,
  readAt: number,
  tombs: { start: string; end: string; at: number }[] = [],
): Promise<string[]> {
  const out: string[] = [];
  const rangeTombstones = tombs.map((t) => ({ start: Buffer.from(t.start), end: Buffer.from(t.end), timestamp: ts(t.at) }));
  async function* one(): AsyncGenerator<EngineKV[]> {
    yield kvs;
  }
  for await (const b of layerDiffBatches(one(), { since: ts(since), readAt: ts(readAt), rangeTombstones })) {
    out.push(
      ...b.map(
        (c: ChangedKV) =>
          `${Buffer.from(c.key).toString()}@${c.timestamp.wallTime}=${c.value ? Buffer.from(c.value.subarray(5)).toString() : 'DELETED'}`,
      ),
    );
  }
  return out;
}

test('layer diff: newest version in (since, readAt] per key; tombstones are deletions; older-only keys unchanged', async () => {
  const kvs = [
    kv('a', 30, 'a3'),
    kv('a', 10, 'a1'), // updated in the window
    kv('b', 25, undefined),
    kv('b', 5, 'b0'), // deleted in the window
    kv('c', 40, 'c4'),
    kv('c', 35, undefined),
    kv('c', 5, 'c0'), // deleted, then written again with the same key
    kv('d', 50, 'd5'),
    kv('d', 8, 'd0'), // the window's version is after readAt: unchanged at readAt
    kv('e', 9, 'e0'), // unchanged
  ];
  assert.deepEqual(await diff(kvs, 20, 45), ['a@30=a3', 'b@25=DELETED', 'c@40=c4']);
  // The same key deleted and written again, read between the two: a deletion.
  assert.deepEqual(await diff(kvs, 20, 36), ['a@30=a3', 'b@25=DELETED', 'c@35=DELETED']);
  // Nothing after since: no change.
  assert.deepEqual(await diff(kvs, 50, 50), []);
});

test('layer diff: a range tombstone in the window deletes the keys it covers; rangeDeletionsIn names it', async () => {
  const kvs = [kv('a', 30, 'a3'), kv('b', 22, 'b2'), kv('c', 24, 'c2')];
  const tombs = [
    { start: 'b', end: 'c', at: 26 },
    { start: 'a', end: 'z', at: 5 },
  ];
  assert.deepEqual(await diff(kvs, 20, 45, tombs), ['a@30=a3', 'b@26=DELETED', 'c@24=c2']);
  const rt = tombs.map((t) => ({ start: Buffer.from(t.start), end: Buffer.from(t.end), timestamp: ts(t.at) }));
  assert.equal(rangeDeletionsIn(rt, Buffer.from('a'), Buffer.from('bb'), { since: ts(20), readAt: ts(45) }).length, 1);
  assert.equal(rangeDeletionsIn(rt, Buffer.from('c'), Buffer.from('d'), { since: ts(20), readAt: ts(45) }).length, 0);
});
