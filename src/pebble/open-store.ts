import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localFileReader } from '../storage/local-file.js';
import type { RangeReader } from '../storage/range-reader.js';
import { openSst } from '../sst/reader.js';
import { compareEngineKeys, type UserKeyCompare } from '../sst/comparer.js';
import type { InternalKV, KeyBounds, RangeDeletion, RangeKeySpan, SstReader } from '../sst/types.js';
import { StorageError } from '../util/errors.js';
import { decodeWal } from './wal-file.js';
import { locateStoreFiles } from './locate.js';
import { mayHoldTableData } from './missing-files.js';
import { decodeManifest, type ManifestVersion } from './manifest.js';
import { Memtable } from './memtable.js';
import { batchesOf, flattenBatches } from '../mvcc/types.js';
import { mergeSourceBatches, newResolveStats, resolveVisibleBatches, type RankedBatchSource, type ResolveStats } from './merge.js';
import { rangeDelCoverage, resolveRangeKeys, type LiveRangeKey } from './fragments.js';
import type { BlobReference, InternalKeyBound, ManifestFlavor } from './version-edit.js';

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

async function exists(dir: string, names: Set<string>, name: string): Promise<string | undefined> {
  if (!names.has(name)) return undefined;
  return readFile(join(dir, name), 'utf8');
}

/** Names at the top of a BACKUP collection and of one backup directory (docs/formats.md §1.1–§1.3). */
const COLLECTION_NAMES = /^(LATEST|metadata|incrementals|\d{4})$/;
const BACKUP_DIR_NAMES = /^(BACKUP_MANIFEST|BACKUP_METADATA|BACKUP)$/;
const isBackupName = (n: string): boolean => COLLECTION_NAMES.test(n) || BACKUP_DIR_NAMES.test(n);

/** The error for a directory without any store file: empty, a BACKUP, or something else. */
function notAStore(dir: string, names: readonly string[]): StorageError {
  const use = 'pass the cockroach-data directory of one store (it holds MANIFEST-*, CURRENT, *.sst and *.log files)';
  if (names.some(isBackupName)) {
    const what = names.some((n) => COLLECTION_NAMES.test(n)) ? 'a BACKUP collection' : `a BACKUP directory (${names.find((n) => BACKUP_DIR_NAMES.test(n))})`;
    return new StorageError(`${dir} is ${what}, not a store`, 'use s3_backup_path / source {"type": "backup", "url": …} / --backup for it');
  }
  if (names.length === 0) return new StorageError(`${dir} is empty: no MANIFEST, CURRENT, *.sst or *.log files`, use);
  const inside = names.includes('cockroach-data') ? `; did you mean ${join(dir, 'cockroach-data')}?` : '';
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} entries)` : '');
  return new StorageError(`${dir} is not a CockroachDB store: no MANIFEST, CURRENT, *.sst or *.log files (it holds ${shown})`, `${use}${inside}`);
}

/**
 * Opens a store directory: finds the live MANIFEST (marker or CURRENT), replays it, adopts
 * unlisted tables newer than the MANIFEST, replays WALs ≥ its log number, and opens every table
 * (checksums verified). Iteration streams; only WAL contents are held in memory.
 */
export async function openStoreDir(dir: string): Promise<Store> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new StorageError(`cannot list store directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'pass the cockroach-data directory of one store', { cause: e });
  }
  const nameSet = new Set(names);
  const current = await exists(dir, nameSet, 'CURRENT');
  const options = (await Promise.all(names.filter((n) => n.startsWith('OPTIONS-')).map((n) => readFile(join(dir, n), 'utf8')))).join('\n');
  const listing = locateStoreFiles(names, current, options);
  // Without a MANIFEST, every *.sst would be read as store data: a BACKUP's data files too.
  if (listing.manifest === undefined && (names.some(isBackupName) || (listing.tables.size === 0 && listing.logs.size === 0))) throw notAStore(dir, names);
  const warnings: string[] = [...listing.warnings];
  const cmp = compareEngineKeys;

  let manifest: ManifestVersion | undefined;
  let manifestPath: string | undefined;
  if (listing.manifest !== undefined) {
    manifestPath = join(dir, listing.manifest);
    manifest = decodeManifest(new Uint8Array(await readFile(manifestPath)), manifestPath, listing.flavor);
    warnings.push(...manifest.warnings);
  } else {
    warnings.push(`${dir}: no MANIFEST found; reading every .sst and .log file as unlisted data`);
  }

  // Tables from the MANIFEST.
  const tables: StoreTable[] = [];
  const listedNums = new Set<bigint>();
  const backingNums = new Set<bigint>();
  for (const [level, files] of (manifest?.levels ?? []).entries()) {
    for (const t of files) {
      const physical = t.backingFileNum ?? t.fileNum;
      listedNums.add(t.fileNum);
      backingNums.add(physical);
      const name = listing.tables.get(physical);
      const path = join(dir, name ?? `${String(physical).padStart(6, '0')}.sst`);
      if (name === undefined) {
        warnings.push(
          mayHoldTableData(t)
            ? `${path}: listed at L${level} by the MANIFEST but absent; its keys are missing from the scan`
            : `${path}: listed at L${level} by the MANIFEST but absent; its keys lie below /Table/ (range-local, meta and system keys), so no table row is lost`,
        );
      }
      if (t.syntheticPrefix || t.syntheticSuffix) warnings.push(`${path}: synthetic prefix/suffix (online restore) is not applied`);
      tables.push({
        fileNum: t.fileNum,
        level,
        listed: true,
        path,
        present: name !== undefined,
        ...(t.smallest ? { smallest: t.smallest } : {}),
        ...(t.largest ? { largest: t.largest } : {}),
        smallestSeqNum: t.smallestSeqNum,
        largestSeqNum: t.largestSeqNum,
        virtual: t.backingFileNum !== undefined,
        blobReferences: t.blobReferences,
      });
    }
  }
  // Unlisted tables: newer than the MANIFEST (file number ≥ its next file number) are adopted —
  // the MANIFEST is stale (prepear-v19.1.0); older ones are obsolete leftovers and skipped.
  for (const [num, name] of listing.tables) {
    if (backingNums.has(num) || listedNums.has(num)) continue;
    const path = join(dir, name);
    if (manifest === undefined || num >= manifest.nextFileNumber) {
      warnings.push(
        manifest === undefined
          ? `${path}: read without MANIFEST metadata`
          : `${path}: not in the MANIFEST but numbered ≥ its next file number ${manifest.nextFileNumber} (stale MANIFEST); adopted, precedence by in-file sequence numbers, then by file number`,
      );
      tables.push({ fileNum: num, level: -1, listed: false, path, present: true, virtual: false, blobReferences: [] });
    } else {
      warnings.push(`${path}: not in the MANIFEST and older than it (obsolete); skipped`);
    }
  }

  // Blob files.
  const blobFiles: StoreBlobFile[] = [];
  const blobByID = new Map<bigint, StoreBlobFile>();
  for (const b of manifest?.blobFiles.values() ?? []) {
    const name = listing.blobs.get(b.diskFileNum);
    const f = { fileID: b.fileID, fileNum: b.diskFileNum, path: join(dir, name ?? `${String(b.diskFileNum).padStart(6, '0')}.blob`), present: name !== undefined };
    if (!f.present) warnings.push(`${f.path}: blob file listed by the MANIFEST but absent`);
    blobFiles.push(f);
    blobByID.set(b.fileID, f);
  }

  // WALs.
  const minLogNumber = manifest?.logNumber ?? 0n;
  const memtable = new Memtable(cmp);
  const rangeDeletions: RangeDeletion[] = [];
  const rangeKeySpans: RangeKeySpan[] = [];
  const wals: StoreWal[] = [];
  for (const [num, name] of [...listing.logs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const path = join(dir, name);
    if (num < minLogNumber) {
      wals.push({ path, logNumber: num, replayed: false, batches: 0, entries: 0 });
      continue;
    }
    const w = decodeWal(new Uint8Array(await readFile(path)), path, Number(num));
    warnings.push(...w.warnings);
    let entries = 0;
    for (const b of w.batches) {
      for (const kv of b.points) memtable.add(kv);
      rangeDeletions.push(...b.rangeDeletions);
      rangeKeySpans.push(...b.rangeKeys);
      entries += b.points.length + b.rangeDeletions.length + b.rangeKeys.length;
    }
    wals.push({ path, logNumber: num, replayed: true, batches: w.batches.length, entries });
  }
  // The MANIFEST's log number names the WAL that holds the writes not yet flushed to an SST.
  if (manifest !== undefined && minLogNumber > 0n && !wals.some((w) => w.logNumber >= minLogNumber)) {
    warnings.push(
      `${join(dir, `${String(minLogNumber).padStart(6, '0')}.log`)}: the live WAL the MANIFEST names (log number ${minLogNumber}) is absent; the newest writes (those not yet flushed to an SST when the store was copied) are missing — copy the store again with the node stopped, *.log files included`,
    );
  }

  // Tables are opened per scan and closed when the scan ends (file handles stay bounded by the
  // number of L0/adopted tables plus one per level). At open time each is read once for its range
  // deletions and range keys. Blob files get one cached reader each.
  const open: OpenTable[] = [];
  const blobReaders = new Map<bigint, RangeReader>();
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
            if (!ref || !bf) throw new StorageError(`${t.path}: blob reference ${refID} does not resolve to a live blob file in the MANIFEST`);
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

  const rangeKeys = resolveRangeKeys(rangeKeySpans, cmp);
  const stats = newResolveStats();

  const tableIter = (o: OpenTable, bounds: KeyBounds): AsyncIterable<readonly InternalKV[]> => ({
    async *[Symbol.asyncIterator]() {
      const reader = await o.openReader();
      try {
        const batches: AsyncIterable<readonly InternalKV[]> = reader.entryBatches ? reader.entryBatches(bounds) : batchesOf(reader.entries(bounds));
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
  });
  const overlaps = (t: StoreTable, b: KeyBounds): boolean =>
    !(b.start && t.largest && cmp(t.largest.userKey, b.start) < 0) && !(b.end && t.smallest && cmp(t.smallest.userKey, b.end) >= 0);

  const sources = (bounds: KeyBounds): RankedBatchSource[] => {
    const out: RankedBatchSource[] = [{ rank: 0, batches: memtable.entryBatches(bounds) }];
    let rank = 1;
    const unlisted = open.filter((o) => !o.meta.listed).sort((a, b) => (a.meta.fileNum > b.meta.fileNum ? -1 : 1));
    for (const o of unlisted) out.push({ rank: rank++, batches: tableIter(o, bounds) });
    const l0 = open
      .filter((o) => o.meta.listed && o.meta.level === 0 && overlaps(o.meta, bounds))
      .sort((a, b) => {
        const sa = a.meta.largestSeqNum ?? 0n;
        const sb = b.meta.largestSeqNum ?? 0n;
        if (sa !== sb) return sa > sb ? -1 : 1;
        return a.meta.fileNum > b.meta.fileNum ? -1 : 1;
      });
    for (const o of l0) out.push({ rank: rank++, batches: tableIter(o, bounds) });
    for (let level = 1; level < 7; level++) {
      const files = open
        .filter((o) => o.meta.listed && o.meta.level === level && overlaps(o.meta, bounds))
        .sort((a, b) => cmp(a.meta.smallest?.userKey ?? new Uint8Array(0), b.meta.smallest?.userKey ?? new Uint8Array(0)));
      if (files.length === 0) continue;
      // Tables within a level ≥ 1 do not overlap: read them one after another.
      out.push({
        rank: rank++,
        batches: {
          async *[Symbol.asyncIterator]() {
            for (const o of files) yield* tableIter(o, bounds);
          },
        },
      });
    }
    return out;
  };

  const dataPieces = async (bounds: KeyBounds = {}): Promise<Array<{ key: Uint8Array; bytes: number }>> => {
    const out = memtable.pieces(bounds);
    for (const o of open) {
      if (o.meta.listed && !overlaps(o.meta, bounds)) continue;
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
  };
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
    dataPieces,
    rawEntries,
    async close() {
      await Promise.all([...blobReaders.values()].map((r) => r.close?.()));
    },
  };
}
