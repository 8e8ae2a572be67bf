/**
 * Last-resort cleanup of temporary servers: on Ctrl-C, SIGTERM or process exit, every registered
 * action runs synchronously (no awaits are possible in an 'exit' handler). Normal paths call the
 * instance's own async stop() and unregister. This module owns the process's answer to those
 * signals: first one line saying what the interruption means (see onInterrupt), then the actions,
 * then exit with 128 + the signal number — unless someone waits for the signal (untilInterrupted).
 */
type SyncCleanup = () => void;

const actions = new Set<SyncCleanup>();
const notices: SyncCleanup[] = [];
let waiter: (() => void) | undefined;
let installed = false;

function runAll(): void {
  for (const a of [...actions]) {
    actions.delete(a);
    try {
      a();
    } catch {
      /* best effort: we are exiting */
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (waiter) {
        waiter();
        return;
      }
      try {
        notices[0]?.();
      } catch {
        /* the notice is a courtesy; the cleanup must run */
      }
      runAll();
      // 128 + signal number, the shell convention.
      process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
    });
  }
}

export function registerCleanup(action: SyncCleanup): () => void {
  install();
  actions.add(action);
  return () => actions.delete(action);
}

/**
 * Registers what to say (synchronously, one line) when Ctrl-C, SIGTERM or SIGHUP ends the process
 * from now on, e.g. whether a rerun resumes. Only the earliest registered notice still in force is
 * said: the outer context (a command) knows best what an interruption means to its user. Installing
 * a notice also installs the signal handling, so the line is said even before any server starts.
 */
export function onInterrupt(notice: SyncCleanup): () => void {
  install();
  notices.push(notice);
  return () => {
    const i = notices.indexOf(notice);
    if (i >= 0) notices.splice(i, 1);
  };
}

/**
 * Resolves at the next Ctrl-C, SIGTERM or SIGHUP instead of ending the process (which stays alive
 * meanwhile, even with nothing else to do). A second signal ends the process as usual.
 */
export function untilInterrupted(): Promise<void> {
  install();
  return new Promise((resolve) => {
    // A ref'd timer: the process must not exit while it waits for nothing but a signal.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    waiter = () => {
      clearInterval(keepAlive);
      waiter = undefined;
      resolve();
    };
  });
}
