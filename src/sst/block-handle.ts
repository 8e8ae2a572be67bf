import { ByteReader } from '../util/byte-reader.js';

/**
 * A block's location: LEB128 offset and LEB128 length, the length excluding the 5-byte trailer
 * (`pebble: sstable/block/block.go` `Handle`; docs/formats.md §6.3). Numbers, not bigints: a file
 * offset above 2^53 cannot occur, and `uvarint()` refuses one.
 */
export interface BlockHandle {
  readonly offset: number;
  readonly length: number;
}

/** Size of the compression-indicator + checksum trailer after every block. */
export const BLOCK_TRAILER_LEN = 5;

/** Decodes a handle at the reader's position, advancing it. */
export function readBlockHandle(r: ByteReader): BlockHandle {
  const offset = r.uvarint();
  const length = r.uvarint();
  return { offset, length };
}

/**
 * Decodes an index-entry value: handle, then (v1+ tables) encoded block properties, returned raw
 * (`pebble: sstable/block/block.go` `DecodeHandleWithProperties`).
 */
export function decodeHandleWithProps(value: Uint8Array, base = 0): { handle: BlockHandle; props: Uint8Array } {
  const r = new ByteReader(value, 'sst', base);
  const handle = readBlockHandle(r);
  return { handle, props: value.subarray(r.pos) };
}
