import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { readBackup } from '../src/backup/read-backup.js';
import { MAX_MANIFEST_BYTES } from '../src/backup/read-manifest.js';
import { decompressBlock } from '../src/compress/index.js';
import { isDecodeError } from '../src/util/errors.js';

// Decompression bombs: small inputs that inflate to gigabytes. Each must fail with one line naming
// the limit, in bounded memory: the process's peak RSS (getrusage maxrss, which only grows) may rise
// by little more than the limit. Tests run smallest first so that each sees its own growth.
const MiB = 1024 * 1024;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const oneLine =
  (re: RegExp) =>
  (e: unknown): boolean => {
    assert.ok(isDecodeError(e), String(e));
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  };

test('zstd block: run-length blocks inflating to 1 GiB under a 32 KiB declared length fail after one block', () => {
  // Frame header: magic, FHD 0 (no content size, not single segment), window 128 KiB (WD 7<<3).
  // Then 8192 RLE blocks of 128 KiB each (3-byte header + 1 byte): 32 KiB of input, 1 GiB of output.
  const blocks = 8192;
  const frame = new Uint8Array(6 + blocks * 4);
  frame.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]);
  for (let i = 0; i < blocks; i++) {
    const hdr = (i === blocks - 1 ? 1 : 0) | (1 << 1) | (131072 * 8); // last?, RLE, size 128 KiB
    frame.set([hdr & 0xff, (hdr >>> 8) & 0xff, (hdr >>> 16) & 0xff, 0x61], 6 + i * 4);
  }
  const before = peakRss();
  assert.throws(
    () => decompressBlock(7, Uint8Array.from([...uvarint(32 * 1024), ...frame])),
    oneLine(/zstd: output passes the declared length 32768/),
  );
  const grown = peakRss() - before;
  assert.ok(grown < 64 * MiB, `peak RSS grew by ${Math.round(grown / MiB)} MiB`);
  // A frame stating a huge content size is refused before anything is allocated.
  const huge = Uint8Array.from([...uvarint(2 ** 30), 0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x40, 0x01, 0x00, 0x00]);
  assert.throws(() => decompressBlock(7, huge), oneLine(/zstd: declared length 1073741824 exceeds the limit/));
});

test('snappy block: a few bytes declaring 1 GiB are refused before allocating', () => {
  const before = peakRss();
  const block = Uint8Array.from([...uvarint(2 ** 30 - 1), 0x00, 0x61]); // declares 1 GiB, holds one literal byte
  assert.throws(() => decompressBlock(1, block), oneLine(/snappy: declared uncompressed length 1073741823 exceeds the limit 150 /));
  const grown = peakRss() - before;
  assert.ok(grown < 64 * MiB, `peak RSS grew by ${Math.round(grown / MiB)} MiB`);
});

test('gzip manifest: 1 MiB on disk inflating to 1.1 GiB stops at the manifest limit, naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gzip-bomb-'));
  dirs.push(dir);
  // A multi-member gzip file (RFC 1952 §2.2; gunzip reads every member): one 1 MiB member of zeros
  // (about 1 KiB compressed) written 1100 times through a stream.
  const member = gzipSync(Buffer.alloc(MiB), { level: 9 });
  const out = createWriteStream(join(dir, 'BACKUP_MANIFEST'));
  for (let i = 0; i < 1100; i++) if (!out.write(member)) await new Promise<void>((r) => out.once('drain', () => r()));
  out.end();
  await finished(out);
  assert.ok((await stat(join(dir, 'BACKUP_MANIFEST'))).size < 2 * MiB);

  const before = peakRss();
  await assert.rejects(
    () => readBackup(dir),
    oneLine(new RegExp(`gzip inflates past the limit of ${MAX_MANIFEST_BYTES} bytes .* in .*BACKUP_MANIFEST`)),
  );
  const grown = peakRss() - before;
  // Without the bound, gunzip holds the whole 1.1 GiB (and a second copy while joining chunks).
  assert.ok(grown < MAX_MANIFEST_BYTES + 256 * MiB, `peak RSS grew by ${Math.round(grown / MiB)} MiB`);
});
