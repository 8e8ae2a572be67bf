import type { SqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';

/** A source row as the loader sees it: the primary-key row key (for resuming) and COPY-ordered values. */
export interface LoadRow {
  /** Source row key (bytes, ascending in iteration order). */
  readonly key: Uint8Array;
  /** Aligned with the plan's `columns`. */
  readonly values: readonly Datum[];
}

/** One table to load: where it goes, its COPY column list, and its rows. */
export interface TableLoadPlan {
  /** Stable identifier of the source table, e.g. "db.schema.table"; the resume-state key. */
  readonly id: string;
  readonly pgSchema: string;
  readonly pgTable: string;
  /**
   * COPY columns: PostgreSQL name, CockroachDB type and, when known, the PostgreSQL type the
   * column was created with (lets the loader send it as COPY BINARY; without it, text).
   */
  readonly columns: readonly { readonly pgName: string; readonly type: SqlType; readonly pgType?: string }[];
  /** Rows in primary-key order; with `resumeAfter`, strictly after that key. */
  readonly rows: (resumeAfter?: Uint8Array) => AsyncIterable<LoadRow>;
  /** The same rows in arrays (never empty): the loader's fast path, one await per batch. */
  readonly rowBatches?: (resumeAfter?: Uint8Array) => AsyncIterable<readonly LoadRow[]>;
  /**
   * Load it from empty in one transaction that takes the table over (TRUNCATE, then COPY FREEZE;
   * copy-table.ts): for a whole table of known, bounded size, which a rerun loads again from its
   * start. Otherwise (a key-range part, a table of unknown size) every chunk commits with its checkpoint.
   */
  readonly oneTransaction?: boolean;
  /** PostgreSQL names of the primary-key columns (for narrowing a checksum mismatch down to rows). */
  readonly keyColumns?: readonly string[];
  /** Pretty form of a row key for error messages. */
  readonly describeKey?: (key: Uint8Array) => string;
}

export interface LoadProgressEvent {
  readonly table: string;
  readonly phase: 'start' | 'chunk' | 'done' | 'skipped';
  /** Rows loaded so far for this table (including rows of earlier, resumed runs). */
  readonly rows: number;
  /** COPY bytes sent by this run. */
  readonly bytes: number;
}

/** Content fingerprint of a set of rows: count and the exact sum of 64-bit row hashes. */
export interface Fingerprint {
  readonly rows: bigint;
  readonly sum: bigint;
}

export interface TableLoadResult {
  readonly id: string;
  readonly pgSchema: string;
  readonly pgTable: string;
  /** Rows in the target after this run (all runs). */
  readonly rows: number;
  /** Fingerprint of what was sent, accumulated across resumed runs. */
  readonly source: Fingerprint;
  readonly rejected: number;
  /** The reject file, when rows were quarantined. */
  readonly rejectFile?: string;
  readonly bytes: number;
  readonly seconds: number;
  /** True when an earlier interrupted run had already loaded part of the table. */
  readonly resumed: boolean;
}
