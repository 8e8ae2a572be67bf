export { startTempPostgres, type TempPostgres, type TempPostgresOptions } from './temp-postgres.js';
export { findPostgresBinaries, npmPostgresBinDir, type PostgresBinaries } from './find-binaries.js';
