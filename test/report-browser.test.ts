/**
 * report.html is for a person in a browser: open it in a real headless Chromium (Debian's, see
 * scripts/ensure-chromium.mjs) and check what a reader sees — the verdict banner in its colour,
 * every table with its result, differing keys, no script errors, and no page wider than the
 * window on a laptop or a phone (wide tables scroll inside their box). The reports are the
 * renderer's three hand-built cases and the report of a real migration run here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from '../scripts/ensure-chromium.mjs';
import { resolveConfig } from '../src/config/load-config.js';
import { migrate } from '../src/pipeline/migrate.js';
import { testInstanceServer } from '../src/pipeline/pg-target.js';
import type { MigrationReport } from '../src/report/model.js';
import { renderHtml } from '../src/report/render-html.js';
import { writeReports } from '../src/report/write-reports.js';
import { failedReport, mismatchReport, successReport } from '../src/report/testing/fixtures.js';
import { silentLogger } from '../src/util/logger.js';
import { withTempPostgres } from './support/pg.js';

const CHROMIUM = findChromium();
const skip = CHROMIUM ? false : 'no Chromium on this machine (npm test installs Debian’s as root; or set CHROMIUM_PATH)';
const EMAILS = new URL('../../shared/fixtures/crdb-stores/emails-v2.1.4', import.meta.url).pathname;

let browser: Browser | undefined;
before(async () => {
  if (!CHROMIUM) return;
  // As root Chromium needs --no-sandbox; the rest keeps it off this machine's closed network.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
});

const dir = mkdtempSync(join(tmpdir(), 'cm-report-browser-'));

interface Seen {
  errors: string[];
  bannerTitle: string;
  bannerColour: string;
  tableRows: { source: string; result: string }[];
  keys: string[];
  overflowPx: number;
}

/**
 * What the reader sees, measured in the page (a string: the project's types have no DOM). Only
 * laid-out elements count as visible.
 */
const PAGE_FACTS = `(() => {
  const visible = (e) => !!e && e.offsetWidth > 0 && e.offsetHeight > 0;
  const banner = document.querySelector('.banner');
  const h1 = banner && banner.querySelector('h1');
  const rows = [...document.querySelectorAll('.scroll table tbody tr')].filter(visible).map((tr) => ({
    source: (tr.querySelector('td.name') || tr.querySelector('td') || {}).textContent || '',
    result: (tr.querySelector('td.res') || {}).textContent || '',
  }));
  return {
    bannerTitle: visible(h1) ? h1.textContent : '',
    bannerColour: banner ? getComputedStyle(banner).backgroundColor : '',
    tableRows: rows,
    keys: [...document.querySelectorAll('ul.keys code')].filter(visible).map((c) => c.textContent),
    overflowPx: document.documentElement.scrollWidth - window.innerWidth,
  };
})()`;

async function open(file: string, width: number, height: number): Promise<Seen> {
  const page = await browser!.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await page.goto(`file://${file}`);
    const seen = (await page.evaluate(PAGE_FACTS)) as Omit<Seen, 'errors'>;
    const png = join(dir, `${file.split('/').at(-1)}-${width}.png`);
    await page.screenshot({ path: png, fullPage: true });
    assert.ok(statSync(png).size > 10_000, `screenshot ${png} has content`);
    return { errors, ...seen };
  } finally {
    await page.close();
  }
}

const GREEN = 'rgb(31, 122, 63)';
const AMBER = 'rgb(163, 95, 0)';
const RED = 'rgb(179, 38, 30)';

function expectPage(seen: Seen, report: MigrationReport, title: string, colour: string): void {
  assert.deepEqual(seen.errors, []);
  assert.equal(seen.bannerTitle, title);
  assert.equal(seen.bannerColour, colour);
  assert.deepEqual(
    seen.tableRows.map((r) => r.source.replace(/\s*resumed$/, '')),
    report.tables.length ? report.tables.map((t) => t.source) : ['No table was loaded.'],
  );
  assert.ok(seen.overflowPx <= 0, `the page is ${seen.overflowPx}px wider than the window`);
}

const CASES: [string, () => MigrationReport, string, string][] = [
  ['success', successReport, 'Migration verified', GREEN],
  ['mismatch', mismatchReport, 'Differences found', RED],
  ['failed', failedReport, 'Migration failed', RED],
];

for (const [name, make, title, colour] of CASES) {
  test(`report.html in Chromium (${name}): banner, every table, no errors, fits a laptop and a phone`, { skip }, async () => {
    const report = make();
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderHtml(report));
    for (const [w, h] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      const seen = await open(file, w, h);
      expectPage(seen, report, title, colour);
      if (name === 'mismatch') {
        const bad = report.tables.filter((t) => t.verification && !t.verification.match);
        assert.ok(bad.length > 0);
        assert.deepEqual(
          seen.keys,
          bad.flatMap((t) => t.verification!.differingKeys),
        );
        assert.equal(seen.tableRows.filter((r) => /^MISMATCH/.test(r.result)).length, bad.length);
      }
    }
  });
}

test('report.html of a real migration (emails store → PostgreSQL) in Chromium', { skip }, async () => {
  const server = await withTempPostgres();
  const reportDir = mkdtempSync(join(dir, 'real-'));
  const { config } = resolveConfig({
    file: { source: { type: 'store', path: EMAILS }, report_dir: reportDir, test_postgresql_import: false, log_file: '' },
    env: {},
  });
  const report = await migrate({ config, logger: silentLogger, target: testInstanceServer(server, 'target') });
  assert.equal(report.error, undefined);
  const { html } = await writeReports(report, reportDir);
  assert.match(readFileSync(html, 'utf8'), /^<!doctype html>/);
  const seen = await open(html, 1280, 800);
  expectPage(
    seen,
    report,
    report.verdict === 'success' ? 'Migration verified' : 'Migration verified, with warnings',
    report.verdict === 'success' ? GREEN : AMBER,
  );
  for (const r of seen.tableRows) assert.match(r.result, /identical|match/i, r.source);
});
