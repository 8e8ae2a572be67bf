import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeEngineKey, decodeMVCCTimestampSuffix } from './engine-key.js';
import { decodeMVCCValue, mvccValueIsTombstone } from './mvcc-value.js';
import { decodeLockTableKey, decodeMVCCMetadata } from './mvcc-metadata.js';
import { newestVersions, newNewestVersionsStats, type EngineKV } from './newest-versions.js';
import { decodeWal } from '../pebble/wal-file.js';
import { openStoreDir } from '../pebble/open-store.js';
import { isDecodeError } from '../util/errors.js';
import { concatBytes } from '../util/bytes.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));
const NS_2021_12_01 = 1638316800n * 1_000_000_000n;
const NS_2021_12_06 = 1638748800n * 1_000_000_000n;

test('engine keys from a real WAL: MVCC wall+logical versions and 17-byte lock-table versions', () => {
  const w = decodeWal(new Uint8Array(readFileSync(STORES + 'musico-v21.2.2/000013.log')), '000013.log', 13);
  const counts = { none: 0, mvcc: 0, lock: 0 };
  for (const b of w.batches) {
    for (const p of b.points) {
      const ek = decodeEngineKey(p.userKey);
      counts[ek.version.kind]++;
      if (ek.version.kind === 'mvcc') {
        const t = ek.version.timestamp.wallTime;
        assert.ok(t > NS_2021_12_01 && t < NS_2021_12_06, `timestamp ${t} within the store's lifetime`);
      }
      if (ek.version.kind === 'lock') {
        assert.equal(ek.version.txnID.length, 16);
        const user = decodeLockTableKey(ek.key);
        assert.ok(user.length > 0);
        if (p.value.length > 0) {
          const meta = decodeMVCCMetadata(p.value);
          assert.ok(meta.hasTxn, 'lock-table value is an intent');
          assert.ok(meta.timestamp.wallTime > NS_2021_12_01);
        }
      }
    }
  }
  assert.ok(counts.mvcc === 18 && counts.lock === 22 && counts.none === 217, JSON.stringify(counts));
});

test('engine key edge cases', () => {
  assert.deepEqual(decodeEngineKey(Uint8Array.of(0x61, 0x00)), { key: Uint8Array.of(0x61), version: { kind: 'none' } });
  const wall = Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 0);
  const k = concatBytes([Uint8Array.of(0x88, 0x00), wall, Uint8Array.of(0, 0, 0, 7, 1), Uint8Array.of(14)]);
  const ek = decodeEngineKey(k);
  assert.deepEqual(ek.version, { kind: 'mvcc', timestamp: { wallTime: 256n, logical: 7 } }, '13-byte version, synthetic flag ignored');
  assert.deepEqual(decodeMVCCTimestampSuffix(concatBytes([wall, Uint8Array.of(9)])), { wallTime: 256n, logical: 0 });
  assert.throws(() => decodeEngineKey(Uint8Array.of(0x61, 0x01, 5)), isDecodeError, 'no sentinel');
  assert.throws(() => decodeEngineKey(Uint8Array.of(0x61, 0x00, 1, 2, 4)), isDecodeError, '3-byte version');
  assert.throws(() => decodeEngineKey(new Uint8Array(0)), isDecodeError);
});

test('v23.1 extended MVCCValue headers (rabble-v23.1): values and tombstones with a 0x65 header', async () => {
  const store = await openStoreDir(STORES + 'rabble-v23.1');
  try {
    let extended = 0;
    let extendedTombstones = 0;
    let simple = 0;
    // Table data of defaultdb lives in 000187.sst: /Table/159 … /Table/208 (0xF6 0x9F … 0xF6 0xD0).
    for await (const kv of store.entries({ start: Uint8Array.of(0xf6, 0x9f), end: Uint8Array.of(0xf6, 0xd1) })) {
      const v = decodeMVCCValue(kv.value);
      assert.equal(mvccValueIsTombstone(kv.value), v.isTombstone);
      if (v.header) {
        extended++;
        if (v.isTombstone) extendedTombstones++;
        else assert.ok(v.value[4]! < 0x65, 'roachpb.Value tag after the header');
        assert.ok(v.header.localTimestamp === undefined || v.header.localTimestamp.wallTime > 1_600_000_000n * 1_000_000_000n);
      } else if (!v.isTombstone) {
        simple++;
        assert.ok(v.value.length >= 5);
      }
    }
    assert.ok(extended > 0 && extendedTombstones > 0 && simple > 0, JSON.stringify({ extended, extendedTombstones, simple }));
  } finally {
    await store.close();
  }
  assert.throws(() => decodeMVCCValue(Uint8Array.of(1, 2, 3)), isDecodeError);
  assert.throws(() => decodeMVCCValue(Uint8Array.of(0, 0, 0, 9, 0x65, 1)), isDecodeError, 'header longer than value');
  assert.deepEqual(decodeMVCCValue(Uint8Array.of(0, 0, 0, 0, 0x65)).isTombstone, true);
});

test('readAt selects an older version (startrek quote updated later)', async () => {
  const store = await openStoreDir(STORES + 'startrek-v1.0.2');
  try {
    const span = { start: Uint8Array.of(0xbe, 0x89, 0x00), end: Uint8Array.of(0xbe, 0x8a, 0x00) }; // /Table/54/1
    const td = new TextDecoder();
    let newest: { ts: bigint; text: string } | undefined;
    for await (const kv of newestVersions(store.entries(span))) {
      const text = td.decode(kv.value);
      if (text.includes('worship word')) newest = { ts: kv.timestamp.wallTime, text };
    }
    assert.ok(newest && newest.text.includes('Amara Olugibo'));
    const stats = newNewestVersionsStats();
    const older: string[] = [];
    for await (const kv of newestVersions(store.entries(span), { readAt: { wallTime: newest.ts - 1n, logical: 0 }, stats })) {
      const text = td.decode(kv.value);
      if (text.includes('worship word')) older.push(text);
    }
    assert.equal(older.length, 1);
    assert.ok(older[0]!.includes('Cloud William and Kirk'));
  } finally {
    await store.close();
  }
});

// Hand-built engine keys for range tombstones and intents.
const ver = (wall: number): Uint8Array => {
  const b = new Uint8Array(9);
  new DataView(b.buffer).setBigUint64(0, BigInt(wall), false);
  b[8] = 9;
  return b;
};
const ekey = (k: string, wall?: number): Uint8Array =>
  concatBytes([new TextEncoder().encode(k), Uint8Array.of(0), ...(wall === undefined ? [] : [ver(wall)])]);
const val = (s: string): Uint8Array => concatBytes([Uint8Array.of(0, 0, 0, 0, 3), new TextEncoder().encode(s)]);
async function* kvs(xs: EngineKV[]): AsyncGenerator<EngineKV> {
  yield* xs;
}

test('MVCC range tombstones delete older versions only; interleaved intents and inline values are skipped', async () => {
  // MVCCMetadata with txn (field 1) and timestamp (field 2: wall_time 30) = an interleaved intent.
  const intentMeta = Uint8Array.of(0x0a, 0x00, 0x12, 0x02, 0x08, 30);
  // Inline value: raw_bytes (field 6).
  const inline = Uint8Array.of(0x32, 0x02, 0x68, 0x69);
  const input: EngineKV[] = [
    { userKey: ekey('a', 20), value: val('a20') },
    { userKey: ekey('a', 5), value: val('a5') },
    { userKey: ekey('b', 8), value: val('b8') },
    { userKey: ekey('c'), value: intentMeta },
    { userKey: ekey('c', 30), value: val('c30-provisional') },
    { userKey: ekey('c', 10), value: val('c10') },
    { userKey: ekey('d', 12), value: new Uint8Array(0) },
    { userKey: ekey('d', 3), value: val('d3') },
    { userKey: ekey('e'), value: inline },
  ];
  const rangeTombstones = [
    { start: new TextEncoder().encode('a'), end: new TextEncoder().encode('c'), timestamp: { wallTime: 10n, logical: 0 } },
  ];
  const run = async (opts: Parameters<typeof newestVersions>[1]): Promise<string[]> => {
    const out: string[] = [];
    for await (const kv of newestVersions(kvs(input), opts))
      out.push(`${new TextDecoder().decode(kv.key)}@${kv.timestamp.wallTime}=${new TextDecoder().decode(kv.value.subarray(5))}`);
    return out;
  };
  const stats = newNewestVersionsStats();
  assert.deepEqual(await run({ rangeTombstones, stats }), ['a@20=a20', 'c@10=c10']);
  assert.equal(stats.rangeTombstoned, 1);
  assert.equal(stats.intentsSkipped, 1);
  assert.equal(stats.tombstones, 1);
  assert.equal(stats.inlineValues, 1);
  // Before the range tombstone was written, b@8 and a@5 are visible.
  assert.deepEqual(await run({ rangeTombstones, readAt: { wallTime: 9n, logical: 0 } }), ['a@5=a5', 'b@8=b8', 'd@3=d3']);
  // Separated intent callback.
  assert.deepEqual(await run({ isIntent: (k, ts) => k[0] === 0x61 && ts.wallTime === 20n }), ['a@5=a5', 'b@8=b8', 'c@10=c10']);
  const withInline: string[] = [];
  for await (const kv of newestVersions(kvs(input), { includeInline: true }))
    if (kv.timestamp.wallTime === 0n) withInline.push(new TextDecoder().decode(kv.value));
  assert.deepEqual(withInline, ['hi']);
});
