/**
 * The watchdog that takes a temporary server down when the tool ends in a way no handler of its
 * own sees (kill -9, the OOM killer, a crash of node itself). It is a tiny shell process that reads
 * a pipe whose only writer is the tool: the kernel closes that end whenever the tool's process
 * ends, however it ends, and the read returns. The watchdog then stops the postmaster (immediate
 * shutdown, SIGKILL after 10 s) and removes the instance folder (or, for a kept instance, only its
 * owner file). It runs as the tool's user (root may signal the unprivileged postmaster) in a
 * session of its own, so a Ctrl-C meant for the tool does not end it first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

// $1 postmaster pid, $2 instance folder, $3 "keep" or "remove". `cat` returns at end of input,
// that is when the tool's end of the pipe closes. A zombie postmaster (whose new parent does not
// reap) counts as stopped.
const SCRIPT = `
cat >/dev/null 2>&1
kill -QUIT "$1" 2>/dev/null
i=0
while [ "$i" -lt 100 ] && kill -0 "$1" 2>/dev/null; do
  case "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" in Z*) break ;; esac
  sleep 0.1
  i=$((i + 1))
done
[ "$i" -lt 100 ] || kill -KILL "$1" 2>/dev/null
if [ "$3" = keep ]; then rm -f "$2/owner"; else rm -rf "$2"; fi
`;

/**
 * Starts the watchdog of the postmaster `pid` whose instance folder is `root`. Kill the returned
 * process when the server stops normally (so it never signals a pid the system has reused).
 */
export function startWatchdog(pid: number, root: string, keep: boolean): ChildProcess {
  const watchdog = spawn('sh', ['-c', SCRIPT, 'cockroach-migrate-watchdog', String(pid), root, keep ? 'keep' : 'remove'], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the process nor the pipe may keep the tool alive; the pipe stays open until the tool ends.
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return watchdog;
}
