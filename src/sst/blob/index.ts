/** Pebble blob files (value separation; docs/formats.md §6.8). */
export { decodeBlobHandle, type BlobHandle } from './handle.js';
export { openBlobFile, type BlobFile, type BlobValueRef } from './file.js';
export { decodeBlobFooter, type BlobFooter } from './footer.js';
export { decodeBlobIndexBlock, type BlobIndex } from './index-block.js';
