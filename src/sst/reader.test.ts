import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localFileReader } from '../storage/local-file.js';
import { bytesReader, type RangeReader } from '../storage/range-reader.js';
import { isDecodeError } from '../util/errors.js';
import { compareEngineKeys } from './comparer.js';
import { describeSst } from './describe.js';
import { openSst } from './reader.js';
import { InternalKeyKind, type InternalKV, type OpenSstOptions, type SstReader } from './types.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));

async function fixtureSsts(): Promise<Array<{ store: string; path: string }>> {
  const out: Array<{ store: string; path: string }> = [];
  for (const store of (await readdir(STORES)).sort()) {
    if (!(await stat(join(STORES, store))).isDirectory()) continue;
    for (const f of (await readdir(join(STORES, store))).sort()) {
      if (f.endsWith('.sst')) out.push({ store, path: join(STORES, store, f) });
    }
  }
  return out;
}

async function collect(sst: SstReader, bounds?: { start?: Uint8Array; end?: Uint8Array }): Promise<InternalKV[]> {
  const out: InternalKV[] = [];
  for await (const kv of sst.entries(bounds)) out.push(kv);
  return out;
}

/**
 * Blob references of the frt-v25.4.0 tables, from its MANIFEST-000015 (new-file records, custom
 * tag 69): 000009.sst → blob file 10 (370,823 value bytes), 000013.sst → blob file 14 (578,137).
 */
const FRT_BLOBS: Record<string, { file: string; valueSize: number }> = {
  '000009.sst': { file: '000010.blob', valueSize: 370823 },
  '000013.sst': { file: '000014.blob', valueSize: 578137 },
};
/**
 * Opens an SST with a blob resolver for the frt tables. Blob readers belong to the resolver's side
 * (a table never closes them), so the returned close() closes the table and every blob reader.
 */
async function openWithBlobs(sstPath: string): Promise<SstReader> {
  const ref = FRT_BLOBS[sstPath.split('/').pop()!];
  const blobs: RangeReader[] = [];
  const opts: OpenSstOptions =
    ref === undefined
      ? {}
      : {
          blobReferences: async (id: number) => {
            assert.equal(id, 0);
            const r = localFileReader(join(STORES, 'frt-v25.4.0', ref.file));
            blobs.push(r);
            return r;
          },
        };
  const sst = await openSst(localFileReader(sstPath), opts);
  return Object.assign(Object.create(sst) as SstReader, {
    close: async () => {
      await sst.close();
      for (const r of blobs) await r.close?.();
    },
  });
}

const expectedFormat = (store: string): string =>
  store === 'rabble-v23.1' ? 'pebble-v3' : store === 'frt-v25.4.0' ? 'pebble-v7' : 'rocksdb-v2';

const ssts = await fixtureSsts();

test('fixtures: there are SSTs of every era to read', () => {
  assert.ok(ssts.length >= 18, `found ${ssts.length} SSTs`);
});

for (const { store, path } of ssts) {
  // No skips: a table of any format that cannot be read fails here.
  test(`${store}/${path.split('/').pop()}: every entry, checksums verified, count and order`, async () => {
    const sst = await openWithBlobs(path);
    try {
      const { info } = sst;
      assert.equal(info.format, expectedFormat(store));
      assert.equal(info.checksumType, 'crc32c');
      assert.equal(info.properties.get('rocksdb.comparator'), 'cockroach_comparator');
      let n = 0;
      let prev: InternalKV | undefined;
      for await (const kv of sst.entries()) {
        n++;
        // Engine keys end in a suffix-length byte preceded (at the suffix start) by the 0x00 sentinel (§4.7, §6.11).
        const L = kv.userKey[kv.userKey.length - 1]!;
        assert.ok([0x00, 0x09, 0x0d].includes(L), `suffix length byte ${L}`);
        assert.equal(kv.userKey[kv.userKey.length - 1 - (L === 0 ? 0 : L)], 0x00);
        if (prev !== undefined) {
          const c = compareEngineKeys(prev.userKey, kv.userKey);
          assert.ok(c < 0 || (c === 0 && prev.seqNum > kv.seqNum), `entry ${n} out of internal-key order`);
        }
        prev = kv;
      }
      let rangeDels = 0;
      for await (const rd of sst.rangeDeletions()) {
        rangeDels++;
        assert.ok(compareEngineKeys(rd.start, rd.end) < 0);
      }
      const numEntries = info.numEntries;
      assert.notEqual(numEntries, undefined);
      const declaredRangeDels = (info.properties.get('rocksdb.num.range-deletions') as bigint | undefined) ?? 0n;
      assert.equal(BigInt(rangeDels), declaredRangeDels);
      assert.equal(BigInt(n), numEntries! - declaredRangeDels);
      assert.ok(n > 0);
    } finally {
      await sst.close();
    }
  });
}

test('rabble-v23.1: all 69,230 value-block handles resolve through pebble.value_index (§6.11)', async () => {
  let resolved = 0;
  let declared = 0n;
  for (const { path } of ssts.filter((s) => s.store === 'rabble-v23.1')) {
    const sst = await openSst(localFileReader(path));
    assert.ok(sst.metaBlockNames?.().includes('pebble.value_index'));
    for await (const kv of sst.entries()) void kv;
    resolved += sst.stats!.valueBlockValues;
    declared += sst.info.properties.get('pebble.num.values.in.value-blocks') as bigint;
    assert.equal(sst.info.properties.get('rocksdb.property.collectors'), '[MVCCTimeInterval]');
    await sst.close();
  }
  assert.equal(resolved, 69230);
  assert.equal(declared, 69230n);
});

test('movr-v19.2.4: 80,615 keys including DEL and MERGE (§6.11)', async () => {
  const sst = await openSst(localFileReader(join(STORES, 'movr-v19.2.4/000007.sst')));
  const kinds = new Map<number, number>();
  for await (const kv of sst.entries()) kinds.set(kv.kind, (kinds.get(kv.kind) ?? 0) + 1);
  await sst.close();
  assert.equal(
    [...kinds.values()].reduce((a, b) => a + b, 0),
    80615,
  );
  assert.ok((kinds.get(InternalKeyKind.Delete) ?? 0) > 0);
  assert.ok((kinds.get(InternalKeyKind.Merge) ?? 0) > 0);
  assert.deepEqual([...kinds.keys()].sort(), [0, 1, 2]);
});

test('startrek-v1.0.2 (RocksDB 5.1.4): CockroachDB user properties and merge operator', async () => {
  const sst = await openSst(localFileReader(join(STORES, 'startrek-v1.0.2/000165.sst')));
  const p = sst.info.properties;
  assert.equal(p.get('rocksdb.merge.operator'), 'cockroach_merge_operator');
  assert.equal(p.get('rocksdb.prefix.extractor.name'), 'cockroach_prefix_extractor');
  assert.match(String(p.get('crdb.ts.min')), /^0x[0-9a-f]{16}$/);
  assert.match(sst.info.compression, /^Snappy/);
  await sst.close();
});

test('lain-v20.2.3 (written by Pebble as RocksDBv2): column family id and prefix extractor', async () => {
  const sst = await openSst(localFileReader(join(STORES, 'lain-v20.2.3/000110.sst')));
  assert.equal(sst.info.format, 'rocksdb-v2');
  assert.equal(sst.info.properties.get('rocksdb.column.family.id'), 2147483647n);
  assert.equal(sst.info.properties.get('rocksdb.prefix.extractor.name'), 'nullptr');
  await sst.close();
});

test('frt-v25.4.0: v7 footer, columnar metaindex and properties, all 1,775 blob handles resolved', async () => {
  let blobValues = 0;
  for (const name of ['000009.sst', '000013.sst']) {
    const path = join(STORES, 'frt-v25.4.0', name);
    const sst = await openWithBlobs(path);
    assert.equal(sst.info.format, 'pebble-v7');
    assert.equal(sst.info.tableFormatVersion, 7);
    assert.equal(sst.info.properties.get('pebble.colblk.schema'), 'crdb1');
    assert.equal(sst.info.properties.get('rocksdb.property.collectors'), '[MVCCTimeInterval,obsolete-key]');
    for await (const kv of sst.entries()) void kv;
    // The values that came from the blob file add up to the MANIFEST's valueSize for the reference.
    assert.equal(sst.stats!.blobValueBytes, FRT_BLOBS[name]!.valueSize);
    blobValues += sst.stats!.blobValues;
    assert.equal(BigInt(sst.stats!.blobValues), sst.info.properties.get('pebble.num.values.in.blob-files'));
    await sst.close();
  }
  assert.equal(blobValues, 1775);
  // Without a resolver the error says where the value lives and what to do.
  const sst = await openSst(localFileReader(join(STORES, 'frt-v25.4.0/000013.sst')));
  await assert.rejects(collect(sst), /value lives in a blob file \(blob reference 0\).*open the SST through its store/);
  await sst.close();
});

test('bounds: entries({start, end}) equals the filtered full scan and skips blocks', async () => {
  const path = join(STORES, 'movr-v19.2.4/000007.sst');
  const full = await openSst(localFileReader(path));
  const all = await collect(full);
  const fullBlocks = full.stats!.blocksRead;
  await full.close();
  const start = all[20000]!.userKey;
  const end = all[23000]!.userKey;
  const want = all.filter((kv) => compareEngineKeys(kv.userKey, start) >= 0 && compareEngineKeys(kv.userKey, end) < 0);
  const sst = await openSst(localFileReader(path));
  const got = await collect(sst, { start, end });
  assert.ok(want.length >= 3000);
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    assert.deepEqual(got[i]!.userKey, want[i]!.userKey);
    assert.equal(got[i]!.seqNum, want[i]!.seqNum);
  }
  assert.ok(sst.stats!.blocksRead < fullBlocks / 4, `read ${sst.stats!.blocksRead} of ${fullBlocks} blocks`);
  // Open-ended bounds.
  assert.equal((await collect(sst, { start: all[all.length - 5]!.userKey })).length >= 5, true);
  assert.equal((await collect(sst, { end: all[0]!.userKey })).length, 0);
  await sst.close();
});

test('value-prefixed v3 table: bounded scan resolves value blocks the same as a full scan', async () => {
  const path = join(STORES, 'rabble-v23.1/000187.sst');
  const full = await openSst(localFileReader(path));
  const all = await collect(full);
  await full.close();
  const start = all[30000]!.userKey;
  const end = all[31000]!.userKey;
  const sst = await openSst(localFileReader(path));
  const got = await collect(sst, { start, end });
  const want = all.filter((kv) => compareEngineKeys(kv.userKey, start) >= 0 && compareEngineKeys(kv.userKey, end) < 0);
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) assert.deepEqual(got[i]!.value, want[i]!.value);
  await sst.close();
});

test('corrupt byte in a data block: checksum error names the file and block offset', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sst-corrupt-'));
  try {
    const path = join(dir, '000007.sst');
    const bytes = new Uint8Array(await readFile(join(STORES, 'movr-v19.2.4/000007.sst')));
    bytes[100]! ^= 0x01; // inside data block 0, which starts at offset 0
    await writeFile(path, bytes);
    const sst = await openSst(localFileReader(path));
    await assert.rejects(collect(sst), (e: unknown) => {
      assert.ok(isDecodeError(e));
      assert.equal(e.file, path);
      assert.equal(e.offset, 0);
      assert.match(e.message, new RegExp(`block checksum mismatch in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at offset 0`));
      return true;
    });
    await sst.close();
    // Without verification the same corruption is not reported as a checksum error.
    const unverified = await openSst(localFileReader(path), { verifyChecksums: false });
    await collect(unverified).catch((e: unknown) => assert.doesNotMatch(String(e), /checksum/));
    await unverified.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('truncated SST: clear one-line error naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sst-trunc-'));
  try {
    const path = join(dir, '000187.sst');
    await copyFile(join(STORES, 'rabble-v23.1/000187.sst'), path);
    await truncate(path, 1_000_000);
    await assert.rejects(openSst(localFileReader(path)), (e: unknown) => {
      assert.ok(isDecodeError(e));
      assert.equal(e.file, path);
      assert.match(e.message, /not an SSTable.*truncated/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    await assert.rejects(openSst(bytesReader('tiny.sst', new Uint8Array(20))), /file is only 20 bytes.*in tiny\.sst/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('non-SST file (a MANIFEST): "not an SSTable" naming the file', async () => {
  const path = join(STORES, 'movr-v19.2.4/MANIFEST-000008');
  await assert.rejects(openSst(localFileReader(path)), (e: unknown) => {
    assert.ok(isDecodeError(e));
    assert.match(e.message, /^sst: not an SSTable/);
    assert.ok(e.message.includes(path));
    return true;
  });
});

test('describeSst prints format, properties and keys', async () => {
  const lines: string[] = [];
  for await (const l of describeSst(localFileReader(join(STORES, 'rabble-v23.1/000182.sst')), { limit: 3 })) lines.push(l);
  assert.equal(lines[1], 'format: pebble-v3 (table format version 3)');
  assert.equal(lines[2], 'checksum: crc32c');
  assert.ok(lines.includes('  rocksdb.num.entries = 33111'));
  assert.ok(lines.includes('  rocksdb.comparator = cockroach_comparator'));
  assert.equal(lines.filter((l) => /^ {2}SET #0 .* \(value \d+ bytes\)$/.test(l)).length, 3);
  assert.match(lines[lines.length - 1]!, /^compression: Snappy \(blocks read: .*snappy/);
});

test('describeSst on a v7 table with blob references shows where separated values live', async () => {
  let blobLines = 0;
  let keyLines = 0;
  for await (const l of describeSst(localFileReader(join(STORES, 'frt-v25.4.0/000013.sst')), { limit: Infinity })) {
    if (/^ {2}[A-Z]+ #\d+ /.test(l)) keyLines++;
    if (/\(value \d+ bytes in blob reference 0, block \d+, value \d+\)$/.test(l)) blobLines++;
  }
  assert.equal(keyLines, 4618);
  assert.equal(blobLines, 377); // pebble.num.values.in.blob-files of this table
});

test('v7 footer checksum: a flipped footer byte is reported as footer corruption', async () => {
  const bytes = new Uint8Array(await readFile(join(STORES, 'frt-v25.4.0/000018.sst')));
  bytes[bytes.length - 61 + 3]! ^= 0x40; // inside the metaindex/index handles
  await assert.rejects(openSst(bytesReader('frt-18.sst', bytes)), /footer checksum mismatch .*in frt-18\.sst at offset \d+/);
});

test('opening a table costs one ranged read (footer, metaindex and properties together)', async () => {
  const base = localFileReader(join(STORES, 'rabble-v23.1/000187.sst'));
  const reads: Array<[number, number]> = [];
  const counting = {
    name: base.name,
    size: () => base.size(),
    read: (s: number, e: number) => (reads.push([s, e]), base.read(s, e)),
    close: () => base.close!(),
  };
  const sst = await openSst(counting);
  assert.equal(reads.length, 1);
  assert.equal(sst.info.numEntries, 68053n);
  await sst.close();
});

test('random bit flips (checksums on and off) end in a DecodeError or a clean scan, never a crash', async () => {
  let seed = 20261125;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let decodeErrors = 0;
  for (const f of ['musico-v21.2.2/000016.sst', 'frt-v25.4.0/000018.sst']) {
    const orig = new Uint8Array(await readFile(join(STORES, f)));
    for (let i = 0; i < 40; i++) {
      const b = orig.slice();
      for (let j = 0; j < 1 + (i % 4); j++) b[Math.floor(rnd() * b.length)]! ^= 1 << Math.floor(rnd() * 8);
      try {
        const sst = await openSst(bytesReader(f, b), { verifyChecksums: i % 2 === 0 });
        for await (const kv of sst.entries()) void kv;
        for await (const rd of sst.rangeDeletions()) void rd;
      } catch (e) {
        assert.ok(isDecodeError(e), `${f} flip ${i}: ${String(e)}`);
        assert.doesNotMatch(e.message, /\n/);
        decodeErrors++;
      }
    }
  }
  assert.ok(decodeErrors > 20);
});
