import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { bytesReader } from '../../storage/range-reader.js';
import { localFileReader } from '../../storage/local-file.js';
import type { DecodeError } from '../../util/errors.js';
import { decodeColumnarDataBlock } from '../colblk/index.js';
import { openFixtureSst } from '../colblk/testing/fixture-sst.js';
import { decodeBlobHandle, openBlobFile, type BlobFile } from './index.js';
import { readFixtureManifest } from './testing/fixture-manifest.js';

const STORE = new URL('../../../../shared/fixtures/crdb-stores/frt-v25.4.0/', import.meta.url);
const path = (name: string): string => new URL(name, STORE).pathname;
const fileName = (n: number, ext: string): string => `${String(n).padStart(6, '0')}.${ext}`;

test('blob: every blob handle in frt-v25.4.0 resolves through the MANIFEST references', async (t) => {
  const manifest = await readFixtureManifest(path('MANIFEST-000015'));
  // The live version: tables 9 and 13 reference blob files (ID → disk file) 10 and 14.
  assert.deepEqual(
    [...manifest.tableBlobRefs.entries()],
    [
      [9, [10]],
      [13, [14]],
    ],
  );
  assert.deepEqual(
    [...manifest.blobFiles.entries()],
    [
      [10, 10],
      [14, 14],
    ],
  );

  const blobs = new Map<number, BlobFile>();
  const readers = [];
  for (const fileNum of manifest.blobFiles.values()) {
    const r = localFileReader(path(fileName(fileNum, 'blob')));
    readers.push(r);
    blobs.set(fileNum, await openBlobFile(r));
  }
  let resolved = 0;
  let bytes = 0;
  let crossHits = 0;
  for (const [table, refs] of manifest.tableBlobRefs) {
    const sst = await openFixtureSst(path(fileName(table, 'sst')));
    for (const b of sst.dataBlocks) {
      for (const kv of decodeColumnarDataBlock(b.data, b.offset)) {
        if (kv.valuePrefix === undefined) continue;
        assert.equal(kv.valuePrefix & 0xc0, 0x40, 'blob-handle value prefix');
        const h = decodeBlobHandle(kv.value);
        const blobId = refs[h.referenceId];
        assert.ok(blobId !== undefined, `reference ${h.referenceId} of table ${table} is not in the MANIFEST`);
        const file = blobs.get(manifest.blobFiles.get(blobId)!)!;
        const v = await file.readValue(h);
        assert.equal(v.length, h.valueLength);
        // Stored values are MVCCValue-wrapped roachpb.Value bytes: ≥ 5 bytes (checksum + tag).
        assert.ok(v.length >= 5);
        resolved++;
        bytes += v.length;
        // The other blob file must not satisfy the same handle with a value of the same length.
        for (const [num, other] of blobs) {
          if (num === manifest.blobFiles.get(blobId)) continue;
          const hit = await other.readValue(h).then(
            () => true,
            () => false,
          );
          if (hit) crossHits++;
        }
      }
    }
  }
  for (const r of readers) await r.close?.();
  t.diagnostic(`resolved ${resolved} blob handles (${bytes} value bytes); ${crossHits} also fit the other file`);
  assert.equal(resolved, 1775);
  assert.ok(bytes > 0);
  // Some handles happen to fit the other file too (same block/value IDs, same length); that is why
  // the MANIFEST mapping, not trial and error, decides.
  assert.ok(crossHits < resolved);
});

test('blob: footer, index and properties of 000010.blob and 000014.blob', async () => {
  for (const [num, size] of [
    [10, 105259],
    [14, 127590],
  ] as const) {
    const reader = localFileReader(path(fileName(num, 'blob')));
    const f = await openBlobFile(reader);
    assert.equal(f.footer.format, 2);
    assert.equal(f.footer.checksumType, 1);
    assert.equal(f.footer.originalFileNum, BigInt(num));
    assert.equal(f.footer.footerLength, 70);
    assert.ok(f.blockCount >= 1);
    assert.ok(f.footer.indexOffset + f.footer.indexLength + 5 <= size - 70);
    const props = await f.readProperties();
    assert.ok(/Snappy|None/.test(new TextDecoder().decode(props.get('compression_stats'))), 'compression_stats property');
    await reader.close?.();
  }
});

test('blob: decodeBlobHandle', () => {
  assert.deepEqual(decodeBlobHandle(Uint8Array.of(0x00, 0xac, 0x02, 0x03, 0x81, 0x01)), {
    referenceId: 0,
    valueLength: 300,
    blockId: 3,
    valueId: 129,
  });
  assert.throws(
    () => decodeBlobHandle(Uint8Array.of(0x00, 0xac), 40),
    (e: DecodeError) => e.name === 'DecodeError' && e.layer === 'blob' && e.offset !== undefined && e.offset >= 40,
  );
});

test('blob: truncated and corrupted files give clear errors', async () => {
  const bytes = new Uint8Array(await readFile(path('000010.blob')));
  const name = 'cockroach-data/000010.blob';

  // Truncated: the footer magic is gone.
  await assert.rejects(
    openBlobFile(bytesReader(name, bytes.subarray(0, bytes.length - 100))),
    (e: DecodeError) => e.name === 'DecodeError' && e.layer === 'blob' && e.file === name && /magic/.test(e.message),
  );
  await assert.rejects(
    openBlobFile(bytesReader(name, bytes.subarray(0, 5))),
    (e: DecodeError) => e.name === 'DecodeError' && e.file === name,
  );

  // Footer byte flipped: footer checksum mismatch.
  const badFooter = Uint8Array.from(bytes);
  badFooter[bytes.length - 60]! ^= 0xff;
  await assert.rejects(
    openBlobFile(bytesReader(name, badFooter)),
    (e: DecodeError) => e.name === 'DecodeError' && e.file === name && /footer checksum/.test(e.message),
  );

  // A value-block byte flipped: block checksum mismatch naming the block's offset.
  const good = await openBlobFile(bytesReader(name, bytes));
  const sst = await openFixtureSst(path('000009.sst'));
  const first = [...decodeColumnarDataBlock(sst.dataBlocks[0]!.data)].find((kv) => kv.valuePrefix !== undefined)!;
  const h = decodeBlobHandle(first.value);
  assert.equal((await good.readValue(h)).length, h.valueLength);
  const badBlock = Uint8Array.from(bytes);
  badBlock[10]! ^= 0x01; // inside value block 0, which starts at offset 0 (no file header)
  const bad = await openBlobFile(bytesReader(name, badBlock));
  await assert.rejects(
    bad.readValue({ blockId: 0, valueId: 0, valueLength: 0 }),
    (e: DecodeError) => e.name === 'DecodeError' && e.file === name && e.offset === 0 && /checksum mismatch/.test(e.message),
  );

  // A handle that does not fit this file.
  await assert.rejects(
    good.readValue({ blockId: 9999, valueId: 0, valueLength: 1 }),
    (e: DecodeError) => e.name === 'DecodeError' && /has \d+ blocks/.test(e.message),
  );
  await assert.rejects(
    good.readValue({ ...h, valueLength: h.valueLength + 1 }),
    (e: DecodeError) => e.name === 'DecodeError' && /the handle says/.test(e.message),
  );
});
