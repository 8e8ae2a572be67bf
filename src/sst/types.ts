/**
 * Contracts of the SST layer, shared with `wal/`, `store/`, `mvcc/` and `backup/`.
 * Names follow Pebble (`pebble: internal/base/internal.go`) so grepping the Go source finds them.
 */

/** Pebble/RocksDB `InternalKeyKind` (the low byte of the 8-byte key trailer). */
export enum InternalKeyKind {
  Delete = 0,
  Set = 1,
  Merge = 2,
  LogData = 3,
  SingleDelete = 7,
  RangeDelete = 15,
  Separator = 17,
  SetWithDelete = 18,
  RangeKeyDelete = 19,
  RangeKeyUnset = 20,
  RangeKeySet = 21,
  IngestSST = 22,
  DeleteSized = 23,
  Excise = 24,
}

/** One point entry of an SST, WAL batch or memtable, value already resolved (value blocks, blob files). */
export interface InternalKV {
  /** Engine key (docs/formats.md §4.7): roachKey ‖ 0x00 ‖ version ‖ versionLen. */
  readonly userKey: Uint8Array;
  /** Sequence number; 0 in backup SSTs (written by the ingestion writer). */
  readonly seqNum: bigint;
  readonly kind: InternalKeyKind;
  readonly value: Uint8Array;
}

/** A range deletion [start, end) at seqNum (RANGEDEL). */
export interface RangeDeletion {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly seqNum: bigint;
}

/** A range key span (MVCC range tombstones in CockroachDB are RangeKeySet with a version suffix). */
export interface RangeKeySpan {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly seqNum: bigint;
  readonly kind: InternalKeyKind.RangeKeySet | InternalKeyKind.RangeKeyUnset | InternalKeyKind.RangeKeyDelete;
  /** For RangeKeySet: the suffix (encoded MVCC version) and value; for Unset: suffix only. */
  readonly suffix: Uint8Array;
  readonly value: Uint8Array;
}

export type CompressionName = 'none' | 'snappy' | 'zlib' | 'bzip2' | 'lz4' | 'lz4hc' | 'xpress' | 'zstd' | 'minlz';

/** What `debug sst` prints and what callers may want to know about a table. */
export interface SstInfo {
  readonly file: string;
  /** e.g. "leveldb", "rocksdb-v2", "pebble-v3", "pebble-v7". */
  readonly format: string;
  readonly tableFormatVersion: number;
  readonly checksumType: 'none' | 'crc32c' | 'xxhash64' | 'xxh3';
  /** Compression codecs seen in the block trailers read so far, or declared in properties. */
  readonly compression: string;
  readonly properties: ReadonlyMap<string, string | bigint>;
  readonly numEntries?: bigint;
}

/**
 * Resolves a table's blob reference (Pebble value separation, 25.3+) to the blob file holding the
 * value. Reference IDs index the table's blob-reference list, which lives in the store MANIFEST.
 * The returned reader stays owned by the resolver's side: the table never closes it.
 */
export type BlobReferenceResolver = (referenceId: number) => Promise<import('../storage/range-reader.js').RangeReader>;

export interface OpenSstOptions {
  /** Verify block checksums (default true). */
  readonly verifyChecksums?: boolean;
  /** Needed only for tables with blob references (frt-v25.4.0). */
  readonly blobReferences?: BlobReferenceResolver;
  /**
   * For inspection tools: when a value lives in a blob file and no `blobReferences` resolver is
   * given, return this function's result as the value instead of failing.
   */
  readonly unresolvedBlobValue?: (handle: BlobHandleInfo) => Uint8Array;
}

/** Where a separated value lives (Pebble inline blob handle, docs/formats.md §6.8). */
export interface BlobHandleInfo {
  readonly referenceId: number;
  readonly valueLength: number;
  readonly blockId: number;
  readonly valueId: number;
}

/** Key bounds for a scan: [start, end), on user (engine) keys; either may be absent. */
export interface KeyBounds {
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
}

/** An open SSTable. All iteration is streaming: memory is bounded by the block size. */
export interface SstReader {
  readonly info: SstInfo;
  /** Point entries in internal-key order (user key asc, seqNum desc), restricted to bounds via the index. */
  entries(bounds?: KeyBounds): AsyncIterable<InternalKV>;
  /** The same entries, one array per data block (values resolved): no promise per entry, for hot loops. */
  entryBatches?(bounds?: KeyBounds): AsyncIterable<InternalKV[]>;
  rangeDeletions(): AsyncIterable<RangeDeletion>;
  rangeKeys(): AsyncIterable<RangeKeySpan>;
  close(): Promise<void>;
  /** Counters of work done so far (blocks read, values fetched from value blocks / blob files). */
  readonly stats?: SstReadStats;
  /** Names of the table's meta blocks (metaindex keys), for `debug sst`. */
  metaBlockNames?(): string[];
  /**
   * The data-block index entries whose blocks may hold keys inside bounds (as a scan would visit
   * them), read from the index block(s) only: no data block is read. Cheap size estimates and
   * split points for parallel scans.
   */
  dataBlockIndex?(bounds?: KeyBounds): Promise<DataBlockIndexEntry[]>;
}

/** One data block as the index describes it. */
export interface DataBlockIndexEntry {
  /**
   * The index separator (user key): ≥ every key of the block and ≤ every key of the next block.
   * Writers may shorten it, so it need not be a key present in the table.
   */
  readonly separator: Uint8Array;
  readonly offset: number;
  /** On-disk length of the block (compressed, without its 5-byte trailer). */
  readonly length: number;
}

export interface SstReadStats {
  readonly blocksRead: number;
  readonly bytesRead: number;
  readonly valueBlockValues: number;
  readonly blobValues: number;
  /** Total length of the values read from blob files. */
  readonly blobValueBytes: number;
}
