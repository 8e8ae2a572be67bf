export { startTempPostgres, type TempPostgres, type TempPostgresOptions } from './temp-postgres.js';
export { findPostgresBinaries, npmPostgresBinDir, npmPostgresPackage, type PostgresBinaries } from './find-binaries.js';
export { onInterrupt, untilInterrupted } from './cleanup.js';
