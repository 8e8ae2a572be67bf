import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderText } from './render-text.js';
import { mismatchReport } from './testing/fixtures.js';
import { writeReports } from './write-reports.js';

test('writeReports creates the folder and writes the three renderings', async () => {
  const root = await mkdtemp(join(tmpdir(), 'report-'));
  try {
    const dir = join(root, 'nested', 'run-1');
    const r = mismatchReport();
    const paths = await writeReports(r, dir);
    assert.deepEqual(paths, { text: join(dir, 'validation_report.txt'), json: join(dir, 'report.json'), html: join(dir, 'report.html') });
    assert.equal(await readFile(paths.text, 'utf8'), renderText(r));
    assert.equal(await readFile(paths.json, 'utf8'), renderJson(r));
    assert.equal(await readFile(paths.html, 'utf8'), renderHtml(r));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
