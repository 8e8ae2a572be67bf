import { readLogRecords } from '../wal/record-reader.js';
import { DecodeError } from '../util/errors.js';
import { decodeVersionEdit, type ManifestFlavor, type NewBlobFileEntry, type NewTableEntry } from './version-edit.js';

/**
 * The live version a MANIFEST describes after replaying all its VersionEdits
 * (pebble `version_set.go` load / `internal/manifest` BulkVersionEdit; rocksdb `VersionSet::Recover`).
 */
export interface ManifestVersion {
  readonly file: string;
  readonly flavor: ManifestFlavor;
  readonly comparator?: string;
  /** WALs numbered ≥ this hold unflushed data (Pebble MinUnflushedLogNum / RocksDB log_number). */
  readonly logNumber: bigint;
  readonly nextFileNumber: bigint;
  readonly lastSequence: bigint;
  /** Live tables per level 0…6 (default column family only), ordered by file number. */
  readonly levels: readonly (readonly NewTableEntry[])[];
  /** Live blob files by BlobFileID (Pebble value separation). */
  readonly blobFiles: ReadonlyMap<bigint, NewBlobFileEntry>;
  readonly editCount: number;
  readonly warnings: readonly string[];
}

/** Pure: replays a whole MANIFEST held in memory. A truncated or damaged MANIFEST is a DecodeError naming the file. */
export function decodeManifest(bytes: Uint8Array, file: string, flavor: ManifestFlavor): ManifestVersion {
  const levels: Map<bigint, NewTableEntry>[] = Array.from({ length: 7 }, () => new Map());
  const blobFiles = new Map<bigint, NewBlobFileEntry>();
  const warnings: string[] = [];
  let comparator: string | undefined;
  let logNumber = 0n;
  let nextFileNumber = 0n;
  let lastSequence = 0n;
  let editCount = 0;
  const droppedFamilies = new Set<number>();
  for (const rec of readLogRecords(bytes, { file, layer: 'manifest', tolerateTornTail: false })) {
    let edit;
    try {
      edit = decodeVersionEdit(rec.payload, flavor, rec.offset);
    } catch (e) {
      if (e instanceof DecodeError) {
        throw new DecodeError(
          'manifest',
          `${e.detail} (version edit at offset ${rec.offset})`,
          file,
          e.offset,
          'the MANIFEST is damaged or from an unsupported engine version',
          { cause: e },
        );
      }
      throw e;
    }
    editCount++;
    if (edit.comparator !== undefined) comparator = edit.comparator;
    if (edit.logNumber !== undefined && edit.logNumber > logNumber) logNumber = edit.logNumber;
    if (edit.nextFileNumber !== undefined) nextFileNumber = edit.nextFileNumber;
    if (edit.lastSequence !== undefined) lastSequence = edit.lastSequence;
    for (const id of edit.columnFamiliesDropped) droppedFamilies.add(id);
    for (const d of edit.deletedTables) {
      if (d.columnFamily !== 0) continue;
      levels[d.level]!.delete(d.fileNum);
    }
    for (const n of edit.newTables) {
      if (n.columnFamily !== 0) {
        warnings.push(`${file}: table ${n.fileNum} of column family ${n.columnFamily} ignored (CockroachDB uses only the default family)`);
        continue;
      }
      levels[n.level]!.set(n.fileNum, n);
    }
    for (const b of edit.deletedBlobFiles) blobFiles.delete(b.fileID);
    for (const b of edit.newBlobFiles) blobFiles.set(b.fileID, b);
    if (edit.excises.length > 0)
      warnings.push(`${file}: ${edit.excises.length} excise record(s) seen; the tables they narrowed are listed as virtual tables`);
  }
  if (editCount === 0) {
    throw new DecodeError('manifest', 'MANIFEST holds no version edit (empty or truncated)', file, 0, 'restore the file from a copy');
  }
  return {
    file,
    flavor,
    ...(comparator !== undefined ? { comparator } : {}),
    logNumber,
    nextFileNumber,
    lastSequence,
    levels: levels.map((m) => [...m.values()].sort((a, b) => (a.fileNum < b.fileNum ? -1 : a.fileNum > b.fileNum ? 1 : 0))),
    blobFiles,
    editCount,
    warnings,
  };
}
