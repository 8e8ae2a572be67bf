import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { renderSampleConfig } from '../config/sample-config.js';

/** Writes the commented sample config (creating its folder); refuses to overwrite an existing file unless `force`. */
export function createConfigFile(path: string, force: boolean): string {
  const target = resolve(path);
  if (existsSync(target) && !force) {
    throw new ConfigError(
      `${path} already exists; not overwritten`,
      'pass --force to replace it, or --config OTHER_PATH to write elsewhere',
    );
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, renderSampleConfig(), { mode: 0o600 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ConfigError(`cannot write ${path} (${code})`, 'pass --config with a path in a folder you may write to', { cause: e });
  }
  return target;
}
