import { realpathSync } from 'node:fs';
import { readdir, stat, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { StorageError } from '../util/errors.js';
import { confinePath, printablePath } from './confine-path.js';
import { localFileReader } from './local-file.js';
import type { RangeReader } from './range-reader.js';
import { collapseDelimited, compareNames, type ListOptions, type Storage } from './storage.js';

/** A Storage over a local folder (plain paths, `file://`, and `nodelocal://` mapped to a folder). */
export function localStorage(root: string): Storage {
  let realRoot: string | undefined;
  return localAt(root, () => (realRoot ??= realPath(root) ?? root));
}

/** The real path of `p` (symbolic links resolved), or undefined when it cannot be resolved (missing). */
function realPath(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/**
 * `dir` is the folder this view is rooted at; `boundary` resolves (once) the real path of the
 * outermost folder opened, which every file must stay inside even when reached through a `sub()`.
 */
function localAt(dir: string, boundary: () => string): Storage {
  const abs = (path: string, prefix = false): string => {
    const rel = confinePath(dir, path, { prefix });
    return rel === '' ? dir : join(dir, ...rel.split('/'));
  };

  /**
   * Refuses a file whose real path (symbolic links resolved) is outside the backup folder: a link
   * inside a backup must not make the tool read, or quote in errors, a file elsewhere on this host.
   * A missing file passes: the read that follows reports it as missing.
   */
  // Synchronous, like the file reads (local-file.ts): one realpath per opened SST, thousands of them.
  const inside = (p: string): void => {
    const top = boundary();
    const real = realPath(p);
    if (real === undefined) return;
    if (real !== top && !real.startsWith(top.endsWith(sep) ? top : top + sep)) {
      throw new StorageError(
        `${printablePath(p, 300)} is a symbolic link leading out of the backup folder ${printablePath(top, 300)}`,
        'copy the file into the backup folder instead of linking to it',
      );
    }
  };

  async function walk(d: string, rel: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw new StorageError(`cannot list ${d}: ${code ?? String(e)}`, 'check the path and its permissions', {
        cause: e,
      });
    }
    for (const ent of entries) {
      const r = rel === '' ? ent.name : `${rel}/${ent.name}`;
      if (ent.isDirectory()) await walk(join(d, ent.name), r, out);
      else if (ent.isFile() || ent.isSymbolicLink()) out.push(r);
    }
  }

  return {
    name: dir,
    async list(prefix: string, opts?: ListOptions) {
      const p = confinePath(dir, prefix, { prefix: true });
      // Walk only the deepest folder fully contained in the prefix.
      const cut = p.lastIndexOf('/');
      const dirRel = cut < 0 ? '' : p.slice(0, cut);
      const start = abs(dirRel);
      inside(start);
      const out: string[] = [];
      await walk(start, dirRel, out);
      const names = out.filter((n) => n.startsWith(p)).sort(compareNames);
      return collapseDelimited(names, p, opts?.delimiter);
    },
    reader(path: string): RangeReader {
      const p = abs(path);
      return localFileReader(p, () => inside(p));
    },
    async exists(path: string) {
      const p = abs(path);
      inside(p);
      try {
        return (await stat(p)).isFile();
      } catch {
        return false;
      }
    },
    async readAll(path: string) {
      const p = abs(path);
      inside(p);
      try {
        const b = await readFile(p);
        return new Uint8Array(b.buffer, b.byteOffset, b.length);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new StorageError(
          `cannot read ${p}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`,
          code === 'ENOENT' ? 'the backup is incomplete or the path is wrong' : 'check the path and its permissions',
          { cause: e },
        );
      }
    },
    sub(path: string) {
      return localAt(abs(path), boundary);
    },
    async close() {},
  };
}

/** Normalises a local root so that messages show a stable folder name. */
export function trimTrailingSep(p: string): string {
  return p.length > 1 && (p.endsWith('/') || p.endsWith(sep)) ? p.slice(0, -1) : p;
}
