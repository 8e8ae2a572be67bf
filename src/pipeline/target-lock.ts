/**
 * One run per target at a time. Two runs loading the same tables would each take the other's
 * live checkpoints for an interrupted run and load the same rows twice. A run holds a
 * session-level advisory lock in the target's maintenance database (`postgres_database`) on a
 * connection of its own for as long as it runs; the connection's `application_name` says who
 * holds it (`cockroach-migrate <pid>@<host> <start time>`, visible to every user in
 * pg_stat_activity). A second run does not wait: it stops at once, naming the holder. The lock
 * goes with the connection, so a killed run never leaves it behind.
 */
import os from 'node:os';
import type pg from 'pg';
import { LoadError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { connectTo, type PgServer } from './pg-target.js';

/** The advisory lock key: two int4 halves, "crdb" and "migr" in ASCII. */
const LOCK_KEY: readonly [number, number] = [0x63726462, 0x6d696772];

export interface TargetLock {
  /** Who holds it, as `application_name` shows it. */
  readonly holder: string;
  release(): Promise<void>;
}

/** `application_name` (at most 63 bytes): pid, host (shortened to fit), start time to the second. */
export function lockHolderName(pid: number, host: string, since: Date): string {
  const time = `${since.toISOString().slice(0, 19)}Z`;
  const fixed = `cockroach-migrate ${pid}@ ${time}`;
  const room = Math.max(0, 63 - fixed.length);
  return `cockroach-migrate ${pid}@${host.replace(/[^\x21-\x7e]/g, '_').slice(0, room)} ${time}`;
}

/** The holder's name in words, when it is one of ours. */
function describeHolder(appName: string, backendPid: number): string {
  const m = /^cockroach-migrate (\d+)@(\S*) (\S+)$/.exec(appName);
  const who = m ? `pid ${m[1]} on host ${m[2] || '?'}, started ${m[3]}` : `application_name "${appName}"`;
  return `${who}; PostgreSQL backend pid ${backendPid}`;
}

/** Takes the target's lock, or throws one line naming the run that holds it. */
export async function lockTarget(server: PgServer, logger: Logger, startedAt: Date = new Date()): Promise<TargetLock> {
  const holder = lockHolderName(process.pid, os.hostname(), startedAt);
  const client = await connectTo(server, server.maintenanceDb);
  try {
    await client.query(`SELECT set_config('application_name', $1, false)`, [holder]);
    // The holder may end between a failed try and the lookup: then try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [...LOCK_KEY]);
      if (got.rows[0]?.ok) {
        logger.info(`${server.label} PostgreSQL ${server.description}: locked for this run (${holder})`);
        return { holder, release: () => client.end().catch(() => undefined) };
      }
      const other = await lockHolder(client);
      if (other) {
        throw new LoadError(
          `${server.label} PostgreSQL ${server.description} is being loaded by another cockroach-migrate run (${describeHolder(other.appName, other.pid)})`,
          `one run per target at a time: wait for it to finish, or stop it (SELECT pg_terminate_backend(${other.pid}) ends its lock) and rerun`,
        );
      }
    }
    throw new LoadError(
      `${server.label} PostgreSQL ${server.description}: could not take the run lock (another run keeps taking it)`,
      'wait for the other run to finish and rerun',
    );
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

async function lockHolder(client: pg.ClientBase): Promise<{ pid: number; appName: string } | undefined> {
  const r = await client.query<{ pid: number; app: string | null }>(
    `SELECT l.pid, a.application_name AS app FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int8::oid AND l.objid = $2::int8::oid AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [...LOCK_KEY],
  );
  const row = r.rows[0];
  return row ? { pid: row.pid, appName: row.app ?? '' } : undefined;
}
