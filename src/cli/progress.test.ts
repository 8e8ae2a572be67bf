import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type Logger } from '../util/logger.js';
import { LoadProgress, formatEta, interruptedLine, progressSink } from './progress.js';
import { screenLines } from './testing/terminal.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

test('totals: every announced table counts from the start; the ETA divides the rows still expected by this run’s rate', () => {
  const c = clock();
  const p = new LoadProgress({ server: 'target', tables: 3, expectedRows: 1000 }, c.now);
  p.update({ table: 'a', phase: 'start', rows: 0, bytes: 0 });
  c.advance(2000);
  p.update({ table: 'a', phase: 'chunk', rows: 200, bytes: 4_000_000 });
  let t = p.totals();
  assert.equal(t.tables, 3);
  assert.equal(t.done, 0);
  assert.equal(t.rowsPerSecond, 100);
  assert.equal(t.mbPerSecond, 2);
  assert.equal(t.etaSeconds, 8);
  // A resumed table starts with the interrupted run's rows: they count as loaded, not as speed.
  p.update({ table: 'b', phase: 'start', rows: 300, bytes: 0 });
  t = p.totals();
  assert.equal(t.rows, 500);
  assert.equal(t.rowsPerSecond, 100);
  assert.equal(t.etaSeconds, 5);
  // More rows than the manifests recorded: not negative, and 0 only when all are done.
  p.update({ table: 'a', phase: 'done', rows: 900, bytes: 0 });
  t = p.totals();
  assert.equal(t.etaSeconds, 0);
  assert.equal(t.done, 1);
  p.update({ table: 'b', phase: 'done', rows: 300, bytes: 0 });
  p.update({ table: 'c', phase: 'skipped', rows: 0, bytes: 0 });
  assert.equal(p.totals().done, 3);
  assert.equal(p.totals().etaSeconds, 0);
});

test('no ETA when the source records no row counts, or before any row was loaded', () => {
  const c = clock();
  const p = new LoadProgress({ server: 'target', tables: 2 }, c.now);
  p.update({ table: 'a', phase: 'chunk', rows: 10, bytes: 10 });
  c.advance(1000);
  p.update({ table: 'a', phase: 'chunk', rows: 50, bytes: 10 });
  assert.equal(p.totals().etaSeconds, undefined);
  const q = new LoadProgress({ server: 'target', tables: 2, expectedRows: 100 }, c.now);
  q.update({ table: 'a', phase: 'start', rows: 0, bytes: 0 });
  assert.equal(q.totals().etaSeconds, undefined);
});

test('formatEta', () => {
  assert.equal(formatEta(0.2), '<1s');
  assert.equal(formatEta(9), '9s');
  assert.equal(formatEta(75), '1m15s');
  assert.equal(formatEta(3725), '1h02m');
});

test('plain log lines (no terminal): one per loaded table and every 10 s, with tables, rows, rate and ETA', () => {
  const c = clock();
  const lines: string[] = [];
  const rec = (m: string): void => void lines.push(m);
  const logger: Logger = { error: rec, warn: rec, info: rec, debug: rec, interactive: false };
  const sink = progressSink(logger, false, c.now);
  sink.begin({ server: 'target', tables: 2, expectedRows: 400 });
  sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'start', rows: 0, bytes: 0 });
  c.advance(5000);
  sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'chunk', rows: 100, bytes: 0 });
  assert.deepEqual(lines, [], 'no line before 10 s');
  c.advance(6000);
  sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'chunk', rows: 220, bytes: 0 });
  sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'done', rows: 220, bytes: 0 });
  assert.deepEqual(lines, [
    'target: db.public.a loading: 220 rows; all: 0/2 tables, 220 rows, 20 rows/s, ETA 9s',
    'target: db.public.a loaded: 220 rows; all: 1/2 tables, 220 rows, 20 rows/s, ETA 9s',
  ]);
  sink.stop();
});

test('no ETA while the rate means little: one small table of many after 1 s; then after 5 % of the rows, or after 10 s', () => {
  const c = clock();
  const p = new LoadProgress({ server: 'target', tables: 40, expectedRows: 100_000 }, c.now);
  p.update({ table: 'small', phase: 'start', rows: 0, bytes: 0 });
  c.advance(1000);
  p.update({ table: 'small', phase: 'done', rows: 2, bytes: 0 });
  assert.equal(p.totals().etaSeconds, undefined, 'not 50000 s from 2 rows/s');
  p.update({ table: 'big', phase: 'start', rows: 0, bytes: 0 });
  p.update({ table: 'big', phase: 'chunk', rows: 4997, bytes: 0 });
  assert.equal(p.totals().etaSeconds, undefined, 'just under 5 %');
  p.update({ table: 'big', phase: 'chunk', rows: 4998, bytes: 0 });
  assert.equal(p.totals().etaSeconds, 19, '95,000 rows left at 5,000 rows/s');
  // A slow start still gets an ETA after 10 s.
  const q = new LoadProgress({ server: 'target', tables: 2, expectedRows: 1_000_000 }, c.now);
  q.update({ table: 'a', phase: 'chunk', rows: 0, bytes: 0 });
  c.advance(9_999);
  q.update({ table: 'a', phase: 'chunk', rows: 1000, bytes: 0 });
  assert.equal(q.totals().etaSeconds, undefined);
  c.advance(1);
  assert.equal(q.totals().etaSeconds, 999_000 / 100);
  // 5 % of what this run loads: rows a resumed table brought along do not count.
  const r = new LoadProgress({ server: 'target', tables: 2, expectedRows: 1000 }, c.now);
  r.update({ table: 'a', phase: 'start', rows: 900, bytes: 0 });
  c.advance(1000);
  r.update({ table: 'a', phase: 'chunk', rows: 904, bytes: 0 });
  assert.equal(r.totals().etaSeconds, undefined);
  r.update({ table: 'a', phase: 'chunk', rows: 905, bytes: 0 });
  assert.equal(r.totals().etaSeconds, 95 / 5);
});

test('Ctrl-C says what was loaded and whether a rerun resumes', () => {
  const c = clock();
  assert.equal(interruptedLine(undefined), 'interrupted — the target was not written yet; rerun the same command to start again');
  const test = new LoadProgress({ server: 'test instance', tables: 2 }, c.now);
  assert.equal(interruptedLine(test), 'interrupted — the target was not written yet; rerun the same command to start again');
  const target = new LoadProgress({ server: 'target', tables: 2 }, c.now);
  target.update({ table: 'a', phase: 'done', rows: 1500, bytes: 0 });
  target.update({ table: 'b', phase: 'chunk', rows: 200, bytes: 0 });
  assert.equal(
    interruptedLine(target),
    'interrupted — target: 1/2 tables, 1,700 rows loaded; rerunning the same command resumes after the last committed chunk',
  );
  target.update({ table: 'b', phase: 'done', rows: 300, bytes: 0 });
  assert.equal(
    interruptedLine(target),
    'interrupted — target: all 2 tables loaded; rerunning the same command resumes (nothing is loaded twice) and verifies',
  );
});

test('on a terminal, log lines written during a load stand whole above the live line, which never wraps and ends as one line', async () => {
  const c = clock();
  let bytes = '';
  const write = process.stderr.write;
  const hadColumns = Object.getOwnPropertyDescriptor(process.stderr, 'columns');
  Object.defineProperty(process.stderr, 'columns', { value: 50, configurable: true });
  process.stderr.write = ((chunk: string | Uint8Array) => {
    bytes += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  const warning = 'table db.public.a: a long warning that the terminal has to wrap over two rows';
  try {
    const logger = createLogger({ consoleLevel: 'info' });
    const sink = progressSink(logger, true, c.now);
    sink.begin({ server: 'target', tables: 3, expectedRows: 3000 });
    sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'start', rows: 0, bytes: 0 });
    c.advance(1000);
    sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'chunk', rows: 1000, bytes: 0 });
    logger.warn(warning);
    c.advance(1000);
    sink.onProgress({ server: 'target', table: 'db.public.a', phase: 'done', rows: 1000, bytes: 0 });
    sink.onProgress({ server: 'target', table: 'db.public.b', phase: 'start', rows: 0, bytes: 0 });
    logger.info('db.public.b: loading');
    sink.onProgress({ server: 'target', table: 'db.public.b', phase: 'done', rows: 1000, bytes: 0 });
    sink.onProgress({ server: 'target', table: 'db.public.c', phase: 'start', rows: 0, bytes: 0 });
    sink.onProgress({ server: 'target', table: 'db.public.c', phase: 'done', rows: 1000, bytes: 0 });
    logger.info('Migration completed');
    sink.stop();
  } finally {
    process.stderr.write = write;
    if (hadColumns) Object.defineProperty(process.stderr, 'columns', hadColumns);
    else delete (process.stderr as { columns?: number }).columns;
  }
  // The terminal driver turns "\n" into "\r\n" on the way to the screen (onlcr).
  assert.deepEqual(await screenLines(bytes.replace(/\n/g, '\r\n'), 50), [
    `warning: ${warning}`,
    'db.public.b: loading',
    // 49 columns: cut rather than wrapped (a wrapped live line could not be redrawn in place).
    'target: 3/3 tables | 3,000 rows | 1,500 rows/s |…',
    'Migration completed',
  ]);
});
