/**
 * A migration source, whatever it reads: the schema (Catalog) and, per table, its rows in
 * primary-key order, resumable after a given row key. Backups and store directories both reduce
 * to "catalog + MVCC key-values", so rows are decoded the same way for both (`table-rows.ts`);
 * `backup.ts` and `store.ts` open one, `open-source.ts` picks by configuration.
 */
import type { Catalog, Table } from '../model/catalog.js';
import type { Timestamp } from '../mvcc/types.js';
import type { Row } from '../rows/decode-rows.js';
import type { ReadBackupOptions } from '../backup/read-backup.js';
import type { SplitTableOptions, TableSplit } from './split-table.js';

/**
 * How to open the same source again in another thread: plain data only (structured-clonable), and
 * pinned so that every opening reads the same bytes (a backup's full directory and read time).
 */
export type SourceRecipe =
  | { readonly kind: 'store'; readonly dir: string }
  | { readonly kind: 'backup'; readonly url: string; readonly options: Omit<ReadBackupOptions, 'storage' | 'openStorage'> };

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
  /**
   * A hint that the rows of `table` (in `range`) will be read soon, maybe by another thread: the
   * source asks its storage for their first bytes (MVCCSource.warm). Optional; no effect on rows.
   */
  warm?(table: Table, range?: RowRange): void;
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
