import { ByteReader } from '../util/byte-reader.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { readBlockHandle, type BlockHandle } from './block-handle.js';
import { ChecksumType, maskedCrc32c, type ChecksumTypeName } from './checksum.js';

/**
 * Table footer (`pebble: sstable/table.go` `parseFooter`; docs/formats.md §6.2). All layouts end
 * with the magic; the non-LevelDB ones have a 4-byte LE version just before it.
 *
 *   LevelDB (48 B):    metaindex handle ‖ index handle ‖ zero padding to 40 ‖ magic
 *   RocksDB/Pebble v1–v5 (53 B): checksum type ‖ handles ‖ padding to 41 ‖ version ‖ magic
 *   Pebble v6 (57 B):  … ‖ masked CRC32C of the other footer bytes ‖ version ‖ magic
 *   Pebble v7+ (61 B): … ‖ attributes (u32 LE) ‖ CRC ‖ version ‖ magic
 */

export const LEVELDB_MAGIC = Uint8Array.of(0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb);
export const ROCKSDB_MAGIC = Uint8Array.of(0xf7, 0xcf, 0xf4, 0x85, 0xb7, 0x41, 0xe2, 0x88);
export const PEBBLE_MAGIC = Uint8Array.of(0xf0, 0x9f, 0xaa, 0xb3, 0xf0, 0x9f, 0xaa, 0xb3);

export const LEVELDB_FOOTER_LEN = 48;
export const ROCKSDB_FOOTER_LEN = 53;
export const PEBBLE_V6_FOOTER_LEN = 57;
export const PEBBLE_V7_FOOTER_LEN = 61;
/** Read this many bytes from the end of the file to be sure to hold any footer. */
export const MAX_FOOTER_LEN = PEBBLE_V7_FOOTER_LEN;

export type TableMagic = 'leveldb' | 'rocksdb' | 'pebble';

export interface Footer {
  readonly magic: TableMagic;
  /** Footer version: 0 for LevelDB, 1–2 for RocksDB, 1–8 for Pebble (= Pebble's TableFormatPebblevN). */
  readonly version: number;
  /** e.g. "leveldb", "rocksdb-v2", "pebble-v3" (SstInfo.format). */
  readonly formatName: string;
  readonly checksumType: ChecksumTypeName;
  readonly metaindex: BlockHandle;
  readonly index: BlockHandle;
  /** v7+ attribute bitset (`pebble: sstable/attributes.go`), 0 before. */
  readonly attributes: number;
  readonly footerLength: number;
  /** True for Pebble v5+: data, index and keyspan blocks are columnar. */
  readonly columnar: boolean;
}

/**
 * Decodes the footer from the last bytes of a file. `tail` holds the file's last `tail.length`
 * bytes (at least 48, at most 61), `fileSize` the total size, used for offsets and handle checks.
 */
export function decodeFooter(tail: Uint8Array, fileSize: number): Footer {
  if (tail.length < LEVELDB_FOOTER_LEN) {
    throw new DecodeError(
      'sst',
      `not an SSTable: file is only ${fileSize} bytes, smaller than any table footer`,
      undefined,
      0,
      'the file is truncated or is not an SSTable',
    );
  }
  const magic = tail.subarray(tail.length - 8);
  let f: Footer;
  if (bytesEqual(magic, LEVELDB_MAGIC)) {
    f = decodeLevelDbFooter(tail, fileSize);
  } else if (bytesEqual(magic, ROCKSDB_MAGIC) || bytesEqual(magic, PEBBLE_MAGIC)) {
    f = decodeVersionedFooter(tail, fileSize, magic[0] === PEBBLE_MAGIC[0]);
  } else {
    throw new DecodeError(
      'sst',
      `not an SSTable (no LevelDB/RocksDB/Pebble magic in the last 8 bytes: ${toHex(magic)})`,
      undefined,
      fileSize - 8,
      'the file is truncated, encrypted, or not a table file',
    );
  }
  checkFooterHandles(f, fileSize);
  return f;
}

/** LevelDB layout: fixed 48 bytes, no version or checksum type (always CRC32C). */
function decodeLevelDbFooter(tail: Uint8Array, fileSize: number): Footer {
  const buf = tail.subarray(tail.length - LEVELDB_FOOTER_LEN);
  const r = new ByteReader(buf, 'sst', fileSize - LEVELDB_FOOTER_LEN);
  return {
    magic: 'leveldb',
    version: 0,
    formatName: 'leveldb',
    checksumType: 'crc32c',
    metaindex: readBlockHandle(r),
    index: readBlockHandle(r),
    attributes: 0,
    footerLength: LEVELDB_FOOTER_LEN,
    columnar: false,
  };
}

/**
 * RocksDB and Pebble layouts: the version just before the magic decides the footer length, so it
 * is read (and range-checked) first; then the v6+ footer checksum, then the fields.
 */
function decodeVersionedFooter(tail: Uint8Array, fileSize: number, isPebble: boolean): Footer {
  const tailStart = fileSize - tail.length;
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const version = dv.getUint32(tail.length - 12, true);
  const footerLength = versionedFooterLength(isPebble, version, fileSize);
  if (tail.length < footerLength) {
    throw new DecodeError('sst', `footer too short (${tail.length} bytes, need ${footerLength})`, undefined, tailStart);
  }
  const buf = tail.subarray(tail.length - footerLength);
  const base = fileSize - footerLength;
  let attributes = 0;
  if (isPebble && version >= 6) attributes = verifyPebbleFooterChecksum(buf, footerLength, version, base);
  const r = new ByteReader(buf, 'sst', base);
  const checksumType = checksumTypeName(r.u8(), base);
  return {
    magic: isPebble ? 'pebble' : 'rocksdb',
    version,
    formatName: `${isPebble ? 'pebble' : 'rocksdb'}-v${version}`,
    checksumType,
    metaindex: readBlockHandle(r),
    index: readBlockHandle(r),
    attributes,
    footerLength,
    columnar: isPebble && version >= 5,
  };
}

/** Footer length for a RocksDB/Pebble version; rejects versions this decoder does not know. */
function versionedFooterLength(isPebble: boolean, version: number, fileSize: number): number {
  let footerLength = ROCKSDB_FOOTER_LEN;
  if (isPebble) {
    if (version < 1 || version > 8) {
      throw new DecodeError(
        'sst',
        `unsupported Pebble table format version ${version}`,
        undefined,
        fileSize - 12,
        'this tool reads Pebble table formats v1–v8; the file may come from a newer CockroachDB',
      );
    }
    if (version === 6) footerLength = PEBBLE_V6_FOOTER_LEN;
    else if (version >= 7) footerLength = PEBBLE_V7_FOOTER_LEN;
  } else if (version !== 1 && version !== 2) {
    throw new DecodeError(
      'sst',
      `unsupported RocksDB table format version ${version}`,
      undefined,
      fileSize - 12,
      'CockroachDB stores use RocksDB format_version 2; versions 3+ change the index encoding and are not supported',
    );
  }
  return footerLength;
}

/**
 * Pebble v6+: checks the masked CRC32C over the footer bytes around it (`buf` is the whole
 * footer, `base` its file offset) and returns the v7+ attributes word (0 for v6).
 */
function verifyPebbleFooterChecksum(buf: Uint8Array, footerLength: number, version: number, base: number): number {
  const fdv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const csOff = footerLength - 16;
  const stored = fdv.getUint32(csOff, true);
  const computed = maskedCrc32c(buf.subarray(0, csOff), buf.subarray(csOff + 4));
  if (stored !== computed) {
    throw new DecodeError(
      'sst',
      `footer checksum mismatch (stored ${stored.toString(16)}, computed ${computed.toString(16)})`,
      undefined,
      base + csOff,
      'the file is corrupt or truncated',
    );
  }
  return version >= 7 ? fdv.getUint32(csOff - 4, true) : 0;
}

/** The footer's checksum-type byte (at file offset `base`) as a name; unknown types are an error. */
function checksumTypeName(ct: number, base: number): ChecksumTypeName {
  switch (ct) {
    case ChecksumType.CRC32C:
      return 'crc32c';
    case ChecksumType.XXHash64:
      return 'xxhash64';
    case ChecksumType.None:
      return 'none';
    default:
      throw new DecodeError(
        'sst',
        `unsupported block checksum type ${ct}`,
        undefined,
        base,
        'only CRC32C (1) and xxHash64 (3) are used by RocksDB/Pebble tables written by CockroachDB',
      );
  }
}

/**
 * Both handles (plus their 5-byte block trailer) must end before the footer: a handle past it
 * means a truncated or corrupt file, better reported here than as a confusing block read error.
 */
function checkFooterHandles(f: Footer, fileSize: number): void {
  const dataEnd = fileSize - f.footerLength;
  for (const [what, h] of [
    ['metaindex', f.metaindex],
    ['index', f.index],
  ] as const) {
    if (h.offset + h.length + 5 > dataEnd) {
      throw new DecodeError(
        'sst',
        `${what} block handle [${h.offset}, +${h.length}) lies beyond the end of the data`,
        undefined,
        fileSize - f.footerLength,
        'the file is truncated or corrupt',
      );
    }
  }
}
