import { resolve } from 'node:path';
import { azureStorage } from './azure-storage.js';
import { gcsStorage } from './gcs-storage.js';
import { httpStorage } from './http-storage.js';
import { localStorage, trimTrailingSep } from './local-storage.js';
import { s3Storage } from './s3-storage.js';
import type { Storage, StorageOptions } from './storage.js';
import { parseStorageUrl } from './storage-url.js';

/**
 * Opens a storage location: `s3://bucket/path`, `gs://`, `azure://` / `azure-blob://`, `http(s)://`,
 * `file:///abs`, `nodelocal://<node>/path` (mapped to `opts.nodelocalRoot`) or a local path.
 * No request is made until the first call.
 */
export function openStorage(url: string, opts: StorageOptions = {}): Storage {
  const u = parseStorageUrl(url);
  switch (u.scheme) {
    case 'local':
      return localStorage(trimTrailingSep(u.nodelocal ? resolve(opts.nodelocalRoot ?? '.', u.prefix) : resolve(u.prefix)));
    case 's3':
      return s3Storage(u, opts);
    case 'gs':
      return gcsStorage(u, opts);
    case 'azure':
      return azureStorage(u, opts);
    case 'http':
      return httpStorage(u, opts);
    default: {
      const never: never = u.scheme;
      throw new Error(`unreachable scheme ${String(never)}`);
    }
  }
}
