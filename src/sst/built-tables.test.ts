import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesReader } from '../storage/range-reader.js';
import { isDecodeError } from '../util/errors.js';
import { decodeFooter } from './footer.js';
import { openSst } from './reader.js';
import { decodeRowBlockPairs } from './rowblk.js';
import { buildTable, internalKey, rowBlock, type TableBuildOptions, type TestPoint } from './testing/table-builder.js';
import { InternalKeyKind, type InternalKV, type SstReader } from './types.js';

const td = new TextDecoder();
const te = new TextEncoder();

/** 200 points, some keys with several versions (seqNum descending), mixed kinds. */
function points(): TestPoint[] {
  const out: TestPoint[] = [];
  for (let i = 0; i < 150; i++) {
    const key = `key-${String(i).padStart(4, '0')}`;
    const versions = i % 3 === 0 ? 2 : 1;
    for (let v = versions; v >= 1; v--) {
      const kind = i % 10 === 0 && v === 1 ? InternalKeyKind.Delete : i % 7 === 0 ? InternalKeyKind.Merge : InternalKeyKind.Set;
      out.push({
        key,
        seqNum: BigInt(1000 + i * 2 + v),
        kind,
        value: kind === InternalKeyKind.Delete ? '' : `value ${i}.${v} `.repeat(1 + (i % 5)),
      });
    }
  }
  return out;
}

async function all(sst: SstReader, bounds?: { start?: Uint8Array; end?: Uint8Array }): Promise<InternalKV[]> {
  const out: InternalKV[] = [];
  for await (const kv of sst.entries(bounds)) out.push(kv);
  return out;
}

function same(got: InternalKV[], want: readonly TestPoint[]): void {
  assert.equal(got.length, want.length);
  got.forEach((kv, i) => {
    const w = want[i]!;
    assert.equal(td.decode(kv.userKey), w.key);
    assert.equal(kv.seqNum, w.seqNum);
    assert.equal(kv.kind, w.kind);
    assert.equal(td.decode(kv.value), w.value);
  });
}

const variants: Array<[string, TableBuildOptions, string]> = [
  ['LevelDB footer, uncompressed', { magic: 'leveldb' }, 'leveldb'],
  ['RocksDB v2, snappy', { magic: 'rocksdb', compression: 1 }, 'rocksdb-v2'],
  ['RocksDB v2, zstd, xxHash64 checksums', { magic: 'rocksdb', compression: 7, checksum: 'xxhash64' }, 'rocksdb-v2'],
  ['RocksDB v2, two-level index', { magic: 'rocksdb', compression: 1, entriesPerBlock: 7, indexPartitionSize: 3 }, 'rocksdb-v2'],
  ['Pebble v1', { magic: 'pebble', version: 1, compression: 1 }, 'pebble-v1'],
  ['Pebble v3 (SET value prefix)', { magic: 'pebble', version: 3, compression: 1, entriesPerBlock: 5 }, 'pebble-v3'],
  [
    'Pebble v4, two-level index, zstd',
    { magic: 'pebble', version: 4, compression: 7, entriesPerBlock: 4, indexPartitionSize: 2 },
    'pebble-v4',
  ],
];

for (const [name, opts, format] of variants) {
  test(`built table: ${name}`, async () => {
    const pts = points();
    const bytes = await buildTable(pts, opts);
    const sst = await openSst(bytesReader(`built-${format}.sst`, bytes));
    assert.equal(sst.info.format, format);
    assert.equal(sst.info.checksumType, opts.checksum ?? 'crc32c');
    same(await all(sst), pts);
    // Bounds at, between and beyond keys, including keys with several versions.
    const start = te.encode('key-0030');
    const end = te.encode('key-0061x');
    same(
      await all(sst, { start, end }),
      pts.filter((p) => p.key >= 'key-0030' && p.key < 'key-0061x'),
    );
    same(await all(sst, { start: te.encode('zzz') }), []);
    same(
      await all(sst, { end: te.encode('key-0001') }),
      pts.filter((p) => p.key < 'key-0001'),
    );
    if (opts.compression === 7) assert.match(sst.info.compression, /zstd/);
    await sst.close();
  });
}

test('built table: range deletions and range keys (set with two suffixes, unset, del)', async () => {
  const pts = points().slice(0, 20);
  const bytes = await buildTable(pts, {
    magic: 'pebble',
    version: 2,
    rangeDels: [
      { start: 'a', end: 'c', seqNum: 9n },
      { start: 'key-0005', end: 'key-0009', seqNum: 7n },
    ],
    rangeKeys: [
      {
        start: 'k1',
        end: 'k3',
        seqNum: 12n,
        kind: InternalKeyKind.RangeKeySet,
        items: [
          ['@5', 'v5'],
          ['@3', ''],
        ],
      },
      { start: 'k3', end: 'k4', seqNum: 11n, kind: InternalKeyKind.RangeKeyUnset, items: [['@2', '']] },
      { start: 'k4', end: 'k9', seqNum: 10n, kind: InternalKeyKind.RangeKeyDelete, items: [] },
    ],
  });
  const sst = await openSst(bytesReader('rk.sst', bytes));
  assert.equal(sst.info.numEntries, 22n);
  same(await all(sst), pts);
  const rds = [];
  for await (const rd of sst.rangeDeletions()) rds.push([td.decode(rd.start), td.decode(rd.end), rd.seqNum]);
  assert.deepEqual(rds, [
    ['a', 'c', 9n],
    ['key-0005', 'key-0009', 7n],
  ]);
  const rks = [];
  for await (const rk of sst.rangeKeys())
    rks.push([td.decode(rk.start), td.decode(rk.end), rk.seqNum, rk.kind, td.decode(rk.suffix), td.decode(rk.value)]);
  assert.deepEqual(rks, [
    ['k1', 'k3', 12n, InternalKeyKind.RangeKeySet, '@5', 'v5'],
    ['k1', 'k3', 12n, InternalKeyKind.RangeKeySet, '@3', ''],
    ['k3', 'k4', 11n, InternalKeyKind.RangeKeyUnset, '@2', ''],
    ['k4', 'k9', 10n, InternalKeyKind.RangeKeyDelete, '', ''],
  ]);
  await sst.close();
});

test('row block: prefix compression and restarts, split at every entry', () => {
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < 40; i++) pairs.push([te.encode(`tweedle${i % 2 ? 'dum' : 'dee'}${String(i).padStart(3, '0')}`), te.encode(`v${i}`)]);
  pairs.sort((x, y) => Buffer.compare(x[0], y[0]));
  for (const interval of [1, 3, 16]) {
    const got = decodeRowBlockPairs(rowBlock(pairs, interval));
    assert.deepEqual(
      got.map(([k, v]) => [td.decode(k), td.decode(v)]),
      pairs.map(([k, v]) => [td.decode(k), td.decode(v)]),
    );
  }
  // Entries cut anywhere (restart array kept valid) decode to a prefix of the pairs or fail with an offset.
  const entries = rowBlock(pairs, 1000).subarray(0, -8);
  let failures = 0;
  for (let cut = 1; cut < entries.length; cut++) {
    const damaged = new Uint8Array(cut + 8);
    damaged.set(entries.subarray(0, cut));
    damaged[cut + 4] = 1; // one restart at offset 0
    try {
      const got = decodeRowBlockPairs(damaged, 4096);
      got.forEach(([k], i) => assert.deepEqual(k, pairs[i]![0]));
    } catch (e) {
      assert.ok(isDecodeError(e) && e.offset !== undefined && e.offset >= 4096, String(e));
      failures++;
    }
  }
  assert.ok(failures > entries.length / 2);
});

test('footer: bad version and handles beyond the file are named', async () => {
  const bytes = await buildTable(points().slice(0, 3), { magic: 'pebble', version: 4 });
  const bad = bytes.slice();
  new DataView(bad.buffer).setUint32(bad.length - 12, 9, true);
  assert.throws(() => decodeFooter(bad, bad.length), /unsupported Pebble table format version 9/);
  const rocks = await buildTable(points().slice(0, 3), { magic: 'rocksdb' });
  const r5 = rocks.slice();
  new DataView(r5.buffer).setUint32(r5.length - 12, 5, true);
  assert.throws(() => decodeFooter(r5, r5.length), /unsupported RocksDB table format version 5/);
  // Drop the first 100 bytes: handles now point past the data.
  const short = bytes.subarray(100);
  await assert.rejects(openSst(bytesReader('short.sst', short)), /beyond the end.*in short\.sst/);
  assert.ok(internalKey(te.encode('k'), 1n, 1).length === 9);
});
