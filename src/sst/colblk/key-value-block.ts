import { ColumnarBlock } from './block.js';

/**
 * Key/value block (`pebble: sstable/colblk/key_value_block.go`): no custom header; columns key
 * (Bytes) and value (Bytes). Holds the metaindex (format v6+) and the properties block (v7+),
 * also the properties block of v2 blob files. Returns views into the block.
 */
export function decodeColumnarKeyValueBlock(block: Uint8Array, base = 0): Array<[Uint8Array, Uint8Array]> {
  const bd = new ColumnarBlock(block, 0, base, 'key-value block');
  const rows = bd.rows;
  const keys = bd.rawBytes(0);
  const values = bd.rawBytes(1);
  const out = new Array<[Uint8Array, Uint8Array]>(rows);
  for (let i = 0; i < rows; i++) out[i] = [keys.at(i), values.at(i)];
  return out;
}
