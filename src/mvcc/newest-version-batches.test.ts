import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compareTimestamps } from './engine-key.js';
import { newestVersionBatches, newestVersions, newNewestVersionsStats, type EngineKV } from './newest-versions.js';
import type { MVCCKeyValue, Timestamp } from './types.js';
import { openStoreDir } from '../pebble/open-store.js';
import { concatBytes, toHex } from '../util/bytes.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));

/** Deterministic pseudo-random split of `xs` into batches of 1..7 entries. */
function split<T>(xs: readonly T[], seed: number): T[][] {
  const out: T[][] = [];
  let s = seed;
  for (let i = 0; i < xs.length;) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = 1 + (s % 7);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}
async function* each<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}
const show = (kv: MVCCKeyValue): string => `${toHex(kv.key)}@${kv.timestamp.wallTime}.${kv.timestamp.logical}=${toHex(kv.value)}`;

test('newestVersionBatches equals newestVersions on every KV of real stores, at several read times, batch boundaries anywhere', async () => {
  for (const name of ['startrek-v1.0.2', 'rabble-v23.1', 'musico-v21.2.2', 'lain-v20.2.3']) {
    const store = await openStoreDir(STORES + name);
    try {
      const all: EngineKV[] = [];
      for await (const kv of store.entries()) all.push(kv);
      // Read times: newest, and the timestamps of a few real versions (± 1 logical tick).
      const perKV: string[] = [];
      for await (const kv of newestVersions(each(all))) perKV.push(show(kv));
      const stamps = perKV.slice(0, 400).map((s) => s.split('@')[1]!.split('=')[0]!.split('.'));
      const readAts: (Timestamp | undefined)[] = [undefined];
      for (const i of [0, Math.floor(stamps.length / 2), stamps.length - 1]) {
        const [w, l] = stamps[i]!;
        readAts.push(
          { wallTime: BigInt(w!), logical: Number(l) },
          { wallTime: BigInt(w!) - 1n, logical: 2 },
          { wallTime: BigInt(w!), logical: Number(l) + 1 },
        );
      }
      for (const [i, readAt] of readAts.entries()) {
        const s1 = newNewestVersionsStats();
        const s2 = newNewestVersionsStats();
        const a: string[] = [];
        for await (const kv of newestVersions(each(all), { ...(readAt ? { readAt } : {}), stats: s1 })) a.push(show(kv));
        const b: string[] = [];
        for await (const batch of newestVersionBatches(each(split(all, i + 1)), { ...(readAt ? { readAt } : {}), stats: s2 })) {
          assert.ok(batch.length > 0);
          for (const kv of batch) {
            if (readAt) assert.ok(compareTimestamps(kv.timestamp, readAt) <= 0, 'no version newer than readAt');
            b.push(show(kv));
          }
        }
        assert.deepEqual(b, a, `${name} readAt ${readAt?.wallTime}`);
        assert.deepEqual(s2, s1);
        assert.ok(a.length > 0 || readAt !== undefined);
      }
    } finally {
      await store.close();
    }
  }
});

test('readAt is compared on the raw version bytes: 8-, 12- and 13-byte versions, equal walls, logical ticks', async () => {
  const ver = (wall: bigint, logical?: number, synthetic = false): Uint8Array => {
    const n = logical === undefined ? 8 : synthetic ? 13 : 12;
    const b = new Uint8Array(n + 1);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, wall, false);
    if (logical !== undefined) dv.setUint32(8, logical, false);
    if (synthetic) b[12] = 1;
    b[n] = n + 1;
    return b;
  };
  const key = (k: number, v: Uint8Array): Uint8Array => concatBytes([Uint8Array.of(0x89, k, 0x00), v]);
  const val = Uint8Array.of(0, 0, 0, 0, 3, 7);
  const big = (1n << 62n) + 5n;
  const input: EngineKV[] = [
    { userKey: key(1, ver(100n, 3)), value: val },
    { userKey: key(1, ver(100n)), value: val },
    { userKey: key(2, ver(100n, 2, true)), value: val },
    { userKey: key(3, ver(big, 1)), value: val },
    { userKey: key(3, ver(big)), value: val },
    { userKey: key(4, ver(99n, 0xffffffff)), value: val },
  ];
  const run = async (readAt: Timestamp): Promise<string[]> => {
    const out: string[] = [];
    for await (const b of newestVersionBatches(each([input]), { readAt }))
      for (const kv of b) out.push(`${kv.key[1]}@${kv.timestamp.wallTime}.${kv.timestamp.logical}`);
    return out;
  };
  assert.deepEqual(await run({ wallTime: 100n, logical: 2 }), ['1@100.0', '2@100.2', '4@99.4294967295']);
  assert.deepEqual(await run({ wallTime: 100n, logical: 3 }), ['1@100.3', '2@100.2', '4@99.4294967295']);
  assert.deepEqual(await run({ wallTime: 100n, logical: 1 }), ['1@100.0', '4@99.4294967295']);
  assert.deepEqual(await run({ wallTime: 99n, logical: 0 }), []);
  assert.deepEqual(await run({ wallTime: big, logical: 0 }), ['1@100.3', '2@100.2', `3@${big}.0`, '4@99.4294967295']);
  assert.deepEqual(await run({ wallTime: big + 1n, logical: 0 }), ['1@100.3', '2@100.2', `3@${big}.1`, '4@99.4294967295']);
});
