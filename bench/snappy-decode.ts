/**
 * Snappy block decoding speed: ours (src/compress/snappy.ts: the native `snappy` package behind our
 * length checks) against snappyjs (pure JavaScript), on the real Snappy data blocks of fixture SSTs,
 * interleaved, best of N rounds.
 *
 *   node --import tsx bench/snappy-decode.ts [file.sst …]
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeSnappy } from '../src/compress/index.js';
import { decodeHandleWithProps } from '../src/sst/block-handle.js';
import { decodeBlock } from '../src/sst/block-read.js';
import { decodeFooter, MAX_FOOTER_LEN } from '../src/sst/footer.js';
import { decodeRowBlockPairs } from '../src/sst/rowblk.js';
import { localFileReader } from '../src/storage/local-file.js';
import { readAll } from '../src/storage/range-reader.js';

const snappyjs = createRequire(import.meta.url)('snappyjs') as { uncompress(b: Uint8Array): Uint8Array };
const STORES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/', import.meta.url));
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['movr-v19.2.4/000007.sst', 'startrek-v1.0.2/000165.sst', 'rabble-v23.1/000181.sst', 'rabble-v23.1/000187.sst'].map(
        (f) => STORES + f,
      );

const payloads: Uint8Array[] = [];
for (const file of files) {
  const fr = localFileReader(file);
  const bytes = await readAll(fr);
  await fr.close?.();
  const footer = decodeFooter(bytes.subarray(bytes.length - MAX_FOOTER_LEN), bytes.length);
  const ih = footer.index;
  const index = decodeBlock(bytes.subarray(ih.offset, ih.offset + ih.length + 5), ih, footer.checksumType, true).data;
  for (const [, v] of decodeRowBlockPairs(index)) {
    const h = decodeHandleWithProps(v).handle;
    if (bytes[h.offset + h.length] === 1) payloads.push(bytes.subarray(h.offset, h.offset + h.length));
  }
}
let total = 0;
for (const p of payloads) {
  const a = decodeSnappy(p);
  const b = snappyjs.uncompress(p);
  if (Buffer.compare(a, b) !== 0) throw new Error('decoders disagree');
  total += a.length;
}
const best = { own: Infinity, js: Infinity };
for (let r = 0; r < 40; r++) {
  let t0 = performance.now();
  for (const p of payloads) decodeSnappy(p);
  best.own = Math.min(best.own, performance.now() - t0);
  t0 = performance.now();
  for (const p of payloads) snappyjs.uncompress(p);
  best.js = Math.min(best.js, performance.now() - t0);
}
const mbs = (ms: number): string => (total / (ms / 1000) / 1e6).toFixed(0);
console.log(
  `${payloads.length} Snappy data blocks, ${(total / 1e6).toFixed(1)} MB decompressed: ours ${mbs(best.own)} MB/s, snappyjs ${mbs(best.js)} MB/s`,
);
