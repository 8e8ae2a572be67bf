import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StorageError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';

/**
 * A RangeReader over a local file, opened on first use and kept open until close(). `beforeOpen`
 * runs first and may refuse the file (local storage checks that it stays inside the backup folder).
 *
 * The file calls are synchronous behind the async interface: a production-shaped backup opens
 * thousands of small SSTs, and each promise-based open, stat, read and close is a thread-pool hop
 * whose bookkeeping cost more CPU than the call (≈ 0.35 CPU s of a 5 s migration of 1,183 SSTs;
 * docs/performance.md). Reads of local files return at once from the page cache, or after one
 * disk read, which the decoding that waits for it could not have overlapped anyway.
 */
export function localFileReader(path: string, beforeOpen?: () => void): RangeReader {
  let fd: number | undefined;
  let size: number | undefined;
  const open = (): number => {
    if (fd === undefined) {
      beforeOpen?.();
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new StorageError(`cannot open ${path}: ${err.code ?? err.message}`, 'check the path and its permissions', { cause: e });
      }
    }
    return fd;
  };
  return {
    name: path,
    async size() {
      size ??= fstatSync(open()).size;
      return size;
    },
    async read(start, end) {
      const total = await this.size();
      if (start < 0 || end > total || start > end) {
        throw new StorageError(`read [${start}, ${end}) is outside ${path} (${total} bytes); the file is truncated`);
      }
      const buf = Buffer.allocUnsafe(end - start);
      let done = 0;
      const h = open();
      while (done < buf.length) {
        const bytesRead = readSync(h, buf, done, buf.length - done, start + done);
        if (bytesRead === 0) throw new StorageError(`unexpected end of ${path} at offset ${start + done}`);
        done += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    },
    async close() {
      if (fd !== undefined) {
        const f = fd;
        fd = undefined;
        closeSync(f);
      }
    },
  };
}
