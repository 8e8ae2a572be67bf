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
}

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
  const write = (level: LogLevel, message: string): void => {
    const clean = redactor.redact(message);
    if (file && RANK[level] <= fileLevel) {
      appendFileSync(file, `${timestamp()} - ${level.toUpperCase()} - ${clean}\n`);
    }
    if (RANK[level] <= consoleLevel) {
      const prefix = level === 'error' ? 'error: ' : level === 'warn' ? 'warning: ' : '';
      process.stderr.write(`${prefix}${clean}\n`);
    }
  };
  return {
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    interactive: Boolean(process.stderr.isTTY) && consoleLevel >= RANK.info,
  };
}

/** A logger that discards everything (library use without logging). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {}, interactive: false };
