/**
 * What a store directory holds, read step by step for `openStoreDir`: the directory listing, the
 * live MANIFEST, the tables and blob files it lists (plus unlisted tables adopted), and the WALs
 * replayed into a memtable (docs/formats.md §6.9, §7.2). Every oddity becomes a warning.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UserKeyCompare } from '../sst/comparer.js';
import type { RangeDeletion, RangeKeySpan } from '../sst/types.js';
import { StorageError } from '../util/errors.js';
import { decodeWal } from './wal-file.js';
import { locateStoreFiles, type StoreListing } from './locate.js';
import { mayHoldTableData } from './missing-files.js';
import { decodeManifest, type ManifestVersion } from './manifest.js';
import { Memtable } from './memtable.js';
import type { StoreBlobFile, StoreTable, StoreWal } from './open-store.js';

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
    const what = names.some((n) => COLLECTION_NAMES.test(n))
      ? 'a BACKUP collection'
      : `a BACKUP directory (${names.find((n) => BACKUP_DIR_NAMES.test(n))})`;
    return new StorageError(`${dir} is ${what}, not a store`, 'use s3_backup_path / source {"type": "backup", "url": …} / --backup for it');
  }
  if (names.length === 0) return new StorageError(`${dir} is empty: no MANIFEST, CURRENT, *.sst or *.log files`, use);
  const inside = names.includes('cockroach-data') ? `; did you mean ${join(dir, 'cockroach-data')}?` : '';
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} entries)` : '');
  return new StorageError(
    `${dir} is not a CockroachDB store: no MANIFEST, CURRENT, *.sst or *.log files (it holds ${shown})`,
    `${use}${inside}`,
  );
}

/** Lists the store directory and sorts its files (CURRENT and OPTIONS-* read to find the MANIFEST and flavor). */
export async function readStoreListing(dir: string): Promise<StoreListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new StorageError(
      `cannot list store directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'pass the cockroach-data directory of one store',
      { cause: e },
    );
  }
  const nameSet = new Set(names);
  const current = await exists(dir, nameSet, 'CURRENT');
  const options = (await Promise.all(names.filter((n) => n.startsWith('OPTIONS-')).map((n) => readFile(join(dir, n), 'utf8')))).join('\n');
  const listing = locateStoreFiles(names, current, options);
  // Without a MANIFEST, every *.sst would be read as store data: a BACKUP's data files too.
  if (listing.manifest === undefined && (names.some(isBackupName) || (listing.tables.size === 0 && listing.logs.size === 0)))
    throw notAStore(dir, names);
  return listing;
}

/** Reads and replays the live MANIFEST, if the directory has one. */
export async function readStoreManifest(
  dir: string,
  listing: StoreListing,
  warnings: string[],
): Promise<{ manifest?: ManifestVersion; manifestPath?: string }> {
  if (listing.manifest === undefined) {
    warnings.push(`${dir}: no MANIFEST found; reading every .sst and .log file as unlisted data`);
    return {};
  }
  const manifestPath = join(dir, listing.manifest);
  const manifest = decodeManifest(new Uint8Array(await readFile(manifestPath)), manifestPath, listing.flavor);
  warnings.push(...manifest.warnings);
  return { manifest, manifestPath };
}

/** The tables the store reads: those the MANIFEST lists (present or not), then unlisted ones adopted. */
export function storeTables(dir: string, listing: StoreListing, manifest: ManifestVersion | undefined, warnings: string[]): StoreTable[] {
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
  return tables;
}

/** The blob files the MANIFEST lists, each with its path and whether it is on disk. */
export function storeBlobFiles(
  dir: string,
  listing: StoreListing,
  manifest: ManifestVersion | undefined,
  warnings: string[],
): StoreBlobFile[] {
  const blobFiles: StoreBlobFile[] = [];
  for (const b of manifest?.blobFiles.values() ?? []) {
    const name = listing.blobs.get(b.diskFileNum);
    const f = {
      fileID: b.fileID,
      fileNum: b.diskFileNum,
      path: join(dir, name ?? `${String(b.diskFileNum).padStart(6, '0')}.blob`),
      present: name !== undefined,
    };
    if (!f.present) warnings.push(`${f.path}: blob file listed by the MANIFEST but absent`);
    blobFiles.push(f);
  }
  return blobFiles;
}

/** The WALs' unflushed writes: points in a memtable, range deletions and range keys in lists. */
export interface ReplayedWals {
  readonly memtable: Memtable;
  readonly rangeDeletions: RangeDeletion[];
  readonly rangeKeySpans: RangeKeySpan[];
  readonly wals: StoreWal[];
}

/** Replays every WAL numbered at or above `minLogNumber` (older ones were flushed before the MANIFEST). */
export async function replayStoreWals(
  dir: string,
  listing: StoreListing,
  manifest: ManifestVersion | undefined,
  minLogNumber: bigint,
  cmp: UserKeyCompare,
  warnings: string[],
): Promise<ReplayedWals> {
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
  return { memtable, rangeDeletions, rangeKeySpans, wals };
}
