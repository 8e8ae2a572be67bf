import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ConfigError, LoadError } from '../util/errors.js';
import { registerCleanup } from './cleanup.js';
import { findPostgresBinaries, type PostgresBinaries } from './find-binaries.js';
import { INSTANCE_PREFIX, removeLeftoverInstances, removeOwnerMarker, writeOwnerMarker } from './leftovers.js';
import { postgresRunAs, unreachableDir, type RunAs } from './os-user.js';
import { startWatchdog } from './watchdog.js';

export interface TempPostgresOptions {
  /** Base directory for the data directory (config `temp_dir`); default: the system temp dir. */
  readonly tempDir?: string;
  /** Config `postgres_bin_dir`. */
  readonly binDir?: string;
  /** Superuser name (config `test_username`), default "postgres". */
  readonly user?: string;
  /** Superuser password (config `test_password`); default: random. */
  readonly password?: string;
  /** Port (config `test_postgres_port`); default: a free port. */
  readonly port?: number;
  /** Keep the data directory after stop() (config `do_cleanup: false`). */
  readonly keep?: boolean;
  /** Seconds to wait for the server to accept connections. */
  readonly startTimeoutSeconds?: number;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** A throw-away PostgreSQL server on 127.0.0.1. */
export interface TempPostgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  readonly binaries: PostgresBinaries;
  /** libpq URL for a database (default "postgres"); contains the password — never log it. */
  connectionString(database?: string): string;
  /** pg client config for a database. */
  clientConfig(database?: string): pg.ClientConfig;
  /** Stops the server and removes its directory (unless keep). Idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function ownBy(path: string, who: RunAs): void {
  if (who.uid !== undefined && who.gid !== undefined) chownSync(path, who.uid, who.gid);
}

function runAsUser(who: RunAs): { uid?: number; gid?: number } {
  return who.uid !== undefined && who.gid !== undefined && process.getuid?.() === 0 ? { uid: who.uid, gid: who.gid } : {};
}

/** A temp_dir the temporary PostgreSQL cannot use is a configuration error, said before anything is created. */
function checkTempDirUsable(base: string, who: RunAs): void {
  if (!existsSync(base)) {
    throw new ConfigError(`temp_dir "${base}" does not exist`, 'create it or set temp_dir to an existing directory');
  }
  const blocked = unreachableDir(base, who);
  if (blocked !== undefined) {
    throw new ConfigError(
      `temp_dir "${base}" cannot be entered by the user "${who.name}" that runs the temporary PostgreSQL (PostgreSQL refuses to run as root; ${blocked} is closed to that user)`,
      'set temp_dir to a directory every user can enter, such as /tmp, or allow it (chmod o+x)',
    );
  }
}

/** Creates the instance's own directory under `base`, with its owner marker, password file and empty log. */
function makeInstanceDir(
  base: string,
  who: RunAs,
  password: string,
  keep: boolean,
): { root: string; dataDir: string; pwFile: string; logFile: string } {
  const root = mkdtempSync(join(base, INSTANCE_PREFIX));
  // Before anything else: a folder without an owner is never cleaned up by a later run.
  writeOwnerMarker(root, keep);
  // The unprivileged user must be able to enter the directory we (root) created.
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const pwFile = join(root, 'pwfile');
  const logFile = join(root, 'postgres.log');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  ownBy(pwFile, who);
  writeFileSync(logFile, '');
  ownBy(logFile, who);
  ownBy(root, who);
  return { root, dataDir, pwFile, logFile };
}

/** initdb of a C-locale, UTF8 cluster with password (SCRAM) auth; throws with the tail of its output when it fails. */
function runInitdb(binaries: PostgresBinaries, who: RunAs, d: { root: string; dataDir: string; user: string; pwFile: string }): void {
  const init = spawnSync(
    join(binaries.binDir, 'initdb'),
    ['-D', d.dataDir, '-U', d.user, '--pwfile', d.pwFile, '--auth=scram-sha-256', '--no-locale', '-E', 'UTF8', '--no-sync'],
    { ...runAsUser(who), encoding: 'utf8', timeout: 120_000, cwd: d.root },
  );
  if (init.status !== 0) {
    throw new LoadError(
      `initdb failed (${binaries.binDir}): ${(init.stderr || init.stdout || String(init.error ?? '')).trim().split('\n').slice(-3).join(' | ')}`,
      'check temp_dir has free space and postgres_bin_dir points at a working PostgreSQL',
    );
  }
}

/** The `postgres` command line: loopback only, durability off (a throwaway instance), then the caller's settings. */
function postgresArgs(dataDir: string, root: string, port: number, extra: TempPostgresOptions['settings']): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: root,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '40',
    max_wal_size: '2GB',
    ...extra,
  };
  return ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/** Polls until the server accepts a login; throws when it exits first or the start timeout passes. */
async function waitUntilAccepting(
  child: ChildProcess,
  stderr: () => string,
  config: pg.ClientConfig,
  opts: Pick<TempPostgresOptions, 'port' | 'startTimeoutSeconds'>,
  port: number,
): Promise<void> {
  const deadline = Date.now() + (opts.startTimeoutSeconds ?? 60) * 1000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new LoadError(
        `temporary PostgreSQL exited during start-up (code ${child.exitCode}): ${stderr().trim().split('\n').slice(-3).join(' | ')}`,
        opts.port ? `is port ${port} (test_postgres_port) already in use?` : undefined,
      );
    }
    const c = new pg.Client({ ...config, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        throw new LoadError(`temporary PostgreSQL did not accept connections within ${opts.startTimeoutSeconds ?? 60} s on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts a temporary PostgreSQL: initdb into a fresh directory under `tempDir` (C locale, UTF8 —
 * no OS locale is needed), then `postgres` bound to 127.0.0.1 only, fsync off, password auth.
 * As root it runs as an unprivileged user. The server is stopped and its directory removed on
 * stop(), on process exit and on Ctrl-C, unless `keep` is set; when this process is killed
 * outright, a watchdog does it (see watchdog.ts), and failing that the next start in the same
 * `tempDir` does (see leftovers.ts).
 */
export async function startTempPostgres(opts: TempPostgresOptions = {}): Promise<TempPostgres> {
  const binaries = findPostgresBinaries(opts.binDir);
  const who = postgresRunAs();
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? randomBytes(18).toString('base64url');
  const base = opts.tempDir || tmpdir();
  checkTempDirUsable(base, who);
  await removeLeftoverInstances(base);
  const { root, dataDir, pwFile, logFile } = makeInstanceDir(base, who, password, opts.keep === true);

  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let stopped = false;
  const removeDir = (): void => {
    if (opts.keep) removeOwnerMarker(root);
    else rmSync(root, { recursive: true, force: true });
  };
  const unregister = registerCleanup(() => {
    if (child && child.exitCode === null) {
      child.kill('SIGQUIT');
      // Give the postmaster a moment to take its children down before the directory goes.
      spawnSync('sleep', ['0.3']);
    }
    removeDir();
  });

  try {
    runInitdb(binaries, who, { root, dataDir, user, pwFile });
    const port = opts.port ?? (await freePort());
    const args = postgresArgs(dataDir, root, port, opts.settings);
    child = spawn(join(binaries.binDir, 'postgres'), args, {
      ...runAsUser(who),
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Unref'd: a forgotten instance must not keep the process alive; the exit handler stops it.
    child.unref();
    if (child.pid !== undefined) {
      const guard = startWatchdog(child.pid, root, opts.keep === true);
      watchdog = guard;
      // Once the server is gone by any other way, its pid may be reused: the watchdog must go too.
      child.once('exit', () => guard.kill('SIGKILL'));
    }
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const clientConfig = (database = 'postgres'): pg.ClientConfig => ({
      host: '127.0.0.1',
      port,
      user,
      password,
      database,
      // Always explicit, so the user's PGSSLMODE never reaches our loopback server; TLS (not
      // checked) only when the caller started it with ssl=on (tests of the target's TLS).
      ssl: opts.settings?.ssl === 'on' ? { rejectUnauthorized: false } : false,
    });
    await waitUntilAccepting(child, () => stderr, clientConfig(), opts, port);

    const instance: TempPostgres = {
      host: '127.0.0.1',
      port,
      user,
      password,
      dataDir,
      binaries,
      connectionString: (database = 'postgres') =>
        `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      clientConfig,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (child && child.exitCode === null) {
          child.kill('SIGINT'); // "fast" shutdown: disconnect clients, no checkpoint wait.
          const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }
        unregister();
        removeDir();
      },
    };
    return instance;
  } catch (e) {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    watchdog?.kill('SIGKILL');
    unregister();
    // Keep the server log in the message's reach when start-up failed.
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-500) : '';
    removeDir();
    if (log && e instanceof Error && !e.message.includes(log)) e.message += ` (log: ${log.trim()})`;
    throw e;
  }
}
