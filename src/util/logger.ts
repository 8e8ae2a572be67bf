import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactor } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** True when stderr is a terminal and console output is not quiet (progress bars may draw). */
  readonly interactive: boolean;
}

export interface LoggerOptions {
  /** Level written to the log file. */
  readonly level?: LogLevel;
  /** Level written to the console (stderr); `--quiet` = 'error', `--verbose` = 'debug'. */
  readonly consoleLevel?: LogLevel;
  /** Log file path, appended to; '' or undefined = none. */
  readonly file?: string;
  /**
   * `text` (default): the original's `time - LEVEL - message` in the file, the message on the
   * console. `json`: one JSON object per line in both, `{"time":ISO 8601 UTC,"level","message"}`,
   * and never a live progress line (log collectors read every line as a record).
   */
  readonly format?: 'text' | 'json';
}

/** One log record as a JSON line (no newline). */
export const jsonLogLine = (level: LogLevel, message: string, d = new Date()): string =>
  JSON.stringify({ time: d.toISOString(), level, message });

/**
 * The console (stderr) with at most one live status line at its bottom, for a terminal: every
 * other line is written above it — erase the status, write the line, draw the status again — so
 * log lines are never glued to it and it never overwrites them. One per process, as stderr is.
 */
export class ConsoleSink {
  private status: string | undefined;

  /** Writes one whole line (no newline in `text` needed) above the status line, if one shows. */
  line(text: string): void {
    if (this.status === undefined) process.stderr.write(`${text}\n`);
    else process.stderr.write(`${ERASE_LINE}${text}\n${this.status}`);
  }

  /** Shows `text` as the status line, replacing the one shown; cut to the terminal's width so it never wraps. */
  setStatus(text: string): void {
    const width = Math.max(20, (process.stderr.columns || 80) - 1);
    const chars = [...text];
    this.status = chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : text;
    process.stderr.write(`${ERASE_LINE}${this.status}`);
  }

  /** Ends the status line: `keep` leaves its last text as an ordinary line, otherwise it is erased. */
  endStatus(keep: boolean): void {
    if (this.status === undefined) return;
    process.stderr.write(keep ? `${ERASE_LINE}${this.status}\n` : ERASE_LINE);
    this.status = undefined;
  }

  /**
   * Ctrl-C was typed: the terminal echoed "^C" where the cursor was. Keeps the status line's last
   * text as a line (erasing the echo from it), or erases the echo, so what follows starts clean.
   */
  interrupted(): void {
    if (this.status !== undefined) this.endStatus(true);
    else if (process.stderr.isTTY) process.stderr.write(ERASE_LINE);
  }
}

/** Carriage return + erase the whole line (ECMA-48 EL 2). */
const ERASE_LINE = '\r\x1b[2K';

/** The process's console: the logger writes through it, the progress line lives in it. */
export const stderrConsole = new ConsoleSink();

function timestamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

/**
 * Console + file logger in the original tool's line format (`time - LEVEL - message`), with every
 * line passed through the redactor first. The file is appended synchronously so a crash loses nothing.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const fileLevel = RANK[opts.level ?? 'info'];
  const consoleLevel = RANK[opts.consoleLevel ?? opts.level ?? 'info'];
  const file = opts.file || undefined;
  if (file) mkdirSync(dirname(file), { recursive: true });
  const json = opts.format === 'json';
  const write = (level: LogLevel, message: string): void => {
    const clean = redactor.redact(message);
    if (json) {
      const record = jsonLogLine(level, clean);
      if (file && RANK[level] <= fileLevel) appendFileSync(file, `${record}\n`);
      if (RANK[level] <= consoleLevel) stderrConsole.line(record);
      return;
    }
    if (file && RANK[level] <= fileLevel) {
      appendFileSync(file, `${timestamp()} - ${level.toUpperCase()} - ${clean}\n`);
    }
    if (RANK[level] <= consoleLevel) {
      const prefix = level === 'error' ? 'error: ' : level === 'warn' ? 'warning: ' : '';
      stderrConsole.line(`${prefix}${clean}`);
    }
  };
  return {
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    interactive: !json && Boolean(process.stderr.isTTY) && consoleLevel >= RANK.info,
  };
}

/** A logger that discards everything (library use without logging). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {}, interactive: false };
