/** A PostgreSQL server to load into: the temporary test instance or the user's target. */
import { createRequire } from 'node:module';
import pg from 'pg';
import type { Config } from '../config/keys.js';
import { quoteIdent } from '../util/sql-quote.js';
import type { TempPostgres } from '../pg-instance/index.js';
import type { TargetLabel } from '../report/model.js';
import { LoadError } from '../util/errors.js';
import { NO_TLS, sslOptions, targetTls, tlsAttempts, type TargetTls } from './target-tls.js';

/** Where and how to connect: plain data (it crosses to the loader's worker threads). */
export interface PgConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** "" = look it up in the password file (PGPASSFILE, else ~/.pgpass) when the server asks. */
  readonly password: string;
  readonly database: string;
  readonly tls: TargetTls;
}

export interface PgServer {
  readonly label: TargetLabel;
  /** host:port and user, never the password. */
  readonly description: string;
  /** Database used to create the others. */
  readonly maintenanceDb: string;
  clientConfig(database: string): PgConnectionSettings;
}

/**
 * Whether the server runs on this machine, sharing its cores with the decoding: a loopback address
 * or a Unix-socket folder (the temporary test instance is on 127.0.0.1).
 */
export function onThisMachine(server: PgServer): boolean {
  const host = server.clientConfig(server.maintenanceDb).host;
  return host.startsWith('/') || host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function targetServer(cfg: Config): PgServer {
  const tls = targetTls(cfg);
  return {
    label: 'target',
    description: `${cfg.postgres_username}@${cfg.postgres_host}:${cfg.postgres_port} (sslmode ${tls.sslmode})`,
    maintenanceDb: cfg.postgres_database,
    clientConfig: (database) => ({
      host: cfg.postgres_host,
      port: cfg.postgres_port,
      user: cfg.postgres_username,
      password: cfg.postgres_password,
      database,
      tls,
    }),
  };
}

export function testInstanceServer(instance: TempPostgres, label: TargetLabel = 'test instance'): PgServer {
  return {
    label,
    description: `temporary PostgreSQL ${instance.binaries.majorVersion} on 127.0.0.1:${instance.port} (${instance.dataDir})`,
    maintenanceDb: 'postgres',
    // Never the user's PG* or postgres_ssl* settings: the instance is ours, on loopback, without TLS.
    clientConfig: (database) => ({
      host: instance.host,
      port: instance.port,
      user: instance.user,
      password: instance.password,
      database,
      tls: NO_TLS,
    }),
  };
}

type PgPassLookup = (
  connInfo: { host: string; port: number; database: string; user: string },
  cb: (password: string | undefined) => void,
) => void;
/** The `pgpass` package (a dependency of pg): libpq's password-file rules, PGPASSFILE included. */
const pgPass = createRequire(import.meta.url)('pgpass') as PgPassLookup;

/**
 * The password file is read here rather than by pg, which would do the same but announce it as
 * deprecated on the console.
 */
function passwordFromFile(c: PgConnectionSettings): Promise<string> {
  return new Promise((resolve) => pgPass({ host: c.host, port: c.port, database: c.database, user: c.user }, (pw) => resolve(pw ?? '')));
}

/** Seconds a connection attempt may take: the load waits for a busy server, a preflight does not. */
const CONNECT_TIMEOUT_MS = 15_000;

function pgConfig(c: PgConnectionSettings, tls: boolean, connectTimeoutMs = CONNECT_TIMEOUT_MS): pg.ClientConfig {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password !== '' ? c.password : () => passwordFromFile(c),
    database: c.database,
    // Always explicit: left undefined, pg would read PGSSLMODE with its own (not libpq's) meaning.
    ssl: tls ? sslOptions(c.tls) : false,
    connectionTimeoutMillis: connectTimeoutMs,
  };
}

const SERVER_WITHOUT_TLS = 'The server does not support SSL connections';
/** pg_hba.conf has no line for this connection (e.g. hostssl only, and this attempt is plain). */
const isHbaRefusal = (e: unknown): boolean => (e as { code?: string }).code === '28000';

/**
 * Connects, trying TLS and plain in the order sslmode says (target-tls.ts), and turns the usual
 * failures into one line naming the server and the fix.
 */
export async function connectTo(server: PgServer, database: string, opts: { readonly connectTimeoutMs?: number } = {}): Promise<pg.Client> {
  const settings = server.clientConfig(database);
  const attempts = tlsAttempts(settings.tls.sslmode);
  for (let i = 0; ; i++) {
    const tls = attempts[i]!;
    const client = new pg.Client(pgConfig(settings, tls, opts.connectTimeoutMs));
    try {
      await client.connect();
      client.on('error', () => undefined);
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      const fallBack = i + 1 < attempts.length && (isHbaRefusal(e) || (tls && (e as Error).message === SERVER_WITHOUT_TLS));
      if (!fallBack) throw connectError(server, settings, database, tls, e);
    }
  }
}

function connectError(server: PgServer, settings: PgConnectionSettings, database: string, tls: boolean, e: unknown): LoadError {
  const err = e as NodeJS.ErrnoException & { code?: string };
  const where = `${server.label} PostgreSQL ${server.description}, database "${database}"`;
  const sslmode = settings.tls.sslmode;
  const fixTls = 'set sslmode in --target / postgres_url (?sslmode=… or sslmode=…), postgres_sslmode or PGSSLMODE';
  if (!tls && isHbaRefusal(e) && /no encryption/.test(err.message)) {
    return new LoadError(
      `${where} refused a connection without TLS (sslmode ${sslmode}): ${err.message}`,
      `the server accepts only TLS: ${fixTls} to require (encrypt) or verify-full (encrypt and check the certificate, with sslrootcert)`,
      { cause: e },
    );
  }
  if (tls && err.message === SERVER_WITHOUT_TLS) {
    return new LoadError(
      `${where} does not offer TLS, and sslmode ${sslmode} demands it`,
      `enable ssl on the server, or ${fixTls} to prefer or disable`,
      { cause: e },
    );
  }
  if (tls && err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new LoadError(
      `${where}: the server's certificate does not name host "${settings.host}" (sslmode ${sslmode}): ${err.message}`,
      `connect with a host name the certificate names, or ${fixTls} to verify-ca (chain checked, host name not)`,
      { cause: e },
    );
  }
  if (tls && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(err.code ?? '')) {
    return new LoadError(
      `${where}: the server's certificate is not trusted (sslmode ${sslmode}, ${err.code}): ${err.message}`,
      `set sslrootcert (postgres_sslrootcert / PGSSLROOTCERT) to the CA that signed it, or ${fixTls} to require (encrypt without checking)`,
      { cause: e },
    );
  }
  // pg's own connect timeout (connectionTimeoutMillis) carries no code.
  if (err.message === 'timeout expired') {
    return new LoadError(
      `cannot reach ${where}: no answer (connect timeout)`,
      'check postgres_host / postgres_port (or the host and port in --target / postgres_url), and that no firewall drops the connection',
      { cause: e },
    );
  }
  // pg asks for the password only when the server wants one (SCRAM), and then fails with this.
  if (/client password must be a (non-empty )?string/.test(err.message)) {
    return new LoadError(
      `${where} asks for a password and none was given`,
      'set postgres_password (or the password in --target / postgres_url, PGPASSWORD, or the password file PGPASSFILE / ~/.pgpass)',
      { cause: e },
    );
  }
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return new LoadError(
        `cannot reach ${where}: ${err.code}`,
        'check postgres_host / postgres_port (or the host and port in --target / postgres_url) and that the server is running',
        { cause: e },
      );
    case '28P01':
    case '28000':
      return new LoadError(
        `${where} refused the login: ${err.message}`,
        'check postgres_username / postgres_password (or PGUSER / PGPASSWORD, or the password file PGPASSFILE / ~/.pgpass)',
        { cause: e },
      );
    case '3D000':
      return new LoadError(
        `${where} does not exist`,
        `create it (createdb -h ${settings.host} -p ${settings.port} -U ${settings.user} ${quoteIdent(database)}), or name an existing database in postgres_database / --target (used for the first connection)`,
        { cause: e },
      );
    default:
      return new LoadError(`cannot connect to ${where}: ${err.message}`, undefined, { cause: e });
  }
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
