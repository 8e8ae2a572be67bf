#!/usr/bin/env node
// Finds every *.test.ts below src/ and test/ and runs them with node's own test runner,
// TypeScript loaded through tsx. Node 20 has no glob support in `--test`, hence this file.
//   node scripts/run-tests.mjs            all tests
//   node scripts/run-tests.mjs --unit     only src/ (no test/ end-to-end files)
//   node scripts/run-tests.mjs sst wal    only files whose path contains one of the words
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './ensure-chromium.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const dirs = unitOnly ? ['src'] : ['src', 'test'];
let files = dirs.flatMap((d) => walk(join(root, d), [])).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
if (files.some((f) => f.includes('report-browser'))) {
  const chromium = ensureChromium();
  if (chromium) process.env.CHROMIUM_PATH = chromium;
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
