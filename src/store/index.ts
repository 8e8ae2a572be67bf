/** Raw `cockroach-data` store directories: MANIFEST, WAL replay, merged engine iteration (docs/formats.md §6.9, §7.2). */
export { openStoreDir, type Store, type StoreTable, type StoreBlobFile, type StoreWal } from './open-store.js';
export { openStoreSource, storeSource, type StoreSource } from './store-source.js';
export { decodeManifest, type ManifestVersion } from './manifest.js';
export { decodeVersionEdit, decodeInternalKeyBound, type VersionEdit, type NewTableEntry, type NewBlobFileEntry, type BlobReference, type InternalKeyBound, type ManifestFlavor } from './version-edit.js';
export { locateStoreFiles, type StoreListing } from './locate.js';
export { mergeSources, mergeSourceBatches, resolveVisible, resolveVisibleBatches, newResolveStats, type RankedSource, type RankedBatchSource, type ResolveStats } from './merge.js';
export { fragment, rangeDelCoverage, resolveRangeKeys, type Fragment, type LiveRangeKey } from './fragments.js';
export { Memtable } from './memtable.js';
