import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderText } from './render-text.js';
import { failedReport, mismatchReport, successReport } from './testing/fixtures.js';

const HEADINGS = [
  'MIGRATION VALIDATION REPORT',
  'DATABASE STRUCTURE OVERVIEW',
  'SCHEMA VALIDATION RESULTS',
  'DATA VALIDATION RESULTS',
  'CROSS VALIDATION RESULTS',
  'COMPATIBILITY ISSUES',
  'OVERALL ASSESSMENT',
  'RECOMMENDATIONS:',
];

test('text report keeps the original sections in the original order, framed by the banner', () => {
  for (const r of [successReport(), mismatchReport(), failedReport()]) {
    const t = renderText(r);
    const lines = t.split('\n');
    assert.deepEqual(lines.slice(0, 3), ['='.repeat(80), 'MIGRATION VALIDATION REPORT', '='.repeat(80)]);
    let at = -1;
    for (const h of HEADINGS) {
      const i = lines.indexOf(h);
      assert.ok(i > at, `${h} missing or out of order`);
      at = i;
    }
    const d = r.finishedAt;
    const p = (n: number) => String(n).padStart(2, '0');
    const expected = `Report generated: ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    assert.equal(lines.at(-3), expected);
    assert.equal(lines.at(-2), '='.repeat(80));
  }
});

test('success: structure overview with markers, real counts and hex checksums, OK status', () => {
  const t = renderText(successReport());
  assert.match(
    t,
    /^shop\n {3}tables: 3, views: 0, sequences: 1, types: 1\n-- public\n---- customers \(S\+D\) {2}\[target: match\]\n---- orders \(S\+D\) {2}\[target: match\]\n-- sales\n---- invoices \(S\) {2}\[target: match\]$/m,
  );
  // Numbers right-aligned under their headers; checksum -0x0123456789abcdef in two's complement.
  assert.match(
    t,
    /shop\.public\.orders\s+target\s+1234567\s+-\s+[\d.]+ [KMG]?B\s+1234567\s+1234567\s+fedcba9876543211\s+fedcba9876543211\s+match\s+0\s+4\.94\s+14\.20/,
  );
  assert.match(
    t,
    /shop\.public\.customers\s+target\s+48213\s+-\s+[\d.]+ [KMG]?B\s+48213\s+48213\s+1f2e3d4c5b6a7988\s+1f2e3d4c5b6a7988\s+match/,
  );
  assert.match(t, /^Total records loaded: 1282780$/m);
  assert.match(t, /^Consistency score: 100\.0%$/m);
  assert.match(t, /^Status: \[OK\] MIGRATION VERIFIED/m);
  assert.match(t, /^None: every object was converted as is\.$/m);
  assert.match(t, /^ {2}verify \(target\)\s+ok\s+16\.70$/m);
  assert.doesNotMatch(t, /WARNINGS|Error:/);
});

test('text table columns line up: every data row has its numbers end where the header ends', () => {
  const lines = renderText(successReport()).split('\n');
  const h = lines.findIndex((l) => l.startsWith('table ') && l.includes('source rows'));
  const header = lines[h]!;
  const end = header.indexOf('source rows') + 'source rows'.length;
  for (const row of lines.slice(h + 2, h + 5)) {
    assert.match(row.slice(0, end), /\d$/, row);
    assert.equal(row[end], ' ', row);
  }
  assert.match(lines[h + 1]!, /^-+( {2}-+)+$/);
});

test('mismatch: MISMATCH row, both row counts, differing keys, status and recommendation', () => {
  const t = renderText(mismatchReport());
  assert.match(
    t,
    /shop\.public\.orders\s+target\s+1234565\s+-\s+[\d.]+ [KMG]?B\s+1234567\s+1234565\s+fedcba9876543211\s+5555555555555555\s+MISMATCH\s+2/,
  );
  assert.match(
    t,
    /shop\.public\.orders\s+test instance\s+1234567\s+-\s+[\d.]+ [KMG]?B\s+1234567\s+1234567\s+fedcba9876543211\s+fedcba9876543211\s+match/,
  );
  assert.match(t, /---- orders \(S\+D\) {2}\[test instance: match, target: MISMATCH\]/);
  assert.match(t, /shop\.public\.orders on target: source 1234567 rows \/ fedcba9876543211, PostgreSQL 1234565 rows \/ 5555555555555555/);
  for (const k of ['(-7)', '(1048576)', "('o''brien', 3)"]) assert.ok(t.includes(`    differing key: ${k}\n`), k);
  assert.match(t, /^Different: 1$/m);
  assert.match(t, /^Consistency score: 75.0%$/m);
  assert.match(t, /^Rejected rows: 2$/m);
  assert.match(t, /^Status: \[X\] MIGRATION NOT VERIFIED/m);
  assert.match(t, /^\d\. Do not switch over/m);
  assert.match(t, /^\[CHANGED\] column shop\.public\.orders\.total\n {4}what: DECIMAL\(12,2\) kept/m);
  assert.match(t, /^WARNINGS\n-+\n- 2 rows of shop\.public\.orders were rejected/m);
  assert.match(t, /^Test instance: temporary PostgreSQL 16\.4/m);
});

test('failure: error line, failed phase, not-convertible before changed, with why and fix', () => {
  const t = renderText(failedReport());
  assert.match(t, /^Status: \[X\] MIGRATION FAILED/m);
  assert.match(t, /^Error: load: COPY into app\.public\.events failed at key \/Table\/108\/1\/42/m);
  assert.match(t, /load \(test instance\)\s+FAILED\s+37\.10\s+COPY failed on app\.public\.events/);
  const nc = t.indexOf('[NOT CONVERTIBLE] view app.public.<script>alert(1)</script>');
  const ch = t.indexOf('[CHANGED] table app.public.users');
  assert.ok(nc > 0 && ch > nc);
  assert.ok(
    t.includes('    why:  uses crdb_internal.node_id() & "AS OF SYSTEM TIME"\n    fix:  rewrite the view by hand after the migration\n'),
  );
  assert.match(t, /^1\. Fix the error above and rerun the same command/m);
  assert.match(t, /not verified/);
  assert.match(t, /app\.public\.users \(resumed\)/);
  assert.match(t, /^Objects not convertible: 1$/m);
  assert.match(t, /^Objects changed to fit PostgreSQL: 2$/m);
});

test('control characters in user text cannot break lines', () => {
  const r = failedReport();
  const t = renderText({ ...r, error: 'bad\nline\u001b[31m', warnings: ['a\tb'] });
  assert.match(t, /^Error: bad\\nline\\x1b\[31m$/m);
  assert.match(t, /^- a\\tb$/m);
  assert.ok(!t.includes('\u001b'));
});
