import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../util/logger.js';
import { LoadProgress, formatEta, progressSink } from './progress.js';

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
