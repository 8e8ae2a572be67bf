import { ByteReader } from '../util/byte-reader.js';
import type { InternalKeyKind } from '../sst/types.js';

/**
 * One MANIFEST record: a VersionEdit (pebble `internal/manifest/version_edit.go` `Decode`,
 * rocksdb `db/version_edit.cc` `DecodeFrom`; docs/formats.md §6.9). Pure decoder.
 *
 * Tags (LEB128): 1 comparator, 2 log number, 3 next file number, 4 last sequence, 5 compact pointer,
 * 6 deleted file, 7/100/102/103/104 new file (LevelDB, RocksDB 2/3/4, Pebble 5 with range keys),
 * 9 prev log number, 10 RocksDB min-log-to-keep / Pebble excise bounds, 11 marked for compaction,
 * 105/106 created/removed backing table, 107/108 new/deleted blob file, 200–203 RocksDB column
 * families, 300 RocksDB atomic group, tags with bit 13 set are RocksDB "safe to ignore" (length-prefixed).
 */

export type ManifestFlavor = 'rocksdb' | 'pebble';

/** A decoded internal key bound: user key plus the 8-byte trailer (seqNum << 8 | kind). */
export interface InternalKeyBound {
  readonly userKey: Uint8Array;
  readonly seqNum: bigint;
  readonly kind: InternalKeyKind | number;
}

export interface BlobReference {
  /** Pebble BlobFileID (resolved to a disk file through the blob-file records). */
  readonly fileID: bigint;
  readonly valueSize: bigint;
}

export interface NewTableEntry {
  readonly level: number;
  readonly fileNum: bigint;
  readonly size: bigint;
  readonly smallest?: InternalKeyBound;
  readonly largest?: InternalKeyBound;
  readonly smallestRangeKey?: InternalKeyBound;
  readonly largestRangeKey?: InternalKeyBound;
  readonly smallestSeqNum: bigint;
  readonly largestSeqNum: bigint;
  /** For virtual tables: the physical file holding the data. */
  readonly backingFileNum?: bigint;
  readonly syntheticPrefix?: Uint8Array;
  readonly syntheticSuffix?: Uint8Array;
  readonly blobReferences: readonly BlobReference[];
  readonly columnFamily: number;
}

export interface NewBlobFileEntry {
  readonly fileID: bigint;
  readonly diskFileNum: bigint;
  readonly size: bigint;
  readonly valueSize: bigint;
}

export interface VersionEdit {
  comparator?: string;
  logNumber?: bigint;
  prevLogNumber?: bigint;
  nextFileNumber?: bigint;
  lastSequence?: bigint;
  minLogNumberToKeep?: bigint;
  readonly deletedTables: { level: number; fileNum: bigint; columnFamily: number }[];
  readonly newTables: NewTableEntry[];
  readonly createdBackings: { fileNum: bigint; size: bigint }[];
  readonly removedBackings: bigint[];
  readonly newBlobFiles: NewBlobFileEntry[];
  readonly deletedBlobFiles: { fileID: bigint; diskFileNum: bigint }[];
  readonly excises: { start: Uint8Array; end: Uint8Array; seqNum: bigint }[];
  /** Column-family bookkeeping (RocksDB): added names and dropped ids. */
  readonly columnFamiliesAdded: { id: number; name: string }[];
  readonly columnFamiliesDropped: number[];
  /** Column family the file changes of this edit apply to (RocksDB; 0 = default). */
  columnFamily: number;
}

const LEVELS = 7;

export function decodeInternalKeyBound(b: Uint8Array): InternalKeyBound {
  if (b.length < 8) return { userKey: b, seqNum: 0n, kind: 0 };
  const n = b.length - 8;
  const trailer = new DataView(b.buffer, b.byteOffset + n, 8).getBigUint64(0, true);
  return { userKey: b.subarray(0, n), seqNum: trailer >> 8n, kind: Number(trailer & 0xffn) };
}

/**
 * Decodes one VersionEdit. `base` is the record's file offset (for errors; within multi-chunk
 * records offsets are relative to the record payload).
 */
export function decodeVersionEdit(payload: Uint8Array, flavor: ManifestFlavor, base = 0): VersionEdit {
  const r = new ByteReader(payload, 'manifest', base);
  const e: VersionEdit = {
    deletedTables: [],
    newTables: [],
    createdBackings: [],
    removedBackings: [],
    newBlobFiles: [],
    deletedBlobFiles: [],
    excises: [],
    columnFamiliesAdded: [],
    columnFamiliesDropped: [],
    columnFamily: 0,
  };
  const str = (what: string): Uint8Array => r.bytesN(r.uvarint(), what);
  const level = (): number => {
    const at = r.pos;
    const l = r.uvarint();
    if (l >= LEVELS) r.fail(`level ${l} out of range`, at);
    return l;
  };
  while (!r.done) {
    const tagAt = r.pos;
    const tag = r.uvarint();
    switch (tag) {
      case 1:
        e.comparator = new TextDecoder().decode(str('comparator'));
        break;
      case 2:
        e.logNumber = r.uvarintBig();
        break;
      case 3:
        e.nextFileNumber = r.uvarintBig();
        break;
      case 4:
        e.lastSequence = r.uvarintBig();
        break;
      case 5:
        level();
        str('compact pointer');
        break;
      case 6:
        e.deletedTables.push({ level: level(), fileNum: r.uvarintBig(), columnFamily: e.columnFamily });
        break;
      case 7:
      case 100:
      case 102:
      case 103:
      case 104:
        e.newTables.push(decodeNewFile(r, tag, flavor, level(), e.columnFamily));
        break;
      case 9:
        e.prevLogNumber = r.uvarintBig();
        break;
      case 10:
        if (flavor === 'rocksdb') e.minLogNumberToKeep = r.uvarintBig();
        else {
          const start = str('excise start');
          const end = str('excise end');
          r.uvarint(); // boundary kind
          e.excises.push({ start, end, seqNum: r.uvarintBig() });
        }
        break;
      case 11:
        r.uvarint();
        r.uvarintBig();
        break;
      case 105:
        e.createdBackings.push({ fileNum: r.uvarintBig(), size: r.uvarintBig() });
        break;
      case 106:
        e.removedBackings.push(r.uvarintBig());
        break;
      case 107: {
        const fileID = r.uvarintBig();
        const diskFileNum = r.uvarintBig();
        const size = r.uvarintBig();
        const valueSize = r.uvarintBig();
        r.uvarintBig(); // creation time
        e.newBlobFiles.push({ fileID, diskFileNum, size, valueSize });
        break;
      }
      case 108:
        e.deletedBlobFiles.push({ fileID: r.uvarintBig(), diskFileNum: r.uvarintBig() });
        break;
      case 200:
        e.columnFamily = r.uvarint();
        break;
      case 201:
        e.columnFamiliesAdded.push({ id: e.columnFamily, name: new TextDecoder().decode(str('column family name')) });
        break;
      case 202:
        e.columnFamiliesDropped.push(e.columnFamily);
        break;
      case 203:
        r.uvarint(); // max column family
        break;
      case 300:
        r.uvarint(); // RocksDB atomic group: remaining entries
        break;
      default:
        if (flavor === 'rocksdb' && (tag & (1 << 13)) !== 0) {
          str(`ignorable tag ${tag}`);
          break;
        }
        r.fail(`unknown MANIFEST tag ${tag}`, tagAt);
    }
  }
  return e;
}

function decodeNewFile(r: ByteReader, tag: number, flavor: ManifestFlavor, level: number, columnFamily: number): NewTableEntry {
  const str = (what: string): Uint8Array => r.bytesN(r.uvarint(), what);
  const fileNum = r.uvarintBig();
  if (tag === 102) r.uvarint(); // path id
  const size = r.uvarintBig();
  let smallest: InternalKeyBound | undefined;
  let largest: InternalKeyBound | undefined;
  let smallestRangeKey: InternalKeyBound | undefined;
  let largestRangeKey: InternalKeyBound | undefined;
  if (tag !== 104) {
    smallest = decodeInternalKeyBound(str('smallest key'));
    largest = decodeInternalKeyBound(str('largest key'));
  } else {
    const marker = r.u8();
    if (marker & 1) {
      smallest = decodeInternalKeyBound(str('smallest point key'));
      largest = decodeInternalKeyBound(str('largest point key'));
    }
    smallestRangeKey = decodeInternalKeyBound(str('smallest range key'));
    largestRangeKey = decodeInternalKeyBound(str('largest range key'));
  }
  let smallestSeqNum = 0n;
  let largestSeqNum = 0n;
  if (tag !== 7) {
    smallestSeqNum = r.uvarintBig();
    largestSeqNum = r.uvarintBig();
  }
  let backingFileNum: bigint | undefined;
  let syntheticPrefix: Uint8Array | undefined;
  let syntheticSuffix: Uint8Array | undefined;
  const blobReferences: BlobReference[] = [];
  if (tag === 103 || tag === 104) {
    for (;;) {
      const at = r.pos;
      const custom = r.uvarint();
      if (custom === 1) break; // terminate
      if (flavor === 'pebble' && custom === 66) {
        backingFileNum = r.uvarintBig();
      } else if (flavor === 'pebble' && (custom === 69 || custom === 70)) {
        r.uvarint(); // blob reference depth
        const n = r.uvarint();
        for (let i = 0; i < n; i++) {
          const fileID = r.uvarintBig();
          const valueSize = r.uvarintBig();
          if (custom === 70) r.uvarintBig(); // backing value size
          blobReferences.push({ fileID, valueSize });
        }
      } else if (flavor === 'pebble' && custom === 67) {
        syntheticPrefix = str('synthetic prefix');
      } else if (flavor === 'pebble' && custom === 68) {
        syntheticSuffix = str('synthetic suffix');
      } else if (custom < 64 || custom === 65) {
        // Safe to ignore (creation time, needs-compaction, RocksDB checksums…) or RocksDB path id.
        str(`custom field ${custom}`);
      } else {
        r.fail(`new-file custom field ${custom} is not supported`, at);
      }
    }
  }
  return {
    level,
    fileNum,
    size,
    ...(smallest ? { smallest } : {}),
    ...(largest ? { largest } : {}),
    ...(smallestRangeKey ? { smallestRangeKey } : {}),
    ...(largestRangeKey ? { largestRangeKey } : {}),
    smallestSeqNum,
    largestSeqNum,
    ...(backingFileNum !== undefined ? { backingFileNum } : {}),
    ...(syntheticPrefix ? { syntheticPrefix } : {}),
    ...(syntheticSuffix ? { syntheticSuffix } : {}),
    blobReferences,
    columnFamily,
  };
}
