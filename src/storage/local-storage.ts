import { readdir, stat, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { StorageError } from '../util/errors.js';
import { localFileReader } from './local-file.js';
import type { RangeReader } from './range-reader.js';
import { collapseDelimited, compareNames, joinPath, type ListOptions, type Storage } from './storage.js';

/** A Storage over a local folder (plain paths, `file://`, and `nodelocal://` mapped to a folder). */
export function localStorage(root: string): Storage {
  const abs = (path: string): string => {
    const rel = joinPath('', path);
    if (rel.split('/').includes('..')) {
      throw new StorageError(`path ${path} leaves the storage folder ${root}`, 'use a path inside the backup folder');
    }
    return rel === '' ? root : join(root, ...rel.split('/'));
  };

  async function walk(dir: string, rel: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw new StorageError(`cannot list ${dir}: ${code ?? String(e)}`, 'check the path and its permissions', {
        cause: e,
      });
    }
    for (const d of entries) {
      const r = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) await walk(join(dir, d.name), r, out);
      else if (d.isFile() || d.isSymbolicLink()) out.push(r);
    }
  }

  return {
    name: root,
    async list(prefix: string, opts?: ListOptions) {
      // Walk only the deepest folder fully contained in the prefix.
      const cut = prefix.lastIndexOf('/');
      const dirRel = cut < 0 ? '' : prefix.slice(0, cut);
      const out: string[] = [];
      await walk(abs(dirRel), dirRel, out);
      const names = out.filter((n) => n.startsWith(prefix)).sort(compareNames);
      return collapseDelimited(names, prefix, opts?.delimiter);
    },
    reader(path: string): RangeReader {
      return localFileReader(abs(path));
    },
    async exists(path: string) {
      try {
        return (await stat(abs(path))).isFile();
      } catch {
        return false;
      }
    },
    async readAll(path: string) {
      const p = abs(path);
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
      return localStorage(abs(path));
    },
    async close() {},
  };
}

/** Normalises a local root so that messages show a stable folder name. */
export function trimTrailingSep(p: string): string {
  return p.length > 1 && (p.endsWith('/') || p.endsWith(sep)) ? p.slice(0, -1) : p;
}
