/**
 * The life of a storage emulator's child process, shared by the Azurite and GCS helpers: killed if
 * the test process exits first (a test that throws never leaves a server behind), stopped politely
 * (SIGTERM, SIGKILL after 3 s) at the end, its scratch folder removed either way.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';

export interface ServerChild {
  /** Kills the child at once and removes `dir` (a start that failed). */
  abandon(): Promise<void>;
  /** SIGTERM, SIGKILL after 3 s if it lingers, then removes `dir`. */
  stop(): Promise<void>;
}

export function serverChild(child: ChildProcess, dir: string): ServerChild {
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  return {
    async abandon() {
      child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
