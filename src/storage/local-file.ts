import { open, type FileHandle } from 'node:fs/promises';
import { StorageError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';

/**
 * A RangeReader over a local file, opened lazily and kept open until close(). `beforeOpen` runs
 * first and may refuse the file (local storage checks that it stays inside the backup folder).
 */
export function localFileReader(path: string, beforeOpen?: () => Promise<void>): RangeReader {
  let handle: Promise<FileHandle> | undefined;
  let size: number | undefined;
  const fh = (): Promise<FileHandle> => {
    handle ??= (beforeOpen ? beforeOpen() : Promise.resolve())
      .then(() =>
        open(path, 'r').catch((e: NodeJS.ErrnoException) => {
          throw new StorageError(`cannot open ${path}: ${e.code ?? e.message}`, 'check the path and its permissions', {
            cause: e,
          });
        }),
      )
      .catch((e: unknown) => {
        handle = undefined;
        throw e;
      });
    return handle;
  };
  return {
    name: path,
    async size() {
      size ??= (await (await fh()).stat()).size;
      return size;
    },
    async read(start, end) {
      const total = await this.size();
      if (start < 0 || end > total || start > end) {
        throw new StorageError(`read [${start}, ${end}) is outside ${path} (${total} bytes); the file is truncated`);
      }
      const buf = Buffer.allocUnsafe(end - start);
      let done = 0;
      const h = await fh();
      while (done < buf.length) {
        const { bytesRead } = await h.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) throw new StorageError(`unexpected end of ${path} at offset ${start + done}`);
        done += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    },
    async close() {
      if (handle) {
        const h = await handle.catch(() => undefined);
        handle = undefined;
        await h?.close();
      }
    },
  };
}
