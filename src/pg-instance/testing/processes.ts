/** Test helpers for the temporary instance's process tests: a temp base the server user can enter, and `ps`. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A base directory for temp_dir. As root the server runs as an unprivileged user who must be able
 * to enter it, so it is opened up to 0755.
 */
export function tempBase(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755);
  return d;
}

/** Command lines of running processes that mention `needle` (postmaster and its children carry -D <dataDir>). */
export function processesMentioning(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}
