#!/usr/bin/env node
// Bundles the three entry points the package runs — the library (dist/index.js), the CLI
// (dist/cli/main.js) and the load worker thread (dist/pipeline/workers/load-worker.js) — each into
// one file, over what tsc emitted at those paths (tsc still emits every module and the .d.ts files).
// A run otherwise opens, reads and compiles ~200 modules in the main thread and again in every
// worker thread: two workers' start-up took ≈ 0.44-0.63 CPU s unbundled, ≈ 0.30-0.45 s bundled
// (docs/performance.md, session 12). Dependencies stay imports of node_modules: a library's users
// resolve, deduplicate and patch them as they do any other package.
//   node scripts/bundle.mjs                 into dist/
//   node scripts/bundle.mjs --outdir <dir>  elsewhere (the bundle test builds into a scratch package)
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : join(root, 'dist');
if (!outdir) throw new Error('--outdir needs a folder');

export const ENTRIES = ['index.ts', 'cli/main.ts', 'pipeline/workers/load-worker.ts'];

await build({
  entryPoints: ENTRIES.map((e) => join(root, 'src', e)),
  outbase: join(root, 'src'),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
