/**
 * libpq connection strings (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING):
 * a `postgresql://` URI or `keyword=value` pairs, turned into the postgres_* config keys.
 *
 * Not pg-connection-string (shipped with pg): it reads the certificate files while parsing and maps
 * sslmode onto node-pg's own meanings (warning or throwing), where we need libpq's parameters as
 * written. URIs go through the WHATWG URL parser; keyword/value pairs follow libpq's quoting rules.
 * Messages never repeat the input: it may hold a password.
 */
import type { ConfigKey } from './keys.js';

/** libpq parameter → config key. Other libpq parameters are refused by name rather than dropped. */
const PARAMETER_KEYS: Readonly<Record<string, ConfigKey>> = {
  host: 'postgres_host',
  port: 'postgres_port',
  user: 'postgres_username',
  password: 'postgres_password',
  dbname: 'postgres_database',
  sslmode: 'postgres_sslmode',
  sslrootcert: 'postgres_sslrootcert',
  sslcert: 'postgres_sslcert',
  sslkey: 'postgres_sslkey',
  sslpassword: 'postgres_sslpassword',
};

export class ConnectionStringError extends Error {
  override readonly name = 'ConnectionStringError';
}

/** The libpq parameters of a URI or keyword/value string, as written (values unvalidated). */
export function parseConnectionString(text: string): Map<string, string> {
  return /^postgres(?:ql)?:\/\//i.test(text.trim()) ? parseUri(text.trim()) : parseKeywordValue(text);
}

/** The config keys a connection string sets; throws ConnectionStringError naming the bad part. */
export function connectionStringKeys(text: string): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const [name, value] of parseConnectionString(text)) {
    const key = PARAMETER_KEYS[name];
    if (!key) {
      throw new ConnectionStringError(
        `parameter "${name}" is not supported (supported: ${Object.keys(PARAMETER_KEYS).join(', ')}); remove it`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** The database a connection string names, if any (a one-database migration lands in it). */
export function connectionStringDatabase(text: string): string | undefined {
  const db = parseConnectionString(text).get('dbname');
  return db ? db : undefined;
}

function parseUri(text: string): Map<string, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConnectionStringError(
      'is not a valid postgresql:// URI (special characters in the user or password must be percent-encoded, e.g. @ as %40)',
    );
  }
  const params = new Map<string, string>();
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ConnectionStringError(`has a malformed percent-encoding in the ${what}`);
    }
  };
  // The host of a non-special URL scheme stays percent-encoded: a Unix socket directory is written
  // %2Fvar%2Frun%2Fpostgresql; IPv6 literals keep their brackets.
  const host = decode(url.hostname, 'host').replace(/^\[(.*)\]$/, '$1');
  if (host.includes(',')) throw new ConnectionStringError('names several hosts; give one host');
  if (host) params.set('host', host);
  if (url.port) params.set('port', url.port);
  if (url.username) params.set('user', decode(url.username, 'user name'));
  if (url.password) params.set('password', decode(url.password, 'password'));
  const db = url.pathname.replace(/^\//, '');
  if (db) params.set('dbname', decode(db, 'database name'));
  // Query parameters are libpq keywords and win over the parts above, as in libpq.
  for (const [name, value] of url.searchParams) params.set(name, value);
  return params;
}

/**
 * `keyword = value` pairs separated by white space. A value is single-quoted when it is empty or
 * holds spaces; backslash escapes the next character, quoted or not (libpq's conninfo_parse).
 */
function parseKeywordValue(text: string): Map<string, string> {
  const params = new Map<string, string>();
  let i = 0;
  const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (i < text.length) {
    while (isSpace(text[i])) i++;
    if (i >= text.length) break;
    const nameStart = i;
    while (i < text.length && text[i] !== '=' && !isSpace(text[i])) i++;
    const name = text.slice(nameStart, i);
    while (isSpace(text[i])) i++;
    if (text[i] !== '=') {
      throw new ConnectionStringError(
        params.size === 0 && !name.includes('=')
          ? 'is neither a postgresql:// URI nor keyword=value pairs (host=… port=… user=… dbname=… sslmode=…)'
          : `has "${name}" without "=value"`,
      );
    }
    i++;
    while (isSpace(text[i])) i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw new ConnectionStringError(`has an unterminated quoted value for "${name}"`);
        const c = text[i]!;
        if (c === "'") break;
        if (c === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      i++;
    } else {
      while (i < text.length && !isSpace(text[i])) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
    }
    if (!name) throw new ConnectionStringError('has "=" without a keyword before it');
    params.set(name, value);
  }
  if (params.size === 0) throw new ConnectionStringError('is empty');
  return params;
}
