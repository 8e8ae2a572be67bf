import { DecodeError } from '../util/errors.js';

/**
 * The columnar-block decoders (Pebble v5+, `src/sst/colblk/`) and the blob-file reader
 * (`src/sst/blob/`) are loaded on first use: only tables with table format ≥ 5, and only values
 * that live in blob files, need them.
 */
export type ColblkModule = typeof import('./colblk/index.js');
export type BlobModule = typeof import('./blob/index.js');
export type BlobFile = Awaited<ReturnType<BlobModule['openBlobFile']>>;

let colblk: Promise<ColblkModule> | undefined;
let blob: Promise<BlobModule> | undefined;

export function loadColblk(file: string): Promise<ColblkModule> {
  colblk ??= import('./colblk/index.js').catch((e: unknown) => {
    colblk = undefined;
    throw new DecodeError(
      'sst',
      'columnar blocks (Pebble table format v5+) need the colblk decoder, which failed to load',
      file,
      undefined,
      String((e as Error).message ?? e),
      { cause: e },
    );
  });
  return colblk;
}

export function loadBlob(file: string): Promise<BlobModule> {
  blob ??= import('./blob/index.js').catch((e: unknown) => {
    blob = undefined;
    throw new DecodeError('blob', 'blob-file support failed to load', file, undefined, String((e as Error).message ?? e), {
      cause: e,
    });
  });
  return blob;
}
