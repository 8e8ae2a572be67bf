import { decompress } from 'fzstd';
import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';

/**
 * Zstd-compressed SSTable block (compression indicator 7, docs/formats.md §6.3): LEB128
 * decompressed length followed by one zstd frame (`pebble: internal/compression/zstd.go`;
 * RocksDB's "compress_format_version 2" has the same shape).
 */
export function decodeZstdBlock(data: Uint8Array): Uint8Array {
  const r = new ByteReader(data, 'compression');
  const length = r.uvarint();
  let got: Uint8Array;
  try {
    // No output buffer: fzstd then sizes the output from the frame, so a wrong length is detectable.
    got = decompress(data.subarray(r.pos));
  } catch (e) {
    throw new DecodeError('compression', `zstd: ${(e as Error).message}`, undefined, r.pos, undefined, { cause: e });
  }
  if (got.length !== length) {
    throw new DecodeError('compression', `zstd: decoded ${got.length} bytes, header says ${length}`, undefined, 0);
  }
  return got;
}
