/** WAL and record-log decoding (docs/formats.md §6.10). */
export { readLogRecords, maskCrc, WAL_BLOCK_SIZE, type LogRecord, type ReadRecordsOptions } from './record-reader.js';
export { decodeBatch, BATCH_HEADER_SIZE, type WalBatch } from './batch.js';
export { decodeRangeKeyValue } from './range-key.js';
export { decodeWal, readWalFile, walLogNumber, type WalContents } from './wal-file.js';
