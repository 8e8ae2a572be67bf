/**
 * cockroach-migrate as a library. Every export is named; everything else is internal.
 */
export { migrate, type MigrateRequest, type LoadStartEvent } from './pipeline/migrate.js';
export { verifyOnly } from './pipeline/verify-only.js';
export { openSource } from './source/open-source.js';
export type { MigrationSource } from './source/migration-source.js';
export { resolveConfig, loadConfig, readConfigFile, type LoadedConfig } from './config/load-config.js';
export { CONFIG_KEYS, type Config, type ConfigKey } from './config/keys.js';
export { convertSchema, type ConvertedSchema, type ConvertedDatabase, type ConvertOptions, type Decision } from './ddl/convert-schema.js';
export { convertSchemaText } from './ddl/convert-schema-text.js';
export { startTempPostgres, type TempPostgres, type TempPostgresOptions } from './pg-instance/index.js';
export { createLogger, silentLogger, type Logger } from './util/logger.js';
export type { Catalog, Table, Column, Index, Sequence, EnumType, View } from './model/catalog.js';
export type { SqlType } from './model/sql-type.js';
export type { Datum } from './encoding/datum.js';
export type { MigrationReport, TableReport, Verdict } from './report/model.js';
export { MigrateError, DecodeError, ConfigError, StorageError, SchemaError, LoadError } from './util/errors.js';
