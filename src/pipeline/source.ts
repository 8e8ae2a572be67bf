/**
 * A migration source, whatever it reads: the schema (Catalog) and, per table, its rows in
 * primary-key order, resumable after a given row key. Backups and store directories both reduce
 * to "catalog + MVCC key-values", so rows are decoded the same way for both.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Catalog, Table } from '../catalog/model.js';
import { flattenBatches, scanBatchesOf, type MVCCSource, type Timestamp } from '../mvcc/types.js';
import { decodeRowBatches, type Row } from '../rows/decode-rows.js';
import { primaryIndexSpan } from '../rows/row-key.js';
import { storeMigrationSource } from '../source/store-source.js';
import type { Store } from '../store/open-store.js';
import { openStoreSource } from '../store/store-source.js';
import { missingStoreFiles } from '../store/missing-files.js';
import { missingFilesError } from '../util/missing-files.js';
import { compareBytes } from '../util/bytes.js';
import { ConfigError, MigrateError } from '../util/errors.js';
import { splitTableFrom, type SplitTableOptions, type TableSplit } from './split-table.js';
import type { Config } from '../config/keys.js';
import type { ReadBackupOptions } from '../backup/read-backup.js';

export { partRanges, splitTableFrom, type SplitTableOptions, type TableSplit } from './split-table.js';

/**
 * How to open the same source again in another thread: plain data only (structured-clonable), and
 * pinned so that every opening reads the same bytes (a backup's full directory and read time).
 */
export type SourceRecipe =
  | { readonly kind: 'store'; readonly dir: string }
  | { readonly kind: 'backup'; readonly url: string; readonly options: Omit<ReadBackupOptions, 'storage'> };

/**
 * One part of a table: the rows whose row key R satisfies from ≤ R < before (either side may be
 * absent = the table's start / end). Bounds are row keys (`Row.key`, e.g. from `splitTable`):
 * every KV of a row has its row key as prefix, so a part never cuts a row.
 */
export interface RowRange {
  readonly from?: Uint8Array;
  readonly before?: Uint8Array;
}

/** The rows of a source's tables: what loading needs, on the main thread or in a worker. */
export interface TableRowSource {
  /**
   * Rows of a table in primary-key order; with `resumeAfter`, strictly after that row key; with
   * `range`, only the rows of that part (resuming inside a part: pass both).
   */
  rows(table: Table, resumeAfter?: Uint8Array, range?: RowRange): AsyncIterable<Row>;
  /**
   * The same rows in the same order, in arrays (about one per SST block; never empty, fresh, may
   * be kept): one promise per batch instead of per row. `rows` is the flattening of this.
   */
  rowBatches(table: Table, resumeAfter?: Uint8Array, range?: RowRange): AsyncIterable<readonly Row[]>;
  /**
   * Row-aligned boundaries cutting a large table into parts of about `targetPartBytes` (see
   * `splitTable`); absent when the source cannot estimate sizes (then load it as one part).
   */
  splitTable?(table: Table, opts: SplitTableOptions): Promise<TableSplit>;
}

/**
 * Which data a source reads, computed from what opening it already read (manifests, file lists,
 * file sizes; no scan). A resumed load continues only from a source with the same key: rows
 * loaded from one backup and completed from another would verify "identical" against neither.
 */
export interface SourceIdentity {
  /** Equal keys ⇒ the same rows. Independent of where the bytes are (a copied backup keeps its key). */
  readonly key: string;
  /** For messages: what was read, e.g. `backup s3://b/c/2024/05/01-120000.00 (end …, manifests sha256 1a2b…)`. */
  readonly text: string;
  /** The configuration that selects exactly this source again, when there is one. */
  readonly pin?: string;
}

export interface MigrationSource extends TableRowSource {
  /** What was read, for logs and reports (no credentials). */
  readonly description: string;
  readonly kind: 'backup' | 'store';
  readonly identity: SourceIdentity;
  readonly catalog: Catalog;
  /** Notes for the report (stale MANIFEST adopted, missing files, …). */
  readonly warnings: readonly string[];
  /**
   * Data files the source's manifest lists that are absent and may hold rows (skipped: their rows
   * are missing). Empty for a complete source; `openSource` refuses a source with any unless the
   * config opts in (`allow_missing_files`).
   */
  readonly missingFiles?: readonly string[];
  /** Set when rows can be read by worker threads that open the source themselves. */
  readonly recipe?: SourceRecipe;
  /** Approximate bytes of key-value data to read (file sizes or manifest counts), when cheap to know. */
  readonly dataBytes?: number;
  /** Approximate bytes per table id, when the source records them (backup manifests do). */
  readonly tableBytes?: ReadonlyMap<number, number>;
  /**
   * Approximate rows per table id, when the source records them (backup manifests do; summed over
   * incremental layers, rows changed in several layers count more than once). For progress ETAs.
   */
  readonly tableRows?: ReadonlyMap<number, number>;
  /**
   * Backups: the point a target loaded from this source reflects (`sync` catches it up from the
   * collection's later layers). `collection` is the configured URL without secrets.
   */
  readonly syncPoint?: SyncPoint;
  close(): Promise<void>;
}

export interface SyncPoint {
  readonly collection: string;
  /** The full backup's subdirectory ('' for a backup folder). */
  readonly fullDir: string;
  readonly endTime: Timestamp;
}

/** The smallest key greater than every key that has `prefix` as a prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0xff, 0xff);
}

export interface RowsFromOptions extends RowRange {
  /** Rows strictly after this row key (a `Row.key`). */
  readonly resumeAfter?: Uint8Array;
  readonly readAt?: Timestamp;
  readonly tenantPrefix?: Uint8Array;
}

/**
 * Rows of `table` from an MVCC source in primary-key order, optionally resuming after a row key
 * and restricted to a part [from, before), in arrays (never empty; fresh): one promise per batch.
 * Uses `mvcc.scanBatches` when present.
 */
export function rowBatchesFrom(mvcc: MVCCSource, table: Table, opts: RowsFromOptions = {}): AsyncIterable<readonly Row[]> {
  const [spanStart, spanEnd] = primaryIndexSpan(table, opts.tenantPrefix);
  // A row key is the row prefix without its family suffix; every KV of that row has it as prefix,
  // and no KV of a smaller row reaches it (key encodings are prefix-free), so row keys are exact
  // scan bounds: [R1, R2) holds exactly the KVs of the rows R1 ≤ R < R2.
  let start = spanStart;
  if (opts.from && compareBytes(opts.from, start) > 0) start = opts.from;
  if (opts.resumeAfter) {
    const after = prefixEnd(opts.resumeAfter);
    if (compareBytes(after, start) > 0) start = after;
  }
  const end = opts.before && compareBytes(opts.before, spanEnd) < 0 ? opts.before : spanEnd;
  if (compareBytes(start, end) >= 0) return noBatches();
  return decodeRowBatches(table, scanBatchesOf(mvcc, start, end, opts.readAt), opts.tenantPrefix ? { tenantPrefix: opts.tenantPrefix } : {});
}

async function* noBatches(): AsyncGenerator<Row[]> {}

/** Rows of `table` from an MVCC source, optionally resuming after a row key (`rowBatchesFrom`, flattened). */
export function rowsFrom(mvcc: MVCCSource, table: Table, opts: RowsFromOptions = {}): AsyncIterable<Row> {
  return flattenBatches(rowBatchesFrom(mvcc, table, opts));
}

/** Table rows of an MVCC source (a store, or a backup chain read at `readAt`). */
export function mvccTableRows(mvcc: MVCCSource, readAt?: Timestamp): TableRowSource {
  const opts = (resumeAfter?: Uint8Array, range?: RowRange): RowsFromOptions => ({
    ...(readAt ? { readAt } : {}),
    ...(resumeAfter ? { resumeAfter } : {}),
    ...(range?.from ? { from: range.from } : {}),
    ...(range?.before ? { before: range.before } : {}),
  });
  return {
    rows: (table, resumeAfter, range) => rowsFrom(mvcc, table, opts(resumeAfter, range)),
    rowBatches: (table, resumeAfter, range) => rowBatchesFrom(mvcc, table, opts(resumeAfter, range)),
    splitTable: (table, splitOpts) => splitTableFrom(mvcc, table, { ...(readAt ? { readAt } : {}), ...splitOpts }),
  };
}

export async function openStoreMigrationSource(dir: string): Promise<MigrationSource> {
  const mvcc = await openStoreSource(dir);
  try {
    const s = await storeMigrationSource(mvcc);
    return {
      description: `store directory ${dir}`,
      kind: 'store',
      catalog: s.catalog,
      warnings: mvcc.store.warnings,
      missingFiles: missingStoreFiles(mvcc.store).filter((f) => f.holdsTableData).map((f) => f.path),
      recipe: { kind: 'store', dir },
      identity: await storeIdentity(mvcc.store),
      dataBytes: await storeDataBytes(dir),
      ...mvccTableRows(mvcc),
      close: () => s.close(),
    };
  } catch (e) {
    await mvcc.close();
    throw e;
  }
}

/**
 * A store's identity: its MANIFEST and the live file set it resolved to (SSTs with level and
 * sequence range, blob files, WALs), each with its size. Pebble never reuses a file number, so a
 * store that went on writing (or another node's store) gives another key.
 */
async function storeIdentity(store: Store): Promise<SourceIdentity> {
  const size = async (p: string): Promise<string> => String((await stat(p).catch(() => undefined))?.size ?? 'absent');
  const files: string[] = [];
  for (const t of store.tables) files.push(`sst ${basename(t.path)} L${t.level} seq ${t.smallestSeqNum ?? '?'}-${t.largestSeqNum ?? '?'} ${await size(t.path)}`);
  for (const b of store.blobFiles) files.push(`blob ${basename(b.path)} ${await size(b.path)}`);
  for (const w of store.wals) files.push(`wal ${basename(w.path)} ${w.replayed ? `${w.batches} batches ${w.entries} entries` : 'flushed'} ${await size(w.path)}`);
  files.sort();
  const manifest = store.manifestPath ? basename(store.manifestPath) : 'no MANIFEST';
  const digest = createHash('sha256').update(`${manifest}\n${files.join('\n')}`).digest('hex').slice(0, 16);
  return {
    key: `store ${manifest} ${digest}`,
    text: `store directory ${store.dir} (${manifest}, ${files.length} live files, sha256 ${digest})`,
  };
}

/** Bytes of a store directory's SST, WAL and blob files. */
async function storeDataBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) {
    if (/\.(sst|log|blob)$/.test(f)) n += (await stat(join(dir, f)).catch(() => ({ size: 0 }))).size;
  }
  return n;
}

/**
 * Opens the source the configuration names (source key, else s3_backup_path), and refuses one that
 * holds nothing to read: no descriptors at all, or listed data files absent (unless the config
 * opts in with allow_missing_files).
 */
export async function openSource(config: Config): Promise<MigrationSource> {
  const source = await openConfiguredSource(config);
  try {
    if (source.missingFiles?.length && !config.allow_missing_files) {
      throw missingFilesError(source.missingFiles, source.kind === 'store' ? "the store's MANIFEST" : "the backup's manifest", source.kind === 'store' ? 'cockroach-data directory' : 'backup folder, data/ included');
    }
    if (source.catalog.databases.length === 0 && source.catalog.tables.length === 0) {
      throw new MigrateError(
        `${source.description} holds no CockroachDB descriptors (not even the system database's)`,
        source.kind === 'store' ? 'pass the cockroach-data directory of a CockroachDB node' : 'point at the backup collection or backup folder the BACKUP statement wrote',
      );
    }
    return source;
  } catch (e) {
    await source.close();
    throw e;
  }
}

async function openConfiguredSource(config: Config): Promise<MigrationSource> {
  const src = config.source ?? (config.s3_backup_path ? { type: 'backup' as const, url: config.s3_backup_path } : undefined);
  if (!src) {
    throw new ConfigError('no source configured', 'set s3_backup_path (a backup URL) or source: {"type": "store", "path": "cockroach-data"}');
  }
  switch (src.type) {
    case 'store':
      return openStoreMigrationSource(src.path);
    case 'backup': {
      const { openBackupMigrationSource } = await import('./backup-source.js');
      return openBackupMigrationSource(src.url, config, src.backup);
    }
    case 'cluster':
      throw new ConfigError(
        'source type "cluster" (a running CockroachDB) is not available in this version',
        'take a BACKUP and use source type "backup", or copy the store directory and use type "store"',
      );
    case 'restore':
      throw new ConfigError(
        'source type "restore" (restoring with a cockroach binary) is not available in this version',
        'the native backup reader (source type "backup") reads the same backup without CockroachDB',
      );
  }
}
