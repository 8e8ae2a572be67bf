/**
 * Last-resort cleanup of temporary servers: on Ctrl-C, SIGTERM or process exit, every registered
 * action runs synchronously (no awaits are possible in an 'exit' handler). Normal paths call the
 * instance's own async stop() and unregister.
 */
type SyncCleanup = () => void;

const actions = new Set<SyncCleanup>();
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
