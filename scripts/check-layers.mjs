#!/usr/bin/env node
// The layer rule of docs/architecture (README "Architecture"): a folder of src/ imports only folders
// listed for it, never one higher up the pipeline, and no cycle joins folders. Reads every
// non-test .ts file's relative imports (static `import … from`, `export … from`, and `import()`),
// so it needs no dependency and runs in a second.
//   node scripts/check-layers.mjs          exit 1 and one line per violation
//   node scripts/check-layers.mjs --graph  also print the folder graph
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const src = join(root, 'src');

/**
 * Each folder of src/ and the folders it may import (besides itself). Test files (`*.test.ts`) and
 * test helpers (`testing/` folders, `*.fixture.ts`) may import anything: they are never shipped.
 */
export const ALLOWED = {
  util: [],
  model: ['util'],
  storage: ['util'],
  compress: ['util'],
  sst: ['util', 'compress', 'storage'],
  wal: ['util', 'compress', 'sst'],
  mvcc: ['util', 'sst'],
  pebble: ['util', 'storage', 'compress', 'sst', 'wal', 'mvcc'],
  encoding: ['util', 'model'],
  proto: ['util', 'model'],
  backup: ['util', 'storage', 'compress', 'proto', 'sst', 'mvcc', 'encoding'],
  catalog: ['util', 'model', 'proto', 'encoding', 'mvcc'],
  rows: ['util', 'model', 'mvcc', 'encoding'],
  // `inspect --dump` prints rows the way COPY sends them, hence `copy`.
  source: [
    'util',
    'model',
    'storage',
    'compress',
    'sst',
    'wal',
    'mvcc',
    'pebble',
    'encoding',
    'proto',
    'backup',
    'catalog',
    'rows',
    'config',
    'copy',
  ],
  'show-create': ['util', 'model'],
  ddl: ['util', 'model', 'show-create'],
  copy: ['util', 'model', 'encoding'],
  'pg-instance': ['util'],
  config: ['util'],
  load: ['util', 'model', 'encoding', 'copy', 'rows', 'ddl', 'pg-instance'],
  verify: ['util', 'model', 'encoding', 'copy', 'load'],
  report: ['util', 'model', 'ddl', 'verify'],
  pipeline: ['*'],
  cli: ['*'],
  '.': ['*'],
};

const isTestOnly = (file) => file.endsWith('.test.ts') || file.endsWith('.fixture.ts') || file.split(sep).includes('testing');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const folderOf = (file) => {
  const rel = relative(src, file).split(sep);
  return rel.length === 1 ? '.' : rel[0];
};

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;'"`]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

export function checkLayers() {
  const violations = [];
  const edges = new Map(); // folder → Set(folder), shipped code only
  for (const file of walk(src)) {
    if (isTestOnly(file)) continue;
    const from = folderOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src + sep)) continue;
      if (isTestOnly(target.replace(/\.js$/, '.ts'))) {
        violations.push(`${relative(root, file)} imports test-only ${relative(root, target)}`);
        continue;
      }
      const to = folderOf(target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from).add(to);
      const allowed = ALLOWED[from];
      if (!allowed)
        violations.push(`${relative(root, file)}: folder src/${from}/ has no place in the layer list (scripts/check-layers.mjs)`);
      else if (!allowed.includes('*') && !allowed.includes(to))
        violations.push(`${relative(root, file)} imports ${spec}: src/${from}/ may not import src/${to}/`);
    }
  }
  // A cycle between folders, even among allowed edges (pipeline ↔ cli would be one).
  const seen = new Set();
  const stack = [];
  const onStack = new Set();
  const visit = (f) => {
    if (onStack.has(f)) {
      violations.push(`folder cycle: ${[...stack.slice(stack.indexOf(f)), f].join(' → ')}`);
      return;
    }
    if (seen.has(f)) return;
    seen.add(f);
    stack.push(f);
    onStack.add(f);
    for (const t of edges.get(f) ?? []) visit(t);
    stack.pop();
    onStack.delete(f);
  };
  for (const f of edges.keys()) visit(f);
  return { violations, edges };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { violations, edges } = checkLayers();
  if (process.argv.includes('--graph')) {
    for (const [f, ts] of [...edges].sort()) console.log(`${f} → ${[...ts].sort().join(', ')}`);
  }
  for (const v of violations) console.error(v);
  console.log(`check-layers: ${violations.length} violation(s)`);
  process.exit(violations.length === 0 ? 0 : 1);
}
