/**
 * Which PostgreSQL database each CockroachDB database lands in. A target connection string that
 * names a database (postgresql://…/app, dbname=app) receives a one-database migration, as pgloader
 * and pgcopydb users expect; several databases follow database_mapping (each its own database, or
 * schemas of the named one). Every placement is logged.
 */
import type { Config } from '../config/keys.js';
import { connectionStringDatabase } from '../config/connection-string.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import type { Logger } from '../util/logger.js';

/** The database named in postgres_url / --target, if it names one. */
export function namedTargetDatabase(config: Pick<Config, 'postgres_url'>): string | undefined {
  return config.postgres_url === undefined ? undefined : connectionStringDatabase(config.postgres_url);
}

export function placeDatabases(
  dbs: readonly ConvertedDatabase[],
  config: Pick<Config, 'postgres_url' | 'database_mapping'>,
  logger: Pick<Logger, 'info'>,
): ConvertedDatabase[] {
  const named = namedTargetDatabase(config);
  if (config.database_mapping === 'schema') {
    for (const d of dbs)
      logger.info(
        `database ${d.crdbName} → schema(s) ${d.schemas.join(', ')} of PostgreSQL database "${d.pgName}" (database_mapping: schema)`,
      );
    return [...dbs];
  }
  if (named !== undefined && dbs.length === 1) {
    const only = dbs[0]!;
    logger.info(`database ${only.crdbName} → PostgreSQL database "${named}" (named in the target connection string)`);
    return [{ ...only, pgName: named }];
  }
  const why =
    named !== undefined
      ? `database_mapping: database; the target connection string names "${named}", used for the first connection, as ${dbs.length} databases are migrated`
      : 'database_mapping: database';
  for (const d of dbs) logger.info(`database ${d.crdbName} → PostgreSQL database "${d.pgName}" (${why})`);
  return [...dbs];
}
