import type { Config } from '../config/keys.js';
import type { ConvertOptions } from '../ddl/convert-schema.js';

/** Schema-conversion options from the configuration (database_mapping, rowid, extensions). */
export function convertOptionsOf(config: Config): ConvertOptions {
  return {
    databaseMapping: config.database_mapping === 'schema' ? { schemaOf: config.postgres_database } : 'database-per-database',
    rowid: config.rowid,
    virtualComputed: 'stored',
    ...(config.extensions ? { extensions: config.extensions } : {}),
  };
}
