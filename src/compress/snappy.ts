import { createRequire } from 'node:module';
import { DecodeError } from '../util/errors.js';
import { maxSnappyOutput } from './limits.js';

interface SnappyBinding {
  uncompressSync(input: Uint8Array, options: { asBuffer: true; copyOutputData?: boolean }): Buffer;
}
let binding: SnappyBinding | undefined;

/**
 * The `snappy` package (napi-rs bindings of the Rust `snap` crate, prebuilt per platform, no
 * install script), loaded at the first Snappy block: a platform without a prebuilt binary fails
 * there with one line naming it, and backups without Snappy blocks never need it.
 */
function snappyBinding(): SnappyBinding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('snappy') as SnappyBinding;
    return binding;
  } catch (e) {
    throw new DecodeError(
      'compression',
      `snappy: the snappy package has no binary for ${process.platform}-${process.arch} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
      undefined,
      undefined,
      'reinstall with `npm ci` on this platform (npm picks the prebuilt @napi-rs/snappy-* package that matches it)',
    );
  }
}

/**
 * Raw (unframed) Snappy block decoding — the format of Snappy-compressed SSTable blocks
 * (compression indicator 1, docs/formats.md §6.3). Layout: LEB128 uncompressed length, then
 * literal and copy elements.
 *
 * The decompression itself is the `snappy` package's (≈ 4× the hand-written JavaScript decoder
 * it replaced: `node --import tsx bench/snappy-decode.ts`). The declared length is read here and
 * checked against what `data` can possibly produce ({@link maxSnappyOutput}) before anything is
 * allocated: a few bytes declaring a gigabyte are refused at once. The decoder checks that the
 * elements produce exactly the declared length and stay inside what was decoded.
 */
export function decodeSnappy(data: Uint8Array, maxLength = maxSnappyOutput(data.length)): Uint8Array {
  const n = data.length;
  let pos = 0;
  let length = 0;
  let shift = 0;
  for (;;) {
    if (pos >= n || shift > 28) throw snappyError('bad uncompressed-length varint', pos);
    const b = data[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (length > maxLength) {
    throw snappyError(
      `declared uncompressed length ${length} exceeds the limit ${maxLength} (the most ${n} compressed bytes can produce, at most 256 MiB)`,
      0,
    );
  }
  let out: Buffer;
  try {
    // copyOutputData: the output lives in memory V8 counts, so the garbage collector frees blocks
    // as fast as a scan drops them (the zero-copy default doubled a scan's RSS); the copy is cheap.
    out = snappyBinding().uncompressSync(data, { asBuffer: true, copyOutputData: true });
  } catch (e) {
    throw snappyError(`corrupt block of ${n} bytes declaring ${length} (${e instanceof Error ? e.message : String(e)})`, 0);
  }
  if (out.length !== length) throw snappyError(`decoded ${out.length} bytes, header says ${length}`, 0);
  // A plain Uint8Array view, as every other block source gives (Buffer's slice() would not copy).
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function snappyError(detail: string, offset: number): DecodeError {
  return new DecodeError('compression', `snappy: ${detail}`, undefined, offset);
}
