/**
 * The folder of cockroach-migrate's own package.json, found by walking up from this module. The
 * same code runs from src/ (tests, through tsx), from dist/ as tsc emits it, and from the bundled
 * entries (dist/index.js, dist/cli/main.js, dist/pipeline/workers/load-worker.js, see
 * scripts/bundle.mjs), each at another depth: a path relative to `import.meta.url` would be right
 * for only one of them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'cockroach-migrate';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (nameOf(join(dir, 'package.json')) === PACKAGE_NAME) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${start}: reinstall ${PACKAGE_NAME}`);
  }
}

function nameOf(packageJson: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined; // absent or unreadable: not ours, look further up
  }
}
