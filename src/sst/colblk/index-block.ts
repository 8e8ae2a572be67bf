import { ColumnarBlock } from './block.js';

/** One index entry: separator user key → block handle (+ encoded block properties). Views into the block. */
export interface ColumnarIndexEntry {
  separator: Uint8Array;
  offset: bigint;
  length: bigint;
  props: Uint8Array;
}

/**
 * Index block (`pebble: sstable/colblk/index_block.go`): no custom header; columns separator
 * (Bytes), offset (Uint), length (Uint, excluding the 5-byte trailer), block properties (Bytes).
 * Used for single-level indexes and both levels of two-level indexes (the top level's handles
 * point at index blocks).
 */
export function decodeColumnarIndexBlock(block: Uint8Array, base = 0): ColumnarIndexEntry[] {
  const bd = new ColumnarBlock(block, 0, base, 'index block');
  const rows = bd.rows;
  const seps = bd.rawBytes(0);
  const offsets = bd.uints(1);
  const lengths = bd.uints(2);
  const props = bd.rawBytes(3);
  const out: ColumnarIndexEntry[] = new Array<ColumnarIndexEntry>(rows);
  for (let i = 0; i < rows; i++) {
    out[i] = { separator: seps.at(i), offset: offsets.at(i), length: lengths.at(i), props: props.at(i) };
  }
  return out;
}
