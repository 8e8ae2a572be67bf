import { DecodeError } from '../util/errors.js';
import { decodeSnappy } from './snappy.js';
import { decodeZstdBlock } from './zstd.js';

export { decodeSnappy } from './snappy.js';
export { decodeZstdBlock } from './zstd.js';

/**
 * Block compression indicators, the first byte of every block trailer
 * (`pebble: sstable/block/compression.go` `CompressionIndicator`; docs/formats.md §6.3).
 */
export const CompressionIndicator = {
  None: 0,
  Snappy: 1,
  Zlib: 2,
  Bzip2: 3,
  LZ4: 4,
  LZ4HC: 5,
  Xpress: 6,
  Zstd: 7,
  MinLZ: 8,
} as const;

const NAMES = ['none', 'snappy', 'zlib', 'bzip2', 'lz4', 'lz4hc', 'xpress', 'zstd', 'minlz'] as const;

/** Name of a compression indicator ("snappy", "zstd", …, or "unknown(N)"). */
export function compressionName(indicator: number): string {
  return NAMES[indicator] ?? `unknown(${indicator})`;
}

/**
 * Decompresses one block payload (trailer already removed). Returns `data` itself for indicator 0.
 * Throws a DecodeError (layer `compression`, offset relative to `data`) for corrupt input, and for
 * codecs CockroachDB never writes to SSTables or that this tool does not implement.
 */
export function decompressBlock(indicator: number, data: Uint8Array): Uint8Array {
  switch (indicator) {
    case CompressionIndicator.None:
      return data;
    case CompressionIndicator.Snappy:
      return decodeSnappy(data);
    case CompressionIndicator.Zstd:
      return decodeZstdBlock(data);
    case CompressionIndicator.MinLZ:
      throw new DecodeError(
        'compression',
        'block compression minlz (indicator 8, Pebble v6+) is not supported',
        undefined,
        undefined,
        'rewrite the store with snappy or zstd compression (storage.sstable.compression_algorithm), or report this file',
      );
    default:
      throw new DecodeError(
        'compression',
        `block compression ${compressionName(indicator)} (indicator ${indicator}) is not supported`,
        undefined,
        undefined,
        'CockroachDB writes only none, snappy, zstd and minlz; the file may be corrupt or not from CockroachDB',
      );
  }
}
