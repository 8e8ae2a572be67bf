import { crc32c } from '@node-rs/crc32';
import { DecodeError } from '../../util/errors.js';

/**
 * Blob file footer (`pebble: sstable/blob/blob.go` `fileFooter`; docs/formats.md §6.8). There is no
 * file header; the footer is the last 38 (v1) or 70 (v2) bytes:
 *
 *   0:4   masked CRC32C of bytes 4..end      4:12  index block offset (u64 LE)
 *   12:20 index block length (u64 LE)        20    checksum type      21  format version
 *   22:30 original file number (u64 LE)
 *   v2:   30:38 / 38:46 properties block offset / length, 46:62 metaindex handle (unused)
 *   last 8 bytes: magic  F0 9F AA B3 F0 9F A6 80 (v1) or … A6 82 (v2)
 */

export const BLOB_MAGIC_V1 = Uint8Array.of(0xf0, 0x9f, 0xaa, 0xb3, 0xf0, 0x9f, 0xa6, 0x80);
export const BLOB_MAGIC_V2 = Uint8Array.of(0xf0, 0x9f, 0xaa, 0xb3, 0xf0, 0x9f, 0xa6, 0x82);
export const BLOB_FOOTER_V1_LEN = 38;
export const BLOB_FOOTER_V2_LEN = 70;

export interface BlobFooter {
  readonly format: 1 | 2;
  readonly checksumType: number;
  readonly indexOffset: number;
  readonly indexLength: number;
  readonly originalFileNum: bigint;
  /** v2 only; undefined in v1 files. */
  readonly properties: { offset: number; length: number } | undefined;
  readonly footerLength: number;
}

export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data) >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function endsWith(tail: Uint8Array, magic: Uint8Array): boolean {
  if (tail.length < magic.length) return false;
  const o = tail.length - magic.length;
  for (let i = 0; i < magic.length; i++) if (tail[o + i] !== magic[i]) return false;
  return true;
}

/**
 * Decodes the footer from `tail`, the file's last `tail.length` (≤ 70) bytes; `fileSize` is the
 * whole file's size (for offsets and handle checks).
 */
export function decodeBlobFooter(tail: Uint8Array, fileSize: number): BlobFooter {
  const fail = (detail: string, at: number, hint = 'the blob file is truncated or corrupt; re-copy the store directory'): never => {
    throw new DecodeError('blob', detail, undefined, at, hint);
  };
  let len: number;
  let format: 1 | 2;
  if (endsWith(tail, BLOB_MAGIC_V2)) {
    len = BLOB_FOOTER_V2_LEN;
    format = 2;
  } else if (endsWith(tail, BLOB_MAGIC_V1)) {
    len = BLOB_FOOTER_V1_LEN;
    format = 1;
  } else {
    return fail(`bad blob file magic (not a Pebble blob file, or truncated)`, Math.max(0, fileSize - 8));
  }
  if (tail.length < len || fileSize < len) return fail(`blob file of ${fileSize} bytes is shorter than its ${len}-byte footer`, 0);
  const f = tail.subarray(tail.length - len);
  const start = fileSize - len;
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const stored = dv.getUint32(0, true);
  const computed = maskedCrc32c(f.subarray(4));
  if (stored !== computed) {
    fail(`blob footer checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`, start);
  }
  const version = f[21]!;
  if (version !== format) fail(`blob footer version ${version} does not match its v${format} magic`, start + 21);
  const num = (at: number, what: string): number => {
    const v = dv.getBigUint64(at, true);
    if (v > BigInt(fileSize)) fail(`blob footer ${what} ${v} is past the end of the ${fileSize}-byte file`, start + at);
    return Number(v);
  };
  const indexOffset = num(4, 'index offset');
  const indexLength = num(12, 'index length');
  if (indexOffset + indexLength + 5 > start) fail(`blob index block [${indexOffset}, +${indexLength}) overlaps the footer`, start + 4);
  let properties: BlobFooter['properties'];
  if (format === 2) {
    const po = num(30, 'properties offset');
    const pl = num(38, 'properties length');
    if (po + pl + 5 > start) fail(`blob properties block [${po}, +${pl}) overlaps the footer`, start + 30);
    properties = { offset: po, length: pl };
  }
  return {
    format,
    checksumType: f[20]!,
    indexOffset,
    indexLength,
    originalFileNum: dv.getBigUint64(22, true),
    properties,
    footerLength: len,
  };
}
