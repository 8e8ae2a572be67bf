/**
 * Instances an earlier run left behind. Every instance folder holds an `owner` file naming the
 * process that started it (pid plus, on Linux, its start time, so a reused pid is not mistaken for
 * the owner). A later start in the same base directory stops the server of every folder whose
 * owner is gone and removes the folder; folders whose owner is alive, and folders without an
 * owner file (kept ones, or made by something else), are never touched.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Prefix of every instance folder under the base directory (`temp_dir`). */
export const INSTANCE_PREFIX = 'cockroach_migration_pg_';
const OWNER_FILE = 'owner';

interface OwnerMarker {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); absent where there is no /proc. */
  readonly start?: string;
  /** do_cleanup: false — stop the server but keep the folder. */
  readonly keep: boolean;
}

/** Field 22 (starttime) of /proc/<pid>/stat, or undefined when the process or /proc is missing. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True while `pid` is a running process (a zombie counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

function ownerAlive(m: OwnerMarker): boolean {
  if (!isRunning(m.pid)) return false;
  return m.start === undefined || startTimeOf(m.pid) === m.start;
}

/** Writes the owner file of a fresh instance folder: this process. */
export function writeOwnerMarker(root: string, keep: boolean): void {
  const start = startTimeOf(process.pid);
  const marker: OwnerMarker = { pid: process.pid, ...(start !== undefined ? { start } : {}), keep };
  writeFileSync(join(root, OWNER_FILE), JSON.stringify(marker));
}

/** Removes the owner file: the folder is no longer an instance to clean up (a kept one). */
export function removeOwnerMarker(root: string): void {
  rmSync(join(root, OWNER_FILE), { force: true });
}

function readOwnerMarker(root: string): OwnerMarker | undefined {
  try {
    const m = JSON.parse(readFileSync(join(root, OWNER_FILE), 'utf8')) as Partial<OwnerMarker>;
    if (typeof m.pid !== 'number' || !Number.isSafeInteger(m.pid) || m.pid <= 0) return undefined;
    return { pid: m.pid, ...(typeof m.start === 'string' ? { start: m.start } : {}), keep: m.keep === true };
  } catch {
    return undefined;
  }
}

/** The command line of `pid` (empty when it cannot be read). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  // Not our child: there is no exit event to wait for, only its disappearance to observe.
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    if (!isRunning(pid)) return true;
  }
  return !isRunning(pid);
}

/**
 * Stops the postmaster of `dataDir` if one runs (immediate shutdown, then SIGKILL after 10 s).
 * The pid comes from postmaster.pid and must be a process started with that data directory, so a
 * reused pid is never signalled. False when it could not be stopped (another user's, say).
 */
async function stopLeftoverServer(dataDir: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return true;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isRunning(pid) || !commandLine(pid).includes(dataDir)) return true;
  try {
    process.kill(pid, 'SIGQUIT');
    if (await waitGone(pid, 10_000)) return true;
    process.kill(pid, 'SIGKILL');
    return await waitGone(pid, 5_000);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Stops and removes every instance under `base` whose owner process has ended (killed, say, so
 * that neither its exit handler nor its watchdog ran). Returns the folders it removed or, for
 * kept instances, released.
 */
export async function removeLeftoverInstances(base: string): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(INSTANCE_PREFIX));
  } catch {
    return [];
  }
  const cleaned: string[] = [];
  for (const name of names) {
    const root = join(base, name);
    const marker = readOwnerMarker(root);
    if (!marker || ownerAlive(marker)) continue;
    if (!(await stopLeftoverServer(join(root, 'data')))) continue;
    try {
      if (marker.keep) removeOwnerMarker(root);
      else rmSync(root, { recursive: true, force: true });
      cleaned.push(root);
    } catch {
      /* another user's folder: not ours to remove */
    }
  }
  return cleaned;
}
