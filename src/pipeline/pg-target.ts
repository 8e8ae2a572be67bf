/** A PostgreSQL server to load into: the temporary test instance or the user's target. */
import pg from 'pg';
import type { Config } from '../config/keys.js';
import { quoteIdent } from '../util/sql-quote.js';
import type { TempPostgres } from '../pg-instance/index.js';
import type { TargetLabel } from '../report/model.js';
import { LoadError } from '../util/errors.js';

export interface PgServer {
  readonly label: TargetLabel;
  /** host:port and user, never the password. */
  readonly description: string;
  /** Database used to create the others. */
  readonly maintenanceDb: string;
  clientConfig(database: string): pg.ClientConfig;
}

export function targetServer(cfg: Config): PgServer {
  return {
    label: 'target',
    description: `${cfg.postgres_username}@${cfg.postgres_host}:${cfg.postgres_port}`,
    maintenanceDb: cfg.postgres_database,
    clientConfig: (database) => ({
      host: cfg.postgres_host,
      port: cfg.postgres_port,
      user: cfg.postgres_username,
      password: cfg.postgres_password,
      database,
      connectionTimeoutMillis: 15_000,
    }),
  };
}

export function testInstanceServer(instance: TempPostgres, label: TargetLabel = 'test instance'): PgServer {
  return {
    label,
    description: `temporary PostgreSQL ${instance.binaries.majorVersion} on 127.0.0.1:${instance.port} (${instance.dataDir})`,
    maintenanceDb: 'postgres',
    clientConfig: (database) => instance.clientConfig(database),
  };
}

/** Connects, turning the usual failures into one line naming the server and the fix. */
export async function connectTo(server: PgServer, database: string): Promise<pg.Client> {
  const client = new pg.Client(server.clientConfig(database));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    const err = e as NodeJS.ErrnoException & { code?: string };
    const where = `${server.label} PostgreSQL ${server.description}, database "${database}"`;
    switch (err.code) {
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EHOSTUNREACH':
      case 'ETIMEDOUT':
        throw new LoadError(`cannot reach ${where}: ${err.code}`, 'check postgres_host / postgres_port and that the server is running', { cause: e });
      case '28P01':
      case '28000':
        throw new LoadError(`${where} refused the login: ${err.message}`, 'check postgres_username / postgres_password (or PGUSER / PGPASSWORD)', { cause: e });
      case '3D000':
        throw new LoadError(`${where} does not exist`, 'set postgres_database to an existing database (used for the first connection)', { cause: e });
      default:
        throw new LoadError(`cannot connect to ${where}: ${err.message}`, undefined, { cause: e });
    }
  }
  client.on('error', () => undefined);
  return client;
}

/** Creates the database unless it exists; returns true when it was created. */
export async function ensureDatabase(server: PgServer, name: string): Promise<boolean> {
  const admin = await connectTo(server, server.maintenanceDb);
  try {
    const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount) return false;
    // template0 + UTF8: independent of the server's default template and locale.
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
    return true;
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(server: PgServer, name: string): Promise<void> {
  const admin = await connectTo(server, server.maintenanceDb);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
