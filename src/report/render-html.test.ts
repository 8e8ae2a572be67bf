import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, renderHtml } from './render-html.js';
import { failedReport, mismatchReport, successReport } from './testing/fixtures.js';

/** Text content with tags stripped and the five entities decoded, to assert what a reader sees. */
const visible = (h: string): string =>
  h
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<wbr>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

test('self-contained: no scripts, no external assets', () => {
  for (const r of [successReport(), mismatchReport(), failedReport()]) {
    const h = renderHtml(r);
    assert.match(h, /^<!doctype html>/);
    assert.match(h, /<\/html>\n$/);
    assert.doesNotMatch(h, /<script|<link|<img|src=|@import|url\(/i);
  }
});

test('success: green banner first, summary numbers, per-table counts and checksums', () => {
  const h = renderHtml(successReport());
  const banner = h.indexOf('<div class="banner ok"');
  assert.ok(banner > 0 && banner < h.indexOf('<h2>'));
  const text = visible(h);
  assert.match(text, /Migration verified Every table/);
  assert.match(text, /3 tables 1,282,780 rows loaded \(target\) 3 \/ 3 matches 0 mismatches 0 not verified 0 rejected rows/);
  assert.match(text, /125\.5 s duration/);
  assert.match(
    text,
    /shop\.public\.orders shop\.public\.orders target – 107 MB 1,234,567 1,234,567 fedcba9876543211 fedcba9876543211 match 0 4\.94 14\.20/,
  );
  assert.match(text, /4 objects converted as is/);
  assert.match(h, /<details><summary>4 objects converted as is<\/summary>/);
  assert.doesNotMatch(text, /Warnings|Error:/);
});

test('mismatch: red banner, MISMATCH row highlighted with differing keys, amber-free numbers', () => {
  const h = renderHtml(mismatchReport());
  assert.ok(h.includes('<div class="banner bad"'));
  const text = visible(h);
  assert.match(text, /Differences found/);
  assert.match(
    text,
    /shop\.public\.orders shop\.public\.orders target – 107 MB 1,234,567 1,234,565 fedcba9876543211 5555555555555555 MISMATCH \(-7\) \(1048576\) \('o''brien', 3\) 2/,
  );
  assert.match(
    text,
    /shop\.public\.orders shop\.public\.orders test instance – 107 MB 1,234,567 1,234,567 fedcba9876543211 fedcba9876543211 match/,
  );
  assert.match(text, /3 \/ 4 matches 1 mismatches/);
  assert.match(h, /<tr class="bad">/);
  assert.match(h, /<code class="diff">5555555555555555<\/code>/);
  assert.match(text, /Warnings 2 rows of shop\.public\.orders were rejected/);
});

test('failure: error in the banner, failed phase, decisions grouped with not-convertible first', () => {
  const h = renderHtml(failedReport());
  const text = visible(h);
  assert.match(
    text,
    /Migration failed .* Error: load: COPY into app\.public\.events failed at key \/Table\/108\/1\/42: invalid byte sequence for encoding "UTF8": 0xff/,
  );
  assert.match(text, /load \(test instance\) failed 37\.10 COPY failed on app\.public\.events/);
  assert.match(text, /verify \(test instance\) skipped 0\.00/);
  const nc = text.indexOf('Not convertible');
  const ch = text.indexOf('Changed to fit PostgreSQL');
  const asIs = text.indexOf('1 object converted as is');
  assert.ok(nc > 0 && ch > nc && asIs > ch, `${nc} ${ch} ${asIs}`);
  assert.match(
    text,
    /1 Not convertible object what why what you can do view app\.public\.<script>alert\(1\)<\/script> view not created uses crdb_internal\.node_id\(\) & "AS OF SYSTEM TIME" rewrite the view by hand/,
  );
  assert.match(text, /5,000 loaded/);
  assert.match(text, /resumed/);
});

test('every user-provided string is escaped: markup in names renders as text', () => {
  const h = renderHtml(failedReport());
  assert.equal(h.includes('<script>'), false);
  assert.equal(h.includes('<b>x</b>'), false);
  assert.ok(h.includes('app.<wbr>public.<wbr>&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(h.includes('app.<wbr>public.<wbr>&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;'));
  assert.match(visible(h), /app\.public\.<script>alert\(1\)<\/script> app\.public\."<script>alert\(1\)<\/script>" test instance/);
  assert.ok(h.includes('tables &lt;b&gt;x&lt;/b&gt; &amp; y'));
  const r = failedReport();
  const evil = '"><img src=x onerror=alert(2)>';
  const h2 = renderHtml({
    ...r,
    tool: { name: evil, version: evil },
    source: { kind: evil, description: evil },
    targets: [{ label: 'target', description: evil }],
    error: evil,
  });
  assert.equal(h2.includes('<img'), false);
  assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
});

test('banner colour follows the verdict: amber for success with warnings', () => {
  const r = successReport();
  const warned = {
    ...r,
    warnings: ['sequence shop.public.s: value read as of the backup time'],
    verdict: 'success-with-warnings' as const,
  };
  const h = renderHtml(warned);
  assert.ok(h.includes('<div class="banner warn"'));
  assert.match(visible(h), /Migration verified, with warnings/);
  assert.ok(renderHtml(r).includes('<div class="banner ok"'));
});

test('the tables section is well formed: one header cell per data cell, no stray text', () => {
  const h = renderHtml(successReport());
  const section = h.slice(h.indexOf('<h2>Tables</h2>'), h.indexOf('</table>', h.indexOf('<h2>Tables</h2>')));
  const head = section.slice(section.indexOf('<thead>'), section.indexOf('</thead>'));
  const firstRow = section.slice(section.indexOf('<tbody>') + 7, section.indexOf('</tr>', section.indexOf('<tbody>')));
  assert.equal((head.match(/<th[\s>]/g) ?? []).length, (firstRow.match(/<td[\s>]/g) ?? []).length);
  assert.equal((head.match(/<th[\s>]/g) ?? []).length, (head.match(/<\/th>/g) ?? []).length);
  assert.equal(/nbsp;(?!;)/.test(h.replace(/&nbsp;/g, '')), false, 'no broken entities');
});
