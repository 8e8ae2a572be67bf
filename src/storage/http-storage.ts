import { httpError, httpRangeReader, httpRequest, HttpStatusError, readAllHttp, type HttpContext, requestPolicy } from './http-fetch.js';
import { confinePath } from './confine-path.js';
import { joinPath, type Storage, type StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';

const HINT = 'check the URL; http(s) storage needs a server that answers GET with Range and HEAD';

/**
 * Plain `http(s)://host/path` storage (CockroachDB's `http` external storage). HTTP cannot list, so
 * `list()` returns nothing: the root `LATEST` file is used and incrementals must be named explicitly.
 */
export function httpStorage(url: StorageUrl, opts: StorageOptions): Storage {
  const ctx: HttpContext = {
    ...requestPolicy(opts),
    headers: async () => ({}),
  };
  return at(ctx, url.origin ?? '', url.prefix);
}

function at(ctx: HttpContext, origin: string, prefix: string): Storage {
  const name = `${origin}/${prefix}`;
  const objUrl = (path: string): URL =>
    new URL(`${origin}/${joinPath(prefix, confinePath(name, path)).split('/').map(encodeURIComponent).join('/')}`);
  const where = (path: string): string => `${origin}/${joinPath(prefix, confinePath(name, path))}`;
  return {
    name,
    async list(p) {
      confinePath(name, p, { prefix: true });
      return [];
    },
    reader(path) {
      return httpRangeReader(ctx, where(path), objUrl(path), HINT);
    },
    async exists(path) {
      try {
        await httpRequest(ctx, 'HEAD', objUrl(path));
        return true;
      } catch (e) {
        if (e instanceof HttpStatusError && e.status === 404) return false;
        throw httpError(e, where(path), 'head', HINT);
      }
    },
    readAll(path) {
      return readAllHttp(ctx, where(path), objUrl(path), HINT);
    },
    sub(path) {
      return at(ctx, origin, joinPath(prefix, confinePath(name, path)));
    },
    async close() {},
  };
}
