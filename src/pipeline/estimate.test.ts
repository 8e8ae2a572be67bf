import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTES_PER_ROW, SKIP_VALIDATION_ROWS_PER_SECOND, VERIFIED_ROWS_PER_SECOND, durationText, estimateTime } from './estimate.js';

const both = { skip_validation: false, test_postgresql_import: true, postgres_import_enabled: true };
const targetOnly = { ...both, test_postgresql_import: false };

test('rows from the manifests at the verified rate, once per load; skip_validation uses its own rate', () => {
  const one = estimateTime({ rows: 1_110_000 }, targetOnly);
  assert.equal(one.seconds, 1_110_000 / VERIFIED_ROWS_PER_SECOND);
  assert.equal(one.line, 'estimated time: ~11 s (1.1 M rows at ~100k rows/s verified on 2 cores; docs/performance.md)');
  const two = estimateTime({ rows: 6_000_000 }, both);
  assert.equal(two.seconds, (2 * 6_000_000) / VERIFIED_ROWS_PER_SECOND);
  assert.equal(
    two.line,
    'estimated time: ~2 min (6.0 M rows × 2 loads (test instance, then target) at ~100k rows/s verified on 2 cores; docs/performance.md)',
  );
  const skip = estimateTime({ rows: 6_000_000 }, { ...targetOnly, skip_validation: true });
  assert.equal(skip.seconds, 6_000_000 / SKIP_VALIDATION_ROWS_PER_SECOND);
  assert.match(skip.line, /^estimated time: ~27 s \(6\.0 M rows at ~220k rows\/s skip_validation/);
});

test('without row counts: the tables’ bytes, else the source files’ bytes, at ~100 B per row', () => {
  const tables = estimateTime({ tableBytes: 2 * 2 ** 30, dataBytes: 9 * 2 ** 30 }, targetOnly);
  assert.equal(tables.seconds, (2 * 2 ** 30) / BYTES_PER_ROW / VERIFIED_ROWS_PER_SECOND);
  assert.match(tables.line, /^estimated time: ~4 min \(2\.0 GiB of table data ≈ 21\.5 M rows of ~100 B at ~100k rows\/s verified/);
  const files = estimateTime({ dataBytes: 700 * 1024 }, targetOnly);
  assert.match(files.line, /^estimated time: ~1 s \(700 KiB of source files ≈ 7\.2k rows of ~100 B at/);
  assert.equal(estimateTime({}, targetOnly).line, 'estimated time: unknown (the source records neither rows nor sizes)');
  assert.match(
    estimateTime({ rows: 5 }, { ...both, test_postgresql_import: false, postgres_import_enabled: false }).line,
    /nothing is loaded/,
  );
});

test('durations read as seconds, minutes, then hours', () => {
  assert.equal(durationText(0.01), '~1 s');
  assert.equal(durationText(89), '~89 s');
  assert.equal(durationText(125), '~2 min');
  assert.equal(durationText(5400), '~1.5 h');
});
