import { Decompress } from 'fzstd';
import { ByteReader } from '../util/byte-reader.js';
import { concatBytes } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { MAX_BLOCK_BYTES } from './limits.js';

/**
 * Largest window accepted for a frame that does not state its content size. Pebble's streaming
 * writer (level 3, size not pledged) uses libzstd's 2 MiB window; the decoder allocates the
 * window up front, so a larger one than the block needs is refused.
 */
const MAX_WINDOW_WITHOUT_SIZE = 8 * 1024 * 1024;

/** Window size and content size from a zstd frame header (RFC 8878 §3.1.1.1), or undefined if not a frame. */
function frameHeader(data: Uint8Array): { window: number; contentSize: number | undefined } | undefined {
  if (data.length < 6 || data[0] !== 0x28 || data[1] !== 0xb5 || data[2] !== 0x2f || data[3] !== 0xfd) return undefined;
  const fhd = data[4]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  let pos = 5;
  let window = 0;
  if (!singleSegment) {
    const wd = data[pos++]!;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  pos += dictBytes;
  if (pos + fcsBytes > data.length) return undefined;
  let contentSize: number | undefined;
  if (fcsBytes > 0) {
    contentSize = 0;
    for (let i = 0; i < fcsBytes; i++) contentSize += data[pos + i]! * 2 ** (8 * i);
    if (fcsBytes === 2) contentSize += 256;
  }
  return { window: singleSegment ? (contentSize ?? 0) : window, contentSize };
}

/**
 * Zstd-compressed SSTable block (compression indicator 7, docs/formats.md §6.3): LEB128
 * decompressed length followed by one zstd frame (`pebble: internal/compression/zstd.go`;
 * RocksDB's "compress_format_version 2" has the same shape).
 *
 * The declared length bounds the work: it must be at most {@link MAX_BLOCK_BYTES}, agree with the
 * frame's content size when the frame states one, and decoding stops as soon as the output passes
 * it — a small block of run-length blocks that would inflate to gigabytes fails after one window.
 */
export function decodeZstdBlock(data: Uint8Array): Uint8Array {
  const r = new ByteReader(data, 'compression');
  const length = r.uvarint();
  const fail = (detail: string, offset: number, cause?: unknown): DecodeError =>
    new DecodeError('compression', `zstd: ${detail}`, undefined, offset, undefined, cause === undefined ? undefined : { cause });
  if (length > MAX_BLOCK_BYTES) throw fail(`declared length ${length} exceeds the limit ${MAX_BLOCK_BYTES} (256 MiB)`, 0);
  const frame = data.subarray(r.pos);
  const head = frameHeader(frame);
  if (!head) throw fail('invalid zstd data (no frame header)', r.pos);
  if (head.contentSize !== undefined && head.contentSize !== length) {
    throw fail(`frame content size ${head.contentSize} differs from the declared length ${length}`, r.pos);
  }
  const windowLimit = Math.max(length, MAX_WINDOW_WITHOUT_SIZE);
  if (head.window > windowLimit) throw fail(`window of ${head.window} bytes exceeds the limit ${windowLimit}`, r.pos);
  const chunks: Uint8Array[] = [];
  let got = 0;
  const over = new Error('output exceeds the declared length');
  try {
    // Streaming, so the output is counted block by block instead of being collected unbounded.
    const d = new Decompress((chunk) => {
      got += chunk.length;
      if (got > length) throw over;
      chunks.push(chunk.slice());
    });
    d.push(frame, true);
  } catch (e) {
    if (e === over) throw fail(`output passes the declared length ${length}`, r.pos);
    throw fail((e as Error).message, r.pos, e);
  }
  if (got !== length) throw fail(`decoded ${got} bytes, header says ${length}`, 0);
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}
