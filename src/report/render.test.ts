import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verdictOf, type MigrationReport, type TableReport } from './model.js';
import { renderHtml } from './render-html.js';
import { renderJson, checksumHex } from './render-json.js';
import { renderText } from './render-text.js';

function table(source: string, match: boolean | undefined, keys: string[] = []): TableReport {
  return {
    source,
    target: `app.public.${source.split('.').pop()}`,
    on: 'target',
    columns: 3,
    rowsLoaded: 1234567,
    rejectedRows: 0,
    bytes: 10,
    loadSeconds: 1.5,
    resumed: false,
    ...(match === undefined
      ? {}
      : { verification: { sourceRows: 1234567n, targetRows: match ? 1234567n : 1234566n, sourceChecksum: -5n, targetChecksum: match ? -5n : 7n, match, differingKeys: keys, seconds: 0.5 } }),
  };
}

function report(tables: TableReport[], extra: Partial<MigrationReport> = {}): MigrationReport {
  const partial = {
    tool: { name: 'cockroach-migrate', version: '0.2.0' },
    startedAt: new Date('2026-01-02T03:04:05Z'),
    finishedAt: new Date('2026-01-02T03:05:05Z'),
    source: { kind: 'backup', description: 'backup s3://bucket/coll' },
    targets: [{ label: 'target' as const, description: 'postgres@db:5432' }],
    databases: [{ source: 'app', target: 'app', tables: tables.length, views: 0, sequences: 1, types: 0 }],
    decisions: [{ object: 'table app.public.t', kind: 'changed' as const, what: 'FAMILY dropped', why: 'PostgreSQL has no column families' }],
    phases: [{ name: 'read source', status: 'ok' as const, seconds: 1 }],
    tables,
    warnings: [],
    ...extra,
  };
  return { ...partial, verdict: verdictOf(partial) };
}

test('verdicts follow the contents', () => {
  assert.equal(report([table('app.public.a', true)], { decisions: [] }).verdict, 'success');
  assert.equal(report([table('app.public.a', true)]).verdict, 'success-with-warnings');
  assert.equal(report([table('app.public.a', false)]).verdict, 'mismatch');
  assert.equal(report([table('app.public.a', undefined)], { decisions: [] }).verdict, 'success-with-warnings');
  assert.equal(report([], { error: 'boom' }).verdict, 'failed');
});

test('text report keeps the original sections and shows real numbers and differing keys', () => {
  const t = renderText(report([table('app.public.a', true), table('app.public.b', false, ['42 (differs)'])]));
  for (const h of ['MIGRATION VALIDATION REPORT', 'DATABASE STRUCTURE OVERVIEW', 'SCHEMA VALIDATION RESULTS', 'DATA VALIDATION RESULTS', 'CROSS VALIDATION RESULTS', 'COMPATIBILITY ISSUES', 'OVERALL ASSESSMENT', 'RECOMMENDATIONS:', 'Report generated: ']) {
    assert.ok(t.includes(h), h);
  }
  assert.match(t, /app\.public\.b\s+target\s+1234567\s+1234567\s+1234566\s+fffffffffffffffb\s+0000000000000007\s+MISMATCH/);
  assert.match(t, /key 42 \(differs\)/);
  assert.match(t, /Status: \[X\] MIGRATION NOT VERIFIED/);
  assert.match(t, /\[changed\] table app\.public\.t: FAMILY dropped \(PostgreSQL has no column families\)/);
});

test('JSON report has a stable format with 64-bit numbers as strings', () => {
  const j = JSON.parse(renderJson(report([table('app.public.a', true)]))) as Record<string, unknown> & { tables: Array<{ verification: Record<string, unknown> }> };
  assert.equal(j.format, 'cockroach-migrate-report/1');
  assert.equal(j.verdict, 'success-with-warnings');
  assert.deepEqual(j.tables[0]!.verification.sourceRows, '1234567');
  assert.equal(j.tables[0]!.verification.sourceChecksum, '-5');
  assert.equal(j.tables[0]!.verification.sourceChecksumHex, checksumHex(-5n));
  assert.equal(checksumHex(-5n), 'fffffffffffffffb');
});

test('HTML report escapes user-provided names and shows the verdict first', () => {
  const evil = 'app.public.<script>alert(1)</script>';
  const h = renderHtml(report([table(evil, false, ['<img src=x onerror=alert(2)>'])]));
  assert.equal(h.includes('<script>alert(1)'), false);
  assert.equal(h.includes('<img src=x'), false);
  assert.ok(h.includes('app.public.&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(h.indexOf('Differences found') < h.indexOf('<h2>Tables</h2>'));
  assert.match(h, /1,234,567/);
});
