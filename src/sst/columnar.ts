import type { RangeReader } from '../storage/range-reader.js';
import { DecodeError } from '../util/errors.js';

/**
 * The columnar-block decoders (Pebble v5+, `src/sst/colblk/`) and blob-file reader
 * (`src/sst/blob/`), written separately. They are loaded on first use — only tables with table
 * format ≥ 5 need them — through this typed seam, so the row-format reader works without them.
 */
export interface ColumnarKV {
  userKey: Uint8Array;
  seqNum: bigint;
  kind: number;
  value: Uint8Array;
  /** undefined: value inline, no prefix; else the ValuePrefix byte (handle follows in `value`). */
  valuePrefix: number | undefined;
}

export interface ColumnarIndexEntry {
  separator: Uint8Array;
  offset: bigint;
  length: bigint;
  props: Uint8Array;
}

export interface ColumnarKeyspan {
  start: Uint8Array;
  end: Uint8Array;
  seqNum: bigint;
  kind: number;
  suffix: Uint8Array;
  value: Uint8Array;
}

export interface ColblkModule {
  decodeColumnarDataBlock(block: Uint8Array, base?: number): Iterable<ColumnarKV>;
  decodeColumnarIndexBlock(block: Uint8Array, base?: number): ColumnarIndexEntry[];
  decodeColumnarKeyValueBlock(block: Uint8Array, base?: number): Array<[Uint8Array, Uint8Array]>;
  decodeColumnarKeyspanBlock(block: Uint8Array, base?: number): ColumnarKeyspan[];
}

export interface BlobHandle {
  referenceId: number;
  valueLength: number;
  blockId: number;
  valueId: number;
}

export interface BlobFile {
  readValue(h: BlobHandle): Promise<Uint8Array>;
}

export interface BlobModule {
  decodeBlobHandle(value: Uint8Array): BlobHandle;
  openBlobFile(reader: RangeReader): Promise<BlobFile>;
}

// Specifiers kept in variables so the compiler does not require the modules to exist yet.
const COLBLK_SPEC = './colblk/index.js';
const BLOB_SPEC = './blob/index.js';

let colblk: Promise<ColblkModule> | undefined;
let blob: Promise<BlobModule> | undefined;

export function loadColblk(file: string): Promise<ColblkModule> {
  colblk ??= (import(COLBLK_SPEC) as Promise<ColblkModule>).catch((e: unknown) => {
    colblk = undefined;
    throw new DecodeError('sst', 'columnar blocks (Pebble table format v5+) need the colblk decoder, which failed to load',
      file, undefined, String((e as Error).message ?? e), { cause: e });
  });
  return colblk;
}

export function loadBlob(file: string): Promise<BlobModule> {
  blob ??= (import(BLOB_SPEC) as Promise<BlobModule>).catch((e: unknown) => {
    blob = undefined;
    throw new DecodeError('blob', 'blob-file support failed to load', file, undefined, String((e as Error).message ?? e), {
      cause: e,
    });
  });
  return blob;
}
