/**
 * SSTable reading (docs/formats.md §6): every table format CockroachDB has written, streamed
 * block by block through a RangeReader. Columnar block decoding lives in `./colblk/`, blob files
 * in `./blob/`; they are loaded on demand by the reader.
 */
export { openSst } from './reader.js';
export { describeSst, kindName, type DescribeSstOptions } from './describe.js';
export { compareEngineKeys, comparerFor, type UserKeyCompare } from './comparer.js';
export { decodeFooter, type Footer, type TableMagic } from './footer.js';
export { decodeProperties, type Properties } from './properties.js';
export type {
  BlobHandleInfo,
  BlobReferenceResolver,
  CompressionName,
  DataBlockIndexEntry,
  InternalKV,
  KeyBounds,
  OpenSstOptions,
  RangeDeletion,
  RangeKeySpan,
  SstInfo,
  SstReader,
  SstReadStats,
} from './types.js';
export { InternalKeyKind } from './types.js';
