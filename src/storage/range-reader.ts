/**
 * The one I/O interface the decoders see (docs/formats.md §7.1; style.md habit 3): a named blob of
 * bytes with a size and ranged reads. Local files, S3 objects, HTTP resources and decrypting
 * wrappers implement it, so `sst/`, `wal/` and `backup/` never know where bytes come from.
 */
export interface RangeReader {
  /** Human-readable location used in error messages (a path or URL, never with credentials). */
  readonly name: string;
  size(): Promise<number>;
  /** Bytes [start, end). Implementations throw a StorageError when the range is out of bounds. */
  read(start: number, end: number): Promise<Uint8Array>;
  /**
   * A hint that [start, end) will be read soon, maybe by another thread: a reader that can fetch
   * ahead where the later read will find it does; the others have no such method.
   */
  warm?(start: number, end: number): void;
  close?(): Promise<void>;
}

/** A RangeReader over bytes already in memory (tests, small files, decrypted manifests). */
export function bytesReader(name: string, bytes: Uint8Array): RangeReader {
  return {
    name,
    size: async () => bytes.length,
    read: async (start, end) => {
      if (start < 0 || end > bytes.length || start > end) {
        throw new RangeError(`read [${start}, ${end}) outside ${name} (${bytes.length} bytes)`);
      }
      return bytes.subarray(start, end);
    },
  };
}

/** Reads a whole object. */
export async function readAll(reader: RangeReader): Promise<Uint8Array> {
  return reader.read(0, await reader.size());
}
