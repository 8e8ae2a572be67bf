/**
 * Pebble columnar blocks (table formats v5+; docs/formats.md §6.7). Pure decoders over decompressed
 * block bytes; `base` is the block's file offset, used in error messages.
 */
export { decodeColumnarDataBlock, type ColumnarKV } from './data-block.js';
export { decodeColumnarIndexBlock, type ColumnarIndexEntry } from './index-block.js';
export { decodeColumnarKeyValueBlock } from './key-value-block.js';
export { decodeColumnarKeyspanBlock, type ColumnarKeyspanEntry } from './keyspan-block.js';
