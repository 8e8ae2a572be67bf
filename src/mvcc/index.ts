/** MVCC keys, values and newest-version selection (docs/formats.md §4.7, §5.1, §5.9). */
export * from './types.js';
export { decodeEngineKey, decodeMVCCTimestampSuffix, encodeEngineKeyPrefix, compareTimestamps, type EngineKey, type EngineKeyVersion } from './engine-key.js';
export { decodeMVCCValue, decodeMVCCValueHeader, mvccValueIsTombstone, decodeTimestampProto, MVCC_EXTENDED_ENCODING_SENTINEL, type MVCCValue, type MVCCValueHeader } from './mvcc-value.js';
export { decodeMVCCMetadata, decodeLockTableKey, LOCK_TABLE_SINGLE_PREFIX, type MVCCMetadata } from './mvcc-metadata.js';
export { newestVersions, newestVersionBatches, NewestVersionsReducer, newNewestVersionsStats, type EngineKV, type MVCCRangeTombstone, type NewestVersionsOptions, type NewestVersionsStats } from './newest-versions.js';
export { pickSplitKeys, roachKeyOfSeparator, type SplitCandidates, type WeightedKey } from './split-points.js';
