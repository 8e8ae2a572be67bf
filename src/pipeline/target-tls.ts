/**
 * TLS to the target with libpq's sslmode semantics, on node-postgres.
 *
 * libpq (https://www.postgresql.org/docs/current/libpq-ssl.html) | here
 *   disable      no TLS                                  | one plain attempt
 *   allow        plain; TLS if the server refuses plain  | plain, then TLS after a pg_hba refusal (28000)
 *   prefer       TLS; plain if the server has no TLS     | TLS, then plain after "does not support SSL" or a pg_hba refusal
 *   require      TLS, certificate not checked…           | rejectUnauthorized: false
 *                …unless a root certificate is there     |   → as verify-ca
 *   verify-ca    TLS, chain checked, host name not       | rejectUnauthorized + ca, checkServerIdentity ignored
 *   verify-full  TLS, chain and host name checked        | rejectUnauthorized + ca (Node checks the name, IP SANs too)
 * As in libpq, a root certificate (sslrootcert, else ~/.postgresql/root.crt when it exists) makes
 * every TLS attempt check the chain, and verify-ca/verify-full without one is an error.
 * `sslrootcert=system` means the system's trusted roots and needs verify-full (libpq 16).
 *
 * The settings are plain data (PEM text, no functions): they cross to the loader's worker threads;
 * `sslOptions` adds the one function (the skipped host-name check) where the connection is made.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { Config } from '../config/keys.js';
import { ConfigError } from '../util/errors.js';

export type SslMode = Config['postgres_sslmode'];

/** What a TLS connection checks of the server's certificate. */
export type CertificateCheck = 'none' | 'chain' | 'chain-and-host';

export interface TargetTls {
  readonly sslmode: SslMode;
  readonly check: CertificateCheck;
  /** PEM of the root certificates; undefined = the system's trusted roots (or nothing checked). */
  readonly ca?: string;
  /** Client certificate and key (PEM) and the key's passphrase. */
  readonly cert?: string;
  readonly key?: string;
  readonly passphrase?: string;
}

/** No TLS at all: the temporary instance, which never takes the user's PG* TLS settings. */
export const NO_TLS: TargetTls = { sslmode: 'disable', check: 'none' };

/** Where libpq looks for the files the user did not name (~/.postgresql/…). */
const defaultFile = (name: string): string | undefined => {
  const path = join(homedir(), '.postgresql', name);
  return existsSync(path) ? path : undefined;
};

function readPem(path: string, key: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError(
      `cannot read the ${what} "${path}" (${key}): ${code}`,
      `point ${key} (or the sslrootcert/sslcert/sslkey parameter of postgres_url / --target) at a readable PEM file`,
      { cause: e },
    );
  }
}

/** The target's TLS settings from the postgres_ssl* keys, with the certificate files read. */
export function targetTls(cfg: Config): TargetTls {
  const sslmode = cfg.postgres_sslmode;
  if (sslmode === 'disable') return NO_TLS;
  const rootPath = cfg.postgres_sslrootcert ?? defaultFile('root.crt');
  let ca: string | undefined;
  let check: CertificateCheck = sslmode === 'verify-full' ? 'chain-and-host' : sslmode === 'verify-ca' ? 'chain' : 'none';
  if (rootPath === 'system') {
    if (sslmode !== 'verify-full') {
      throw new ConfigError(
        `sslmode "${sslmode}" may not be used with sslrootcert=system (postgres_sslmode / postgres_sslrootcert)`,
        "use sslmode=verify-full: with the system's roots any certificate a public CA issued would pass without a host-name check",
      );
    }
  } else if (rootPath !== undefined) {
    ca = readPem(rootPath, 'postgres_sslrootcert', 'root certificate file');
    if (check === 'none') check = 'chain';
  } else if (check !== 'none') {
    throw new ConfigError(
      `sslmode "${sslmode}" needs a root certificate to check the server's certificate against, and none is set (postgres_sslrootcert; ~/.postgresql/root.crt does not exist)`,
      "set sslrootcert (postgres_sslrootcert, PGSSLROOTCERT or ?sslrootcert= in --target) to the CA file, sslrootcert=system for the system's trusted roots, or use sslmode=require to encrypt without checking",
    );
  }
  const certPath = cfg.postgres_sslcert ?? defaultFile('postgresql.crt');
  const keyPath = cfg.postgres_sslkey ?? (certPath !== undefined ? defaultFile('postgresql.key') : undefined);
  if (certPath !== undefined && keyPath === undefined) {
    throw new ConfigError(
      `the client certificate "${certPath}" has no private key`,
      'set postgres_sslkey (PGSSLKEY, or ?sslkey= in --target) to its key file',
    );
  }
  return {
    sslmode,
    check,
    ...(ca !== undefined ? { ca } : {}),
    ...(certPath !== undefined ? { cert: readPem(certPath, 'postgres_sslcert', 'client certificate file') } : {}),
    ...(keyPath !== undefined ? { key: readPem(keyPath, 'postgres_sslkey', 'client key file') } : {}),
    ...(cfg.postgres_sslpassword ? { passphrase: cfg.postgres_sslpassword } : {}),
  };
}

/** node-postgres `ssl` options for one TLS attempt. */
export function sslOptions(tls: TargetTls): ConnectionOptions {
  return {
    rejectUnauthorized: tls.check !== 'none',
    // verify-ca (and require/prefer with a root certificate): the chain, not the name.
    ...(tls.check === 'chain' ? { checkServerIdentity: () => undefined } : {}),
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
  };
}

/** The attempts sslmode makes, in order: true = TLS. */
export function tlsAttempts(sslmode: SslMode): readonly boolean[] {
  switch (sslmode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, true];
    case 'prefer':
      return [true, false];
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return [true];
    default: {
      const never: never = sslmode;
      throw new Error(`unknown sslmode ${String(never)}`);
    }
  }
}
