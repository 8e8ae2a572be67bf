/**
 * What a person would see: bytes written to a terminal, played into a real terminal emulator
 * (@xterm/headless, the engine of VS Code's terminal), and the screen read back. Plus a way to run
 * the real CLI on a pseudo-terminal (util-linux `script`), so it writes what it writes to a person.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href;
const MAIN = `${ROOT}src/cli/main.ts`;

/** The part of @xterm/headless's API used here. */
interface HeadlessTerminal {
  write(data: string | Uint8Array, callback?: () => void): void;
  readonly buffer: {
    readonly active: {
      readonly length: number;
      getLine(y: number): { readonly isWrapped: boolean; translateToString(trimRight?: boolean): string } | undefined;
    };
  };
  dispose(): void;
}
type TerminalClass = new (opts: { cols: number; rows: number; scrollback: number; allowProposedApi?: boolean }) => HeadlessTerminal;

// A devDependency (CommonJS: node puts its exports on the default export, tsx's loader also as
// named ones). Imported through a name in a variable so the type check does not need its typings.
const XTERM = '@xterm/headless';

/**
 * The lines on the screen and in the scrollback after `bytes` were written to a `cols`-wide
 * terminal: rows the terminal wrapped are joined back into the line that was written, trailing
 * blanks are cut, and empty lines at the end are dropped.
 */
export async function screenLines(bytes: string | Uint8Array, cols: number, rows = 40): Promise<string[]> {
  const mod = (await import(XTERM)) as { Terminal?: TerminalClass; default?: { Terminal?: TerminalClass } };
  const Terminal = mod.Terminal ?? mod.default?.Terminal;
  if (!Terminal) throw new Error(`${XTERM} exports no Terminal`);
  const term = new Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true });
  try {
    await new Promise<void>((resolve) => term.write(bytes, resolve));
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buf.length; y++) {
      const line = buf.getLine(y);
      if (!line) continue;
      const text = line.translateToString(true);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    return lines.map((l) => l.trimEnd());
  } finally {
    term.dispose();
  }
}

export const canRunOnTerminal = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

export interface TerminalRun {
  readonly code: number;
  /** Every byte the CLI wrote to its terminal (stdout and stderr, as the terminal got them). */
  readonly output: Buffer;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI with `args` in `cwd` on a `cols`-wide pseudo-terminal. `whenOutput` sees the output
 * so far after each write; when it returns true, Ctrl-C is typed (once), as a person would.
 */
export function runCliOnTerminal(
  args: readonly string[],
  opts: { cwd: string; cols: number; whenOutput?: (text: string) => boolean; timeoutMs?: number },
): Promise<TerminalRun> {
  const command = `stty cols ${opts.cols} rows 40; exec ${[process.execPath, '--import', TSX, MAIN, ...args].map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-f', '-e', '-c', command, '/dev/null'], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!typed && opts.whenOutput?.(Buffer.concat(chunks).toString('utf8'))) {
        typed = true;
        child.stdin.write('\x03');
      }
    });
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: Buffer.concat(chunks) });
    });
  });
}
