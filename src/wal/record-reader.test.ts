import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readLogRecords, WAL_BLOCK_SIZE } from './record-reader.js';
import { decodeWal } from '../pebble/wal-file.js';
import { writeLog } from './testing/log-writer.js';
import { isDecodeError } from '../util/errors.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));
const load = (p: string): Uint8Array => new Uint8Array(readFileSync(STORES + p));

test('legacy 7-byte chunks (RocksDB 5.17, recipe-wal-v19.1.0): 759 batches with contiguous sequence numbers', () => {
  const w = decodeWal(load('recipe-wal-v19.1.0/000003.log'), '000003.log', 3);
  assert.equal(w.batches.length, 759);
  assert.deepEqual(w.warnings, []);
  assert.equal(w.batches[0]!.seqNum, 1n);
  for (let i = 1; i < w.batches.length; i++) {
    const p = w.batches[i - 1]!;
    assert.equal(w.batches[i]!.seqNum, p.seqNum + BigInt(p.count), `batch ${i}`);
  }
  const last = w.batches.at(-1)!;
  assert.equal(last.seqNum + BigInt(last.count) - 1n, 12455n);
});

test('recyclable 11-byte chunks ending in a Pebble EOF trailer (lain-v20.2.3 000107.log)', () => {
  const bytes = load('lain-v20.2.3/000107.log');
  const w = decodeWal(bytes, '000107.log', 107);
  assert.equal(w.batches.length, 43);
  assert.deepEqual(w.warnings, [], 'the EOF trailer (log 108) ends the log cleanly');
  assert.equal(w.batches[0]!.seqNum, 2467257n);
  // With the wrong log number every chunk looks recycled: nothing is read, and that is a tail, not an error.
  const wrong = decodeWal(bytes, '000107.log', 105);
  assert.equal(wrong.batches.length, 0);
  assert.equal(wrong.warnings.length, 1);
  assert.match(wrong.warnings[0]!, /recycled chunk \(log number 107, file is log 105\)/);
  // Log number + 1 on the first chunk is read as an EOF trailer: an empty log, no warning.
  assert.equal(decodeWal(bytes, '000107.log', 106).batches.length, 0);
});

test('a bad CRC in the middle of a WAL is a DecodeError naming file and offset', () => {
  const bytes = load('recipe-wal-v19.1.0/000003.log').slice();
  // First chunk header at 0: payload starts at 7; flip a payload byte.
  bytes[20] = bytes[20]! ^ 0x01;
  assert.throws(
    () => decodeWal(bytes, 'recipe-wal/000003.log', 3),
    (e: unknown) =>
      isDecodeError(e) &&
      e.file === 'recipe-wal/000003.log' &&
      e.offset === 0 &&
      /checksum mismatch/.test(e.message) &&
      !e.message.includes('\n'),
  );
});

test('a torn tail (file cut inside the last record) ends the log with a warning', () => {
  const full = load('recipe-wal-v19.1.0/000003.log');
  const cut = full.subarray(0, full.length - 100);
  const w = decodeWal(cut, '000003.log', 3);
  assert.ok(w.batches.length === 758 || w.batches.length === 757, `got ${w.batches.length}`);
  assert.equal(w.warnings.length, 1);
  assert.match(w.warnings[0]!, /treated as the end of the log|partial record dropped/);
  // A bad CRC in the very last chunk is also a torn tail.
  const bad = full.slice();
  bad[bad.length - 5] = bad[bad.length - 5]! ^ 0xff;
  const w2 = decodeWal(bad, '000003.log', 3);
  assert.equal(w2.batches.length, 758);
  // MANIFEST mode refuses the same damage.
  assert.throws(
    () => [...readLogRecords(cut, { file: 'M', tolerateTornTail: false, layer: 'manifest' })],
    (e: unknown) => isDecodeError(e) && e.layer === 'manifest',
  );
});

test('records split across blocks at awkward boundaries round-trip (legacy and recyclable)', () => {
  const sizes = [0, 1, WAL_BLOCK_SIZE - 7 - 3, 5, 40000, WAL_BLOCK_SIZE * 2 + 17, 3, 100];
  const recs = sizes.map((n, i) => Uint8Array.from({ length: n }, (_, j) => (i * 31 + j) & 0xff));
  for (const logNumber of [undefined, 42]) {
    const bytes = writeLog(recs, logNumber === undefined ? {} : { logNumber, eofTrailer: true });
    const warnings: string[] = [];
    const got = [...readLogRecords(bytes, { ...(logNumber !== undefined ? { logNumber } : {}), onWarning: (d) => warnings.push(d) })];
    assert.deepEqual(warnings, []);
    assert.equal(got.length, recs.length);
    got.forEach((r, i) => assert.deepEqual(r.payload, recs[i], `record ${i}`));
    // Zero-filled preallocated space after the data is not an error.
    const padded = new Uint8Array(bytes.length + 70000);
    padded.set(bytes);
    assert.equal([...readLogRecords(padded, logNumber !== undefined ? { logNumber } : {})].length, recs.length);
  }
});

test('damage followed by valid blocks is mid-log corruption even for a zeroed header', () => {
  const recs = [new Uint8Array(100).fill(1), new Uint8Array(WAL_BLOCK_SIZE * 2).fill(2), new Uint8Array(10).fill(3)];
  const bytes = writeLog(recs);
  bytes.fill(0, 0, 7); // zero the first header while later blocks stay valid
  bytes[0] = 1;
  assert.throws(
    () => [...readLogRecords(bytes, { file: 'x.log' })],
    (e: unknown) => isDecodeError(e) && e.offset === 0 && e.file === 'x.log',
  );
});
