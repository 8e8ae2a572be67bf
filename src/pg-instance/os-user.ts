import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
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

/**
 * The first directory on the way to `dir` (itself included) that `who` cannot enter, judged by
 * the mode bits (supplementary groups aside), or undefined when it can get there. Only meaningful
 * when we run the server as another user (as root); then root's own 0700 directories, such as
 * /root, would make initdb fail with a bare "Permission denied".
 */
export function unreachableDir(dir: string, who: RunAs): string | undefined {
  if (who.uid === undefined) return undefined;
  for (let d = realpathSync(dir); ; d = dirname(d)) {
    const st = statSync(d);
    const canEnter = st.uid === who.uid ? (st.mode & 0o100) !== 0 : st.gid === who.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
    if (!canEnter) return d;
    if (d === dirname(d)) return undefined;
  }
}
