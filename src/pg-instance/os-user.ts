import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.js';

/** The OS identity PostgreSQL runs as. `undefined` uid means "the current user". */
export interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
  readonly name: string;
}

const SERVICE_USER = 'cockroach-migrate';

function lookup(name: string): RunAs | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

/**
 * PostgreSQL refuses to run as root. When we are root, run it as the `postgres` system user if it
 * exists, otherwise as a system user we create once (`cockroach-migrate`, no login, no home).
 */
export function postgresRunAs(): RunAs {
  const uid = process.getuid?.();
  if (uid !== 0) return { name: process.env.USER ?? 'current user' };
  const existing = lookup('postgres') ?? lookup(SERVICE_USER);
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_USER], {
      stdio: 'ignore',
    });
  } catch (e) {
    throw new ConfigError(
      'running as root, and no unprivileged user exists to run the temporary PostgreSQL',
      `create one (useradd --system ${SERVICE_USER}) or run cockroach-migrate as a normal user`,
      { cause: e },
    );
  }
  const created = lookup(SERVICE_USER);
  if (!created) throw new ConfigError(`user ${SERVICE_USER} was created but cannot be found in /etc/passwd`);
  return created;
}
