import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationReport } from './model.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderText } from './render-text.js';

/** Writes validation_report.txt, report.json and report.html into `dir`; returns their paths. */
export async function writeReports(r: MigrationReport, dir: string): Promise<{ text: string; json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { text: join(dir, 'validation_report.txt'), json: join(dir, 'report.json'), html: join(dir, 'report.html') };
  await Promise.all([writeFile(paths.text, renderText(r)), writeFile(paths.json, renderJson(r)), writeFile(paths.html, renderHtml(r))]);
  return paths;
}
