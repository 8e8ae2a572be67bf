/** `cockroach-migrate check`: the preflight checks and the plan, in seconds, loading nothing. */
import type { LoadedConfig } from '../config/load-config.js';
import { preflight } from '../pipeline/preflight.js';
import { redactor } from '../util/redact.js';
import type { Logger } from '../util/logger.js';

/** Prints the plan on stdout and each problem as one `error:` line; 0 = ready, 1 = not, 2 = a configuration error among the problems. */
export async function runCheck(loaded: LoadedConfig, logger: Logger): Promise<number> {
  const r = await preflight(loaded.config);
  for (const w of r.warnings) logger.warn(w);
  for (const line of r.plan) process.stdout.write(`${redactor.redact(line)}\n`);
  // Through the logger: `error: …` lines, or JSON records with --log-format json, and migration.log.
  for (const p of r.problems) logger.error(p);
  if (r.problems.length === 0) process.stdout.write('ready: every check passed\n');
  return r.problems.length === 0 ? 0 : r.configurationError ? 2 : 1;
}
