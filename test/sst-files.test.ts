/**
 * Issue #3 acceptance checks that need more than one module: `cockroach-migrate debug sst` through
 * the real CLI on a RocksDB, a Pebble row-block (v3, plus a built v4) and a columnar v7 table; one
 * corrupted data-block byte, a truncated file and a non-SST file each give one line naming the file
 * and an offset, for every table family and through the store opener; an unknown block compression
 * is named; and a scan's memory does not grow with the file size.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { crc32c } from '@node-rs/crc32';
import { maskCrc } from '../src/sst/checksum.js';
import { openSst } from '../src/sst/reader.js';
import { buildTable, type TestPoint } from '../src/sst/testing/table-builder.js';
import { InternalKeyKind } from '../src/sst/types.js';
import { localFileReader } from '../src/storage/local-file.js';
import type { RangeReader } from '../src/storage/range-reader.js';
import { openStoreSource } from '../src/pebble/store-mvcc.js';
import { isDecodeError, type DecodeError } from '../src/util/errors.js';
import { runCli } from './support/cli.js';

const STORES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/', import.meta.url));
const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-issue3-'));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One table of each family found in the fixtures. */
const TABLES = [
  { family: 'RocksDB block-based v2', file: 'movr-v19.2.4/000007.sst', format: 'rocksdb-v2 (table format version 2)' },
  { family: 'Pebble row blocks v3 (value blocks)', file: 'rabble-v23.1/000182.sst', format: 'pebble-v3 (table format version 3)' },
  { family: 'Pebble columnar v7 (blob references)', file: 'frt-v25.4.0/000013.sst', format: 'pebble-v7 (table format version 7)' },
] as const;

/** Asserts the one-line error shape the issue asks for: names the file, and an offset inside it. */
function assertFileAndOffset(e: unknown, file: string): asserts e is DecodeError {
  assert.ok(isDecodeError(e), `expected a DecodeError, got ${String(e)}`);
  assert.equal(e.file, file);
  assert.equal(typeof e.offset, 'number');
  assert.doesNotMatch(e.message, /\n/);
  assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
  assert.ok(e.message.includes(`at offset ${e.offset}`), `message names the offset: ${e.message}`);
}

async function scanAll(path: string): Promise<number> {
  const sst = await openSst(localFileReader(path), { unresolvedBlobValue: () => new Uint8Array(0) });
  let n = 0;
  try {
    for await (const _kv of sst.entries()) n++;
    for await (const rd of sst.rangeDeletions()) void rd;
  } finally {
    await sst.close();
  }
  return n;
}

for (const t of TABLES) {
  test(`debug sst through the CLI: ${t.family} — format, checksum, compression, properties, readable keys`, async () => {
    const path = join(STORES, t.file);
    const r = await runCli(['debug', 'sst', path, '--limit', '5'], { cwd: fresh() });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `file: ${path} (${readFileSync(path).length} bytes)`);
    assert.equal(lines[1], `format: ${t.format}`);
    assert.equal(lines[2], 'checksum: crc32c');
    // Every property is printed; the count line agrees with the number of property lines.
    const propsAt = lines.findIndex((l) => /^properties \(\d+\):$/.test(l));
    const nProps = Number(/\((\d+)\)/.exec(lines[propsAt]!)![1]);
    const props = lines.slice(propsAt + 1, propsAt + 1 + nProps);
    assert.ok(
      props.every((l) => /^ {2}\S+ = /.test(l)),
      props.join('\n'),
    );
    assert.ok(props.includes('  rocksdb.comparator = cockroach_comparator'));
    const entries = /^ {2}rocksdb\.num\.entries = (\d+)$/m.exec(r.stdout)?.[1];
    assert.ok(entries !== undefined);
    // Keys in CockroachDB's pretty form with their MVCC timestamp, and the shown/total line.
    const keys = lines.filter((l) => /^ {2}(SET|DEL|MERGE|SINGLEDEL) #\d+ /.test(l));
    assert.equal(keys.length, 5);
    for (const k of keys) assert.match(k, /^ {2}[A-Z]+ #\d+ \/(Local|Meta1|Meta2|System|Table)\/\S*.* \(value \d+ bytes/);
    assert.ok(lines.includes(`  … (5 of ${entries} entries shown)`));
    // Compression: the codec declared in the properties and the codecs of the blocks read.
    assert.match(r.stdout, /^compression: \S+ \(blocks read: [a-z, ]*snappy[a-z, ]*\)$/m);
    assert.match(r.stdout, /^ {2}rocksdb\.compression = \S+$/m);
  });
}

test('debug sst through the CLI: known first keys of the RocksDB and the columnar table (ground truth from the files)', async () => {
  const movr = await runCli(['debug', 'sst', join(STORES, 'movr-v19.2.4/000007.sst'), '--limit', '1'], { cwd: fresh() });
  assert.match(movr.stdout, /^ {2}SET #268 \/Local\/RangeID\/1\/r\/lgc- \(value 19 bytes\)$/m);
  const frt = await runCli(['debug', 'sst', join(STORES, 'frt-v25.4.0/000013.sst'), '--limit', '1'], { cwd: fresh() });
  assert.match(frt.stdout, /^ {2}SET #1172 \/Meta1\/Max @1773368758904964000 \(value 38 bytes\)$/m);
});

test('debug sst through the CLI: a built Pebble v4 table (two-level index, zstd) and a LevelDB table', async () => {
  const dir = fresh();
  const points: TestPoint[] = [];
  for (let i = 0; i < 40; i++)
    points.push({ key: `k${String(i).padStart(3, '0')}`, seqNum: BigInt(100 + i), kind: InternalKeyKind.Set, value: `v${i}` });
  for (const [name, opts, format, codec] of [
    [
      'p4.sst',
      { magic: 'pebble', version: 4, compression: 7, entriesPerBlock: 4, indexPartitionSize: 2 },
      'pebble-v4 (table format version 4)',
      'zstd',
    ],
    ['ldb.sst', { magic: 'leveldb', compression: 1 }, 'leveldb (table format version 0)', 'snappy'],
  ] as const) {
    writeFileSync(join(dir, name), await buildTable(points, opts));
    const r = await runCli(['debug', 'sst', name, '--limit', '-1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^format: ${esc(format)}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^compression: .*${codec}`, 'm'));
    // Not engine keys: printed as readable bytes, all 40 of them.
    assert.equal(r.stdout.split('\n').filter((l) => /^ {2}SET #\d+ k\d{3} \(value \d bytes\)$/.test(l)).length, 40);
  }
});

test('debug sst on a corrupt, a truncated and a non-SST file: exit 1, one line naming the file and the offset', async () => {
  const dir = fresh();
  const corrupt = join(dir, 'corrupt.sst');
  const bytes = readFileSync(join(STORES, 'rabble-v23.1/000182.sst'));
  bytes[100]! ^= 0x10;
  writeFileSync(corrupt, bytes);
  const truncated = join(dir, 'truncated.sst');
  cpSync(join(STORES, 'movr-v19.2.4/000007.sst'), truncated);
  chmodSync(truncated, 0o644);
  truncateSync(truncated, 1_000_000);
  const notSst = join(STORES, 'lain-v20.2.3/000107.log');
  for (const [file, what] of [
    [corrupt, /block checksum mismatch/],
    [truncated, /not an SSTable .*truncated/],
    [notSst, /not an SSTable/],
  ] as const) {
    const r = await runCli(['debug', 'sst', file], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    const err = r.stderr.trim().split('\n');
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, what);
    assert.match(err[0]!, new RegExp(`^error: .* in ${esc(file)} at offset \\d+`));
  }
});

for (const t of TABLES) {
  test(`${t.family}: one flipped byte in data block 0, truncation and non-SST files each name file and offset`, async () => {
    const dir = fresh();
    try {
      const orig = readFileSync(join(STORES, t.file));
      // Data block 0 starts at offset 0 in every table format; byte 100 is inside it.
      const corrupt = join(dir, 'corrupt.sst');
      const b = Buffer.from(orig);
      b[100]! ^= 0x01;
      writeFileSync(corrupt, b);
      await assert.rejects(scanAll(corrupt), (e: unknown) => {
        assertFileAndOffset(e, corrupt);
        assert.equal(e.offset, 0);
        assert.match(e.message, /block checksum mismatch/);
        return true;
      });
      // Truncated at several points: the footer is gone, the error points at where it was expected.
      for (const len of [orig.length - 1, Math.floor(orig.length / 2), 60, 0]) {
        const cut = join(dir, `cut-${len}.sst`);
        writeFileSync(cut, orig.subarray(0, len));
        await assert.rejects(scanAll(cut), (e: unknown) => {
          assertFileAndOffset(e, cut);
          assert.match(e.message, /not an SSTable/);
          assert.ok(e.offset! <= len);
          return true;
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('non-SST files of a store (MANIFEST, WAL, OPTIONS, blob file, CURRENT) are "not an SSTable" with file and offset', async () => {
  for (const f of [
    'movr-v19.2.4/MANIFEST-000008',
    'lain-v20.2.3/000107.log',
    'emails-v2.1.4/OPTIONS-000005',
    'frt-v25.4.0/000010.blob',
    'startrek-v1.0.2/CURRENT',
  ]) {
    const path = join(STORES, f);
    await assert.rejects(scanAll(path), (e: unknown) => {
      assertFileAndOffset(e, path);
      assert.match(e.message, /^sst: not an SSTable/);
      return true;
    });
  }
});

test('a corrupted data block inside a store: the store scan fails with one line naming the SST and the offset', async () => {
  const dir = fresh();
  try {
    const store = join(dir, 'store');
    cpSync(join(STORES, 'recipes-v2.1.0'), store, { recursive: true });
    for (const f of readdirSync(store)) chmodSync(join(store, f), 0o644);
    const sst = join(store, '000049.sst');
    const b = readFileSync(sst);
    b[200]! ^= 0x80;
    writeFileSync(sst, b);
    const src = await openStoreSource(store);
    try {
      await assert.rejects(
        (async () => {
          for await (const kv of src.store.entries()) void kv;
        })(),
        (e: unknown) => {
          assertFileAndOffset(e, sst);
          assert.equal(e.offset, 0);
          return true;
        },
      );
    } finally {
      await src.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Finds data block 0's trailer in a row-format table by its checksum (the masked CRC32C over the
 * block and its compression byte), without relying on the reader under test.
 */
function firstBlockTrailer(bytes: Uint8Array): number {
  let running = 0;
  for (let p = 1; p + 5 <= bytes.length && p < 1 << 20; p++) {
    running = crc32c(bytes.subarray(p - 1, p), running);
    const stored = new DataView(bytes.buffer, bytes.byteOffset + p + 1, 4).getUint32(0, true);
    if (maskCrc(crc32c(bytes.subarray(p, p + 1), running) >>> 0) === stored) return p;
  }
  throw new Error('no block trailer found');
}

test('an unknown block compression (valid checksum) is an error naming the codec, the file and the block offset', async () => {
  const dir = fresh();
  try {
    const orig = new Uint8Array(readFileSync(join(STORES, 'movr-v19.2.4/000007.sst')));
    const at = firstBlockTrailer(orig);
    assert.equal(orig[at], 1, 'data block 0 of movr is snappy');
    for (const [indicator, name] of [
      [4, 'lz4'],
      [2, 'zlib'],
      [42, 'unknown(42)'],
    ] as const) {
      const b = orig.slice();
      b[at] = indicator;
      new DataView(b.buffer).setUint32(at + 1, maskCrc(crc32c(b.subarray(0, at + 1)) >>> 0), true);
      const path = join(dir, `codec-${indicator}.sst`);
      writeFileSync(path, b);
      await assert.rejects(scanAll(path), (e: unknown) => {
        assertFileAndOffset(e, path);
        assert.equal(e.offset, 0);
        assert.ok(e.message.includes(`block compression ${name} (indicator ${indicator}) is not supported`), e.message);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A RangeReader that records the largest single read and the bytes read. */
function countingReader(base: RangeReader): RangeReader & { maxRead: number; total: number } {
  const r = {
    name: base.name,
    maxRead: 0,
    total: 0,
    size: () => base.size(),
    read: async (s: number, e: number) => {
      r.maxRead = Math.max(r.maxRead, e - s);
      r.total += e - s;
      return base.read(s, e);
    },
    close: () => base.close?.() ?? Promise.resolve(),
  };
  return r;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Scans a table file, sampling heap + array-buffer memory; returns the peak above the baseline. */
async function scanPeak(path: string): Promise<{ entries: number; peak: number; maxRead: number; total: number }> {
  // Settle first: buffers freed by one collection are released asynchronously.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const mem = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = mem();
  let peak = 0;
  const reader = countingReader(localFileReader(path));
  const sst = await openSst(reader);
  let entries = 0;
  for await (const kv of sst.entries()) {
    void kv;
    if (++entries % 2000 === 0) {
      gc();
      peak = Math.max(peak, mem() - base);
    }
  }
  await sst.close();
  return { entries, peak, maxRead: reader.maxRead, total: reader.total };
}

test('streaming: scanning a 10× larger table reads in bounded pieces and does not use more memory', async (t) => {
  const dir = fresh();
  try {
    // Incompressible 1 KiB values so the file size really scales (about 6 MB and 60 MB).
    let seed = 7;
    const value = (): Uint8Array => {
      const v = new Uint8Array(1024);
      for (let i = 0; i < v.length; i += 4) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        v[i] = seed & 0xff;
        v[i + 1] = (seed >>> 8) & 0xff;
        v[i + 2] = (seed >>> 16) & 0xff;
        v[i + 3] = seed >>> 24;
      }
      return v;
    };
    const sizes: Record<string, number> = {};
    for (const [name, n] of [
      ['small.sst', 6_000],
      ['large.sst', 60_000],
    ] as const) {
      const pts: TestPoint[] = [];
      for (let i = 0; i < n; i++)
        pts.push({ key: `key-${String(i).padStart(8, '0')}`, seqNum: BigInt(i + 1), kind: InternalKeyKind.Set, value: value() });
      const bytes = await buildTable(pts, { magic: 'rocksdb', compression: 1, entriesPerBlock: 16 });
      writeFileSync(join(dir, name), bytes);
      sizes[name] = bytes.length;
    }
    assert.ok(sizes['large.sst']! > 9 * sizes['small.sst']! && sizes['large.sst']! > 50e6, JSON.stringify(sizes));
    const small = await scanPeak(join(dir, 'small.sst'));
    const large = await scanPeak(join(dir, 'large.sst'));
    t.diagnostic(
      `file bytes ${JSON.stringify(sizes)}; peak memory above baseline: small ${small.peak}, large ${large.peak}; largest read ${large.maxRead}`,
    );
    assert.equal(small.entries, 6_000);
    assert.equal(large.entries, 60_000);
    // Every byte is read about once, in pieces no larger than the read-ahead window.
    assert.ok(large.total < sizes['large.sst']! * 1.1, `read ${large.total} of ${sizes['large.sst']}`);
    assert.ok(large.maxRead <= 1 << 20, `largest read ${large.maxRead} bytes`);
    // Memory held during the scan is bounded by a few blocks, not by the file: the 60 MB scan
    // peaks within a few MB of the 6 MB one, far below the file size.
    assert.ok(large.peak < 16 << 20, `peak ${large.peak} bytes above baseline while scanning ${sizes['large.sst']} bytes`);
    assert.ok(large.peak < small.peak + (12 << 20), `small peak ${small.peak}, large peak ${large.peak}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
