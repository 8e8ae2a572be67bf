import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeManifest } from './manifest.js';
import { locateStoreFiles } from './locate.js';
import { isDecodeError } from '../util/errors.js';
import { printableBytes } from '../util/bytes.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));
const load = (p: string): Uint8Array => new Uint8Array(readFileSync(STORES + p));
const levelsOf = (v: ReturnType<typeof decodeManifest>): string[] => v.levels.flatMap((l, i) => l.map((t) => `L${i}:${t.fileNum}`));

test('RocksDB 5.1 MANIFEST (startrek-v1.0.2): one L6 table, log number 163', () => {
  const v = decodeManifest(load('startrek-v1.0.2/MANIFEST-000137'), 'MANIFEST-000137', 'rocksdb');
  assert.equal(v.comparator, 'cockroach_comparator');
  assert.deepEqual(levelsOf(v), ['L6:165']);
  assert.equal(v.logNumber, 163n);
  assert.equal(v.nextFileNumber, 166n);
  assert.equal(v.lastSequence, 1224760n);
  const t = v.levels[6]![0]!;
  assert.equal(t.largestSeqNum, 1004891n);
  assert.ok(t.smallest && t.largest && printableBytes(t.smallest.userKey) < printableBytes(t.largest.userKey));
});

test('RocksDB MANIFEST with L0 over L6 (recipes-v2.1.0) and the stale prepear MANIFEST', () => {
  const r = decodeManifest(load('recipes-v2.1.0/MANIFEST-000043'), 'MANIFEST-000043', 'rocksdb');
  assert.deepEqual(levelsOf(r), ['L0:51', 'L6:49']);
  assert.equal(r.levels[0]![0]!.smallestSeqNum, 1532312n);
  const p = decodeManifest(load('prepear-v19.1.0/MANIFEST-000008'), 'MANIFEST-000008', 'rocksdb');
  assert.deepEqual(levelsOf(p), ['L0:9'], 'only knows 000009, which is not on disk');
  assert.equal(p.nextFileNumber, 10n);
});

test('Pebble v25.4 MANIFEST (frt-v25.4.0): blob files and per-table blob references', () => {
  const v = decodeManifest(load('frt-v25.4.0/MANIFEST-000015'), 'MANIFEST-000015', 'pebble');
  assert.deepEqual(levelsOf(v), ['L6:9', 'L6:13', 'L6:18']);
  assert.deepEqual(
    [...v.blobFiles.values()].map((b) => [b.fileID, b.diskFileNum, b.size]),
    [
      [10n, 10n, 105259n],
      [14n, 14n, 127590n],
    ],
  );
  const byNum = new Map(v.levels[6]!.map((t) => [t.fileNum, t]));
  assert.deepEqual(
    byNum.get(9n)!.blobReferences.map((r) => r.fileID),
    [10n],
  );
  assert.deepEqual(
    byNum.get(13n)!.blobReferences.map((r) => r.fileID),
    [14n],
  );
  assert.deepEqual(byNum.get(18n)!.blobReferences, []);
  assert.equal(v.logNumber, 8n);
});

test('Pebble MANIFEST with 63 edits (rabble-v23.1): eight live L6 tables', () => {
  const v = decodeManifest(load('rabble-v23.1/MANIFEST-000020'), 'MANIFEST-000020', 'pebble');
  assert.equal(v.editCount, 63);
  assert.deepEqual(levelsOf(v), ['L6:180', 'L6:181', 'L6:182', 'L6:183', 'L6:184', 'L6:185', 'L6:186', 'L6:187']);
  assert.equal(v.logNumber, 177n);
});

test('a truncated MANIFEST is a one-line DecodeError naming the file', () => {
  const bytes = load('spyserver-v20.1.2/MANIFEST-000122');
  for (const cut of [bytes.length - 3, 200, 5]) {
    assert.throws(
      () => decodeManifest(bytes.subarray(0, cut), 'spyserver/MANIFEST-000122', 'rocksdb'),
      (e: unknown) =>
        isDecodeError(e) &&
        e.layer === 'manifest' &&
        e.message.includes('spyserver/MANIFEST-000122') &&
        e.offset !== undefined &&
        !e.message.includes('\n'),
      `cut at ${cut}`,
    );
  }
  assert.throws(
    () => decodeManifest(new Uint8Array(0), 'EMPTY', 'pebble'),
    (e: unknown) => isDecodeError(e) && /no version edit/.test(e.message),
  );
});

test('locate: marker beats a stale CURRENT; CURRENT alone; flavour from OPTIONS', () => {
  const names = (d: string): string[] => readdirSync(STORES + d);
  const text = (p: string): string => readFileSync(STORES + p, 'utf8');
  const musico = locateStoreFiles(names('musico-v21.2.2'), text('musico-v21.2.2/CURRENT'), text('musico-v21.2.2/OPTIONS-000015'));
  assert.equal(musico.manifest, 'MANIFEST-000014');
  assert.equal(musico.manifestVia, 'marker');
  assert.equal(musico.flavor, 'pebble');
  // Its CURRENT still names MANIFEST-000000, as Pebble leaves it: normal, so no warning.
  assert.deepEqual(musico.warnings, []);
  assert.deepEqual([...musico.logs.keys()], [13n, 17n]);
  const frt = locateStoreFiles(names('frt-v25.4.0'), undefined, text('frt-v25.4.0/OPTIONS-000017'));
  assert.equal(frt.manifest, 'MANIFEST-000015');
  assert.deepEqual([...frt.blobs.keys()], [10n, 14n]);
  const st = locateStoreFiles(names('startrek-v1.0.2'), text('startrek-v1.0.2/CURRENT'), text('startrek-v1.0.2/OPTIONS-000140'));
  assert.equal(st.manifest, 'MANIFEST-000137');
  assert.equal(st.manifestVia, 'CURRENT');
  assert.equal(st.flavor, 'rocksdb');
});
