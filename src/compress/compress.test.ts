import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isDecodeError } from '../util/errors.js';
import { decodeSnappy, decompressBlock } from './index.js';

// snappyjs (a dependency) is used here only as an independent compressor to produce test input.
const snappyjs = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };

const SAMPLE = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/startrek-v1.0.2/000165.sst', import.meta.url));

test('snappy: round-trips literals, short and long copies, overlapping runs', async () => {
  const real = new Uint8Array(await readFile(SAMPLE)).subarray(0, 300_000);
  const inputs: Uint8Array[] = [
    new Uint8Array(0),
    new TextEncoder().encode('a'),
    new Uint8Array(100_000).fill(7), // overlapping copies (offset 1)
    new TextEncoder().encode('tweedledee tweedledum '.repeat(500)),
    Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24), // mostly literals, long literal lengths
    real,
  ];
  for (const input of inputs) {
    assert.deepEqual(decodeSnappy(snappyjs.compress(input)), input);
    assert.deepEqual(decompressBlock(1, snappyjs.compress(input)), input);
  }
});

test('snappy: corrupt input is a DecodeError, not garbage', () => {
  const c = snappyjs.compress(new TextEncoder().encode('hello hello hello hello hello'));
  assert.throws(
    () => decodeSnappy(c.subarray(0, c.length - 3)),
    (e: unknown) => isDecodeError(e) && /snappy/.test(e.message),
  );
  // A copy pointing before the start of the output.
  assert.throws(
    () => decodeSnappy(Uint8Array.of(4, 0x01 | (0 << 2), 0x05)),
    (e: unknown) => isDecodeError(e) && /snappy: corrupt block of 3 bytes declaring 4 .*offset 5/.test(e.message),
  );
  // Declared length larger than what the elements produce.
  assert.throws(
    () => decodeSnappy(Uint8Array.of(9, 0x00, 0x61)),
    (e: unknown) => isDecodeError(e) && /snappy: corrupt block of 3 bytes declaring 9 .*but got 1/.test(e.message),
  );
  // A literal running past the input.
  assert.throws(
    () => decodeSnappy(Uint8Array.of(5, 0x10, 0x61)),
    (e: unknown) => isDecodeError(e) && /snappy: corrupt block/.test(e.message),
  );
  // What comes out is a plain Uint8Array, whose slice() copies (a Buffer's would not).
  const out = decodeSnappy(snappyjs.compress(new TextEncoder().encode('abcabcabc')));
  assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
});

/** A zstd frame holding `content` in one raw block (RFC 8878 §3.1.1): single-segment, 1-byte content size. */
function rawZstdFrame(content: Uint8Array): Uint8Array {
  const n = content.length;
  const hdr = 1 | (0 << 1) | (n << 3); // last block, raw, size n
  return Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, n, hdr & 0xff, (hdr >> 8) & 0xff, (hdr >> 16) & 0xff, ...content);
}

test('zstd block: LEB128 decompressed length, then a zstd frame', () => {
  const content = new TextEncoder().encode('cockroach zstd block');
  const block = Uint8Array.of(content.length, ...rawZstdFrame(content));
  assert.deepEqual(decompressBlock(7, block), content);
  const lying = Uint8Array.of(content.length + 1, ...rawZstdFrame(content));
  assert.throws(
    () => decompressBlock(7, lying),
    (e: unknown) => isDecodeError(e) && /zstd/.test(e.message),
  );
});

test('zstd block: a real compressed frame (zstd CLI output, with checksum)', () => {
  const frame = Buffer.from('28b52ffd04589500006068656c6c6f207a737464200a0100fe8a17a9ebdeff', 'hex');
  const text = 'hello zstd hello zstd hello zstd\n';
  const block = Uint8Array.of(text.length, ...frame);
  assert.equal(new TextDecoder().decode(decompressBlock(7, block)), text);
});

test('none passes through; other codecs are named as not supported', () => {
  const b = Uint8Array.of(1, 2, 3);
  assert.equal(decompressBlock(0, b), b);
  for (const [ind, name] of [
    [2, 'zlib'],
    [3, 'bzip2'],
    [4, 'lz4'],
    [5, 'lz4hc'],
    [6, 'xpress'],
    [8, 'minlz'],
    [42, 'unknown\\(42\\)'],
  ] as const) {
    assert.throws(
      () => decompressBlock(ind, b),
      (e: unknown) => {
        assert.ok(isDecodeError(e));
        assert.match(e.message, new RegExp(`compression ${name} .*not supported`));
        return true;
      },
    );
  }
});
