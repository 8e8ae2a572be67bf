import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderJson, REPORT_FORMAT, type ReportJson } from './render-json.js';
import { checksumHex } from './summary.js';
import { failedReport, mismatchReport, successReport } from './testing/fixtures.js';

const parse = (s: string) => JSON.parse(s) as ReportJson;

test('JSON has the stable format tag, ISO dates and summary numbers', () => {
  const r = successReport();
  const j = parse(renderJson(r));
  assert.equal(j.format, 'cockroach-migrate-report/1');
  assert.equal(REPORT_FORMAT, j.format);
  assert.equal(j.verdict, 'success');
  assert.equal(j.error, null);
  assert.equal(j.startedAt, '2026-03-14T09:00:00.000Z');
  assert.equal(j.finishedAt, '2026-03-14T09:02:05.500Z');
  assert.equal(j.seconds, 125.5);
  assert.deepEqual(j.summary, {
    tableLoads: 3,
    tables: 3,
    countedOn: 'target',
    rowsLoaded: 1_282_780,
    rejectedRows: 0,
    bytes: 1_282_780 * 87,
    sourceBytes: null,
    testInstance: null,
    verified: 3,
    matched: 3,
    mismatched: 0,
    notVerified: 0,
    decisions: { 'as-is': 4, changed: 0, 'not-convertible': 0 },
  });
  assert.equal(j.phases[0]!.detail, null);
});

test('64-bit numbers are decimal strings that round-trip to the exact bigint; checksums also as hex', () => {
  const r = mismatchReport();
  const j = parse(renderJson(r));
  assert.equal(j.tables.length, r.tables.length);
  r.tables.forEach((t, i) => {
    const v = j.tables[i]!.verification!;
    assert.equal(typeof v.sourceRows, 'string');
    assert.equal(BigInt(v.sourceRows), t.verification!.sourceRows);
    assert.equal(BigInt(v.targetRows), t.verification!.targetRows);
    assert.equal(BigInt(v.sourceChecksum), t.verification!.sourceChecksum);
    assert.equal(BigInt(v.targetChecksum), t.verification!.targetChecksum);
    assert.match(v.sourceChecksumHex, /^[0-9a-f]{16}$/);
    assert.equal(BigInt.asIntN(64, BigInt(`0x${v.targetChecksumHex}`)), t.verification!.targetChecksum);
  });
  const bad = j.tables[2]!;
  assert.equal(bad.on, 'target');
  assert.equal(bad.verification!.match, false);
  assert.equal(bad.verification!.sourceChecksum, '-81985529216486895');
  assert.equal(bad.verification!.sourceChecksumHex, 'fedcba9876543211');
  assert.equal(bad.verification!.targetChecksumHex, '5555555555555555');
  assert.deepEqual(bad.verification!.differingKeys, ['(-7)', '(1048576)', "('o''brien', 3)"]);
  assert.equal(bad.rejectedRows, 2);
  assert.equal(j.verdict, 'mismatch');
  assert.equal(j.summary.mismatched, 1);
});

test('checksums beyond 2^53 survive exactly (a JSON number would not)', () => {
  const r = successReport();
  const big = -9_223_372_036_854_775_807n;
  const t0 = r.tables[0]!;
  const j = parse(
    renderJson({ ...r, tables: [{ ...t0, verification: { ...t0.verification!, sourceChecksum: big, targetChecksum: big } }] }),
  );
  assert.equal(j.tables[0]!.verification!.sourceChecksum, '-9223372036854775807');
  assert.equal(j.tables[0]!.verification!.sourceChecksumHex, '8000000000000001');
  assert.equal(checksumHex(-1n), 'ffffffffffffffff');
  assert.equal(checksumHex(0n), '0000000000000000');
});

test('failure: error, unverified tables as null, decisions with fix null when absent', () => {
  const j = parse(renderJson(failedReport()));
  assert.equal(j.verdict, 'failed');
  assert.match(j.error!, /^load: COPY into app\.public\.events failed/);
  assert.equal(j.tables[0]!.verification, null);
  assert.equal(j.tables[0]!.resumed, true);
  assert.deepEqual(
    j.decisions.map((d) => [d.kind, d.fix]),
    [
      ['as-is', null],
      ['changed', null],
      ['changed', null],
      ['not-convertible', 'rewrite the view by hand after the migration'],
    ],
  );
  assert.equal(j.decisions[3]!.object, 'view app.public.<script>alert(1)</script>');
  assert.equal(j.phases[2]!.status, 'failed');
  assert.equal(j.phases[2]!.detail, 'COPY failed on app.public.events');
  assert.deepEqual(j.targets, [{ label: 'test instance', description: 'temporary PostgreSQL 16.4 on 127.0.0.1:54329' }]);
});

test('every key is present in every table entry (stable shape)', () => {
  for (const r of [successReport(), failedReport()]) {
    for (const t of parse(renderJson(r)).tables) {
      assert.deepEqual(Object.keys(t), [
        'source',
        'target',
        'on',
        'columns',
        'rowsLoaded',
        'rejectedRows',
        'bytes',
        'sourceBytes',
        'loadSeconds',
        'resumed',
        'verification',
        'sync',
      ]);
    }
  }
});

test('rows and bytes are counted once, on the target; the test instance rehearsal is apart', () => {
  const j = parse(renderJson(mismatchReport()));
  // orders is loaded into the test instance (1,234,567 rows) and the target (1,234,565): counting
  // both would report 2,517,345 rows.
  assert.equal(j.summary.countedOn, 'target');
  assert.equal(j.summary.rowsLoaded, 48_213 + 1_234_565 + 0);
  assert.equal(j.summary.bytes, (48_213 + 1_234_565) * 87);
  assert.equal(j.summary.rejectedRows, 2);
  assert.deepEqual(j.summary.testInstance, { tableLoads: 1, rowsLoaded: 1_234_567, rejectedRows: 0, bytes: 1_234_567 * 87 });
  assert.deepEqual(j.steps, []);
  assert.deepEqual(j.excludedTables, []);
});
