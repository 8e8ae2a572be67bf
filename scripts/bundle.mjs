#!/usr/bin/env node
// Bundles the three entry points the package runs, each into one file, over what tsc emitted at
// those paths (tsc still emits every module and the .d.ts files):
// - the library, dist/index.js: our modules only; its dependencies stay imports of node_modules,
//   which a library's users resolve, deduplicate and patch as they do any other package's;
// - the CLI, dist/cli/main.js, and the load worker thread, dist/pipeline/workers/load-worker.js:
//   programs, with their dependencies inside, except native addons (@node-rs/crc32, snappy), the
//   optional pg-native and the AWS SDK (loaded only for S3 credentials, and large). A worker
//   thread loads its own copy of every module anyway.
// A run otherwise opens, reads and compiles ~200 of our modules and ~100 of its dependencies' in
// the main thread and again in every worker thread: two workers' start-up took ≈ 0.44-0.63 CPU s
// as tsc emits them, ≈ 0.30-0.45 s with our modules bundled, ≈ 0.21-0.28 s with the dependencies
// too (docs/performance.md, session 12).
//   node scripts/bundle.mjs                 into dist/
//   node scripts/bundle.mjs --outdir <dir>  elsewhere (the bundle test builds into a scratch package)
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : join(root, 'dist');
if (!outdir) throw new Error('--outdir needs a folder');

const common = {
  outbase: join(root, 'src'),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
};

await build({ ...common, entryPoints: [join(root, 'src', 'index.ts')], packages: 'external' });
await build({
  ...common,
  entryPoints: ['cli/main.ts', 'pipeline/workers/load-worker.ts'].map((e) => join(root, 'src', e)),
  external: ['@node-rs/crc32', 'snappy', 'pg-native', '@aws-sdk/*'],
  // ES module builds of dependencies that ship both (jsonc-parser's CommonJS build is UMD, whose
  // require of its own files a bundle cannot follow).
  mainFields: ['module', 'main'],
  // The CommonJS dependencies inside require Node's built-in modules at run time.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
});
