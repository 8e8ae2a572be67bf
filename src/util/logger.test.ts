import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from './logger.js';
import { redactor } from './redact.js';

/** Runs fn with process.stderr.write captured. */
function captureStderr(fn: () => void): string {
  const orig = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = orig;
  }
  return out;
}

const emitAll = (log: ReturnType<typeof createLogger>): void => {
  log.debug('d-msg');
  log.info('i-msg');
  log.warn('w-msg');
  log.error('e-msg');
};

test('file and console levels are independent (--quiet = error on the console, the file keeps its level)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-log-'));
  const file = join(dir, 'nested', 'dir', 'run.log');
  const console = captureStderr(() => emitAll(createLogger({ level: 'info', consoleLevel: 'error', file })));
  assert.equal(console, 'error: e-msg\n');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - /, '')),
    ['INFO - i-msg', 'WARN - w-msg', 'ERROR - e-msg'],
  );
});

test('debug (--verbose) reaches both; warn level drops info; no file when the path is empty', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-log-'));
  const file = join(dir, 'v.log');
  const verbose = captureStderr(() => emitAll(createLogger({ level: 'debug', consoleLevel: 'debug', file })));
  assert.equal(verbose, 'd-msg\ni-msg\nwarning: w-msg\nerror: e-msg\n');
  assert.match(readFileSync(file, 'utf8'), / - DEBUG - d-msg\n/);
  const warn = captureStderr(() => emitAll(createLogger({ level: 'warn', file: join(dir, 'w.log') })));
  assert.equal(warn, 'warning: w-msg\nerror: e-msg\n');
  assert.doesNotMatch(readFileSync(join(dir, 'w.log'), 'utf8'), /INFO|DEBUG/);
  captureStderr(() => emitAll(createLogger({ file: '' })));
  assert.equal(existsSync(join(dir, 'migration.log')), false);
});

test('every line is redacted before it reaches the console or the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-log-'));
  const file = join(dir, 'r.log');
  redactor.add('logger-test-secret-value');
  const console = captureStderr(() => {
    const log = createLogger({ level: 'debug', consoleLevel: 'debug', file });
    log.info('password is logger-test-secret-value');
    log.error('connect postgresql://u:pw-in-url@h/db failed');
  });
  const text = console + readFileSync(file, 'utf8');
  assert.equal(text.includes('logger-test-secret-value'), false);
  assert.equal(text.includes('pw-in-url'), false);
  assert.match(text, /password is \*\*\*/);
});
