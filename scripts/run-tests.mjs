#!/usr/bin/env node
// Finds every *.test.ts below src/ and test/ and runs them with node's own test runner,
// TypeScript loaded through tsx. Node 20 has no glob support in `--test`, hence this file.
//   node scripts/run-tests.mjs            all tests
//   node scripts/run-tests.mjs --unit     only src/, and no file that starts a PostgreSQL (`*.pg.test.ts`)
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

/** The marker of a test file that starts a PostgreSQL (directly, or through a migration or `demo`). */
const SERVICE_TEST = '.pg.test.ts';

/**
 * The ceiling for one test file. Node 20 applies `--test-timeout` to each file as a whole (a file's
 * tests run one after another inside it), so this bounds a hung test without cutting a slow file
 * short: the longest single test asks for 3 minutes (`{ timeout: 180_000 }`), whole end-to-end files
 * take a few minutes on 2 cores. A test that needs less can still set its own, shorter `timeout`.
 */
const FILE_TIMEOUT_MS = 15 * 60_000;

const dirs = unitOnly ? ['src'] : ['src', 'test'];
let files = dirs.flatMap((d) => walk(join(root, d), [])).sort();
if (unitOnly) files = files.filter((f) => !f.endsWith(SERVICE_TEST));
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
  ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
