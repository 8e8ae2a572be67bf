import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { renderSampleConfig } from '../config/sample-config.js';

/** Writes the commented sample config; refuses to overwrite an existing file unless `force`. */
export function createConfigFile(path: string, force: boolean): string {
  const target = resolve(path);
  if (existsSync(target) && !force) {
    throw new ConfigError(`${path} already exists; not overwritten`, 'pass --force to replace it, or --config OTHER_PATH to write elsewhere');
  }
  writeFileSync(target, renderSampleConfig(), { mode: 0o600 });
  return target;
}
