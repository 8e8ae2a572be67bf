import { localFileReader } from '../storage/local-file.js';
import type { RangeReader } from '../storage/range-reader.js';
import { openSst } from '../sst/reader.js';
import { compareEngineKeys, type UserKeyCompare } from '../sst/comparer.js';
import type { InternalKV, KeyBounds, RangeDeletion, RangeKeySpan, SstReader } from '../sst/types.js';
import { StorageError } from '../util/errors.js';
import type { ManifestVersion } from './manifest.js';
import type { Memtable } from './memtable.js';
import { batchesOf, flattenBatches } from '../mvcc/types.js';
import { mergeSourceBatches, newResolveStats, resolveVisibleBatches, type RankedBatchSource, type ResolveStats } from './merge.js';
import { rangeDelCoverage, resolveRangeKeys, type LiveRangeKey } from './fragments.js';
import type { BlobReference, InternalKeyBound, ManifestFlavor } from './version-edit.js';
import { readStoreListing, readStoreManifest, replayStoreWals, storeBlobFiles, storeTables } from './store-files.js';

/** One table the store reads (listed in the MANIFEST, or found on disk and adopted). */
export interface StoreTable {
  readonly fileNum: bigint;
  /** LSM level from the MANIFEST; -1 for adopted tables the MANIFEST does not list. */
  readonly level: number;
  readonly listed: boolean;
  readonly path: string;
  readonly present: boolean;
  readonly smallest?: InternalKeyBound;
  readonly largest?: InternalKeyBound;
  readonly smallestSeqNum?: bigint;
  readonly largestSeqNum?: bigint;
  readonly virtual: boolean;
  readonly blobReferences: readonly BlobReference[];
}

export interface StoreBlobFile {
  readonly fileID: bigint;
  readonly fileNum: bigint;
  readonly path: string;
  readonly present: boolean;
}

export interface StoreWal {
  readonly path: string;
  readonly logNumber: bigint;
  /** True when the WAL is at or above the MANIFEST's log number, i.e. holds unflushed data. */
  readonly replayed: boolean;
  readonly batches: number;
  readonly entries: number;
}

/** An opened `cockroach-data` store directory (docs/formats.md §6.9, §7.2). */
export interface Store {
  readonly dir: string;
  readonly flavor: ManifestFlavor;
  readonly manifestPath?: string;
  readonly manifest?: ManifestVersion;
  readonly tables: readonly StoreTable[];
  readonly blobFiles: readonly StoreBlobFile[];
  readonly wals: readonly StoreWal[];
  /** WALs numbered below this were flushed before the MANIFEST was written. */
  readonly minLogNumber: bigint;
  readonly rangeDeletions: readonly RangeDeletion[];
  /** Range keys still set after resolving UNSET/DEL by sequence number (MVCC range tombstones). */
  readonly rangeKeys: readonly LiveRangeKey[];
  readonly warnings: readonly string[];
  /** Filled by `entries()` while it runs (totals over all scans). */
  readonly stats: ResolveStats;
  readonly compare: UserKeyCompare;
  /** Visible point KVs (newest per engine key, deletions applied), in engine-key order. */
  entries(bounds?: KeyBounds): AsyncIterable<InternalKV>;
  /** The same entries in arrays (about one per SST block; never empty): one promise per batch. */
  entryBatches(bounds?: KeyBounds): AsyncIterable<readonly InternalKV[]>;
  /**
   * The data inside bounds as weighted pieces, from metadata only: the data-block index entries
   * (separator, block size) of every present table overlapping bounds, at every level, plus the
   * WAL memtable in chunks of about one block. Keys are engine keys (separators may be
   * shortened). Reads index blocks, never data blocks; deterministic.
   */
  dataPieces(bounds?: KeyBounds): Promise<Array<{ key: Uint8Array; bytes: number }>>;
  /** Every point entry of every source, merged in internal-key order (debugging). */
  rawEntries(bounds?: KeyBounds): AsyncIterable<InternalKV>;
  close(): Promise<void>;
}

/** pebble `base.SeqNumMax` (2^56 - 1): sentinel sequence number of exclusive bounds. */
const SEQNUM_MAX = (1n << 56n) - 1n;

interface OpenTable {
  readonly meta: StoreTable;
  readonly openReader: () => Promise<SstReader>;
  /** Pebble's synthetic sequence number: all entries of a table with Low == High take it. */
  readonly seqOverride?: bigint;
  /** Virtual table bounds (user keys; `hi` inclusive unless `hiExclusive`). */
  readonly clip?: { lo: Uint8Array; hi: Uint8Array; hiExclusive: boolean };
}

/**
 * Opens a store directory: finds the live MANIFEST (marker or CURRENT), replays it, adopts
 * unlisted tables newer than the MANIFEST, replays WALs ≥ its log number, and opens every table
 * (checksums verified). Iteration streams; only WAL contents are held in memory.
 */
export async function openStoreDir(dir: string): Promise<Store> {
  const listing = await readStoreListing(dir);
  const warnings: string[] = [...listing.warnings];
  const cmp = compareEngineKeys;
  const { manifest, manifestPath } = await readStoreManifest(dir, listing, warnings);
  const tables = storeTables(dir, listing, manifest, warnings);
  const blobFiles = storeBlobFiles(dir, listing, manifest, warnings);
  const minLogNumber = manifest?.logNumber ?? 0n;
  const { memtable, rangeDeletions, rangeKeySpans, wals } = await replayStoreWals(dir, listing, manifest, minLogNumber, cmp, warnings);
  const blobReaders = new Map<bigint, RangeReader>();
  const open = await openTables(tables, blobFiles, blobReaders, rangeDeletions, rangeKeySpans);

  const rangeKeys = resolveRangeKeys(rangeKeySpans, cmp);
  const stats = newResolveStats();
  const sources = (bounds: KeyBounds): RankedBatchSource[] => rankedSources(memtable, open, bounds, cmp);
  const rawEntries = (bounds: KeyBounds = {}): AsyncIterable<InternalKV> => flattenBatches(mergeSourceBatches(sources(bounds), cmp));
  const entryBatches = (bounds: KeyBounds = {}): AsyncIterable<readonly InternalKV[]> =>
    resolveVisibleBatches(mergeSourceBatches(sources(bounds), cmp), cmp, rangeDelCoverage(rangeDeletions, cmp), stats);
  return {
    dir,
    flavor: listing.flavor,
    ...(manifestPath !== undefined ? { manifestPath } : {}),
    ...(manifest !== undefined ? { manifest } : {}),
    tables,
    blobFiles,
    wals,
    minLogNumber,
    rangeDeletions,
    rangeKeys,
    warnings,
    stats,
    compare: cmp,
    entries: (bounds = {}) => flattenBatches(entryBatches(bounds)),
    entryBatches,
    dataPieces: (bounds = {}) => readDataPieces(memtable, open, bounds, cmp),
    rawEntries,
    async close() {
      await Promise.all([...blobReaders.values()].map((r) => r.close?.()));
    },
  };
}

/**
 * Prepares every present table for scans and collects its range deletions and range keys.
 * Tables are opened per scan and closed when the scan ends (file handles stay bounded by the
 * number of L0/adopted tables plus one per level). At open time each is read once for its range
 * deletions and range keys. Blob files get one cached reader each, in `blobReaders`.
 */
async function openTables(
  tables: readonly StoreTable[],
  blobFiles: readonly StoreBlobFile[],
  blobReaders: Map<bigint, RangeReader>,
  rangeDeletions: RangeDeletion[],
  rangeKeySpans: RangeKeySpan[],
): Promise<OpenTable[]> {
  const blobByID = new Map<bigint, StoreBlobFile>();
  for (const f of blobFiles) blobByID.set(f.fileID, f);
  const open: OpenTable[] = [];
  try {
    for (const t of tables) {
      if (!t.present) continue;
      const refs = t.blobReferences;
      const openReader = (): Promise<SstReader> =>
        openSst(localFileReader(t.path), {
          verifyChecksums: true,
          blobReferences: async (refID) => {
            const ref = refs[refID];
            const bf = ref ? blobByID.get(ref.fileID) : undefined;
            if (!ref || !bf)
              throw new StorageError(`${t.path}: blob reference ${refID} does not resolve to a live blob file in the MANIFEST`);
            let r = blobReaders.get(bf.fileNum);
            if (!r) {
              r = localFileReader(bf.path);
              blobReaders.set(bf.fileNum, r);
            }
            return r;
          },
        });
      const seqOverride = t.listed && t.smallestSeqNum !== undefined && t.smallestSeqNum === t.largestSeqNum ? t.smallestSeqNum : undefined;
      // Virtual tables expose only [smallest, largest] of their backing file; a largest bound with
      // the maximum sequence number (a range-deletion / range-key sentinel) is exclusive.
      const clip =
        t.virtual && t.smallest && t.largest
          ? { lo: t.smallest.userKey, hi: t.largest.userKey, hiExclusive: t.largest.seqNum === SEQNUM_MAX }
          : undefined;
      open.push({ meta: t, openReader, ...(seqOverride !== undefined ? { seqOverride } : {}), ...(clip ? { clip } : {}) });
      const reader = await openReader();
      try {
        for await (const d of reader.rangeDeletions()) rangeDeletions.push(seqOverride !== undefined ? { ...d, seqNum: seqOverride } : d);
        for await (const k of reader.rangeKeys()) rangeKeySpans.push(seqOverride !== undefined ? { ...k, seqNum: seqOverride } : k);
      } finally {
        await reader.close();
      }
    }
  } catch (e) {
    await Promise.all([...blobReaders.values()].map((r) => r.close?.()));
    throw e;
  }
  return open;
}

/** One table's entries inside bounds, clipped to a virtual table's bounds and given its synthetic sequence number. */
function tableBatches(o: OpenTable, bounds: KeyBounds, cmp: UserKeyCompare): AsyncIterable<readonly InternalKV[]> {
  return {
    async *[Symbol.asyncIterator]() {
      const reader = await o.openReader();
      try {
        const batches: AsyncIterable<readonly InternalKV[]> = reader.entryBatches
          ? reader.entryBatches(bounds)
          : batchesOf(reader.entries(bounds));
        for await (const batch of batches) {
          if (!o.clip && o.seqOverride === undefined) {
            yield batch;
            continue;
          }
          const out: InternalKV[] = [];
          for (const kv of batch) {
            if (o.clip) {
              if (cmp(kv.userKey, o.clip.lo) < 0) continue;
              const c = cmp(kv.userKey, o.clip.hi);
              if (c > 0 || (c === 0 && o.clip.hiExclusive)) continue;
            }
            out.push(o.seqOverride === undefined || o.seqOverride === kv.seqNum ? kv : { ...kv, seqNum: o.seqOverride });
          }
          if (out.length > 0) yield out;
        }
      } finally {
        await reader.close();
      }
    },
  };
}

/** Whether a table's key range (from the MANIFEST) meets bounds; unknown ranges meet everything. */
function overlaps(t: StoreTable, b: KeyBounds, cmp: UserKeyCompare): boolean {
  return !(b.start && t.largest && cmp(t.largest.userKey, b.start) < 0) && !(b.end && t.smallest && cmp(t.smallest.userKey, b.end) >= 0);
}

/**
 * The sources of a scan, newest first (rank 0 wins): the WAL memtable, adopted tables by file
 * number, L0 tables by sequence number, then one source per deeper level.
 */
function rankedSources(memtable: Memtable, open: readonly OpenTable[], bounds: KeyBounds, cmp: UserKeyCompare): RankedBatchSource[] {
  const out: RankedBatchSource[] = [{ rank: 0, batches: memtable.entryBatches(bounds) }];
  let rank = 1;
  const unlisted = open.filter((o) => !o.meta.listed).sort((a, b) => (a.meta.fileNum > b.meta.fileNum ? -1 : 1));
  for (const o of unlisted) out.push({ rank: rank++, batches: tableBatches(o, bounds, cmp) });
  const l0 = open
    .filter((o) => o.meta.listed && o.meta.level === 0 && overlaps(o.meta, bounds, cmp))
    .sort((a, b) => {
      const sa = a.meta.largestSeqNum ?? 0n;
      const sb = b.meta.largestSeqNum ?? 0n;
      if (sa !== sb) return sa > sb ? -1 : 1;
      return a.meta.fileNum > b.meta.fileNum ? -1 : 1;
    });
  for (const o of l0) out.push({ rank: rank++, batches: tableBatches(o, bounds, cmp) });
  for (let level = 1; level < 7; level++) {
    const files = open
      .filter((o) => o.meta.listed && o.meta.level === level && overlaps(o.meta, bounds, cmp))
      .sort((a, b) => cmp(a.meta.smallest?.userKey ?? new Uint8Array(0), b.meta.smallest?.userKey ?? new Uint8Array(0)));
    if (files.length === 0) continue;
    // Tables within a level ≥ 1 do not overlap: read them one after another.
    out.push({
      rank: rank++,
      batches: {
        async *[Symbol.asyncIterator]() {
          for (const o of files) yield* tableBatches(o, bounds, cmp);
        },
      },
    });
  }
  return out;
}

/** `Store.dataPieces`: index-block entries of every overlapping table plus the memtable's pieces. */
async function readDataPieces(
  memtable: Memtable,
  open: readonly OpenTable[],
  bounds: KeyBounds,
  cmp: UserKeyCompare,
): Promise<Array<{ key: Uint8Array; bytes: number }>> {
  const out = memtable.pieces(bounds);
  for (const o of open) {
    if (o.meta.listed && !overlaps(o.meta, bounds, cmp)) continue;
    // A virtual table shows only [lo, hi] of its backing file: restrict the index walk to that.
    let b = bounds;
    if (o.clip) {
      const start = b.start && cmp(b.start, o.clip.lo) > 0 ? b.start : o.clip.lo;
      const end = b.end && cmp(b.end, o.clip.hi) <= 0 ? b.end : o.clip.hi;
      b = { start, end };
    }
    const reader = await o.openReader();
    try {
      if (!reader.dataBlockIndex) continue;
      for (const e of await reader.dataBlockIndex(b)) out.push({ key: e.separator, bytes: e.length });
    } finally {
      await reader.close();
    }
  }
  return out;
}
