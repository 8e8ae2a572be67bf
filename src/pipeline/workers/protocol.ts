import type { MessagePort } from 'node:worker_threads';
/** Messages between the loader's main thread and its worker threads (plain, structured-clonable data). */
import type { PgConnectionSettings } from '../pg-target.js';
import type { CopyTableOptions } from '../../load/copy-table.js';
import type { LoadProgressEvent, TableLoadResult } from '../../load/types.js';
import type { TargetLabel } from '../../report/model.js';
import type { SerializedError } from '../../util/errors.js';
import type { TablePlanSpec } from '../load-plans.js';
import type { RowRange, SourceRecipe } from '../../source/migration-source.js';
import type { Table } from '../../model/catalog.js';

/** One table to load: what, where to (a worker keeps one connection per target database), how. */
export interface LoadJob {
  readonly plan: TablePlanSpec;
  readonly target: {
    readonly label: TargetLabel;
    readonly description: string;
    readonly database: string;
    /** Connection settings (host, port, user, password, database, TLS). */
    readonly clientConfig: PgConnectionSettings;
  };
  readonly copy: Omit<CopyTableOptions, 'onProgress' | 'signal'>;
  /** The rows another worker is likely to load next, to warm (TableRowSource.warm) while this table loads. */
  readonly warm?: RowsToWarm;
}

/** A table's rows (of one part) whose first bytes to fetch ahead. */
export interface RowsToWarm {
  readonly table: Table;
  readonly range?: RowRange;
}

export type ToWorker =
  /**
   * The source to open (first message; a thread starts before the main thread has opened it), and
   * for a backup the port on which the main thread makes the object-storage requests of the thread
   * (storage/forwarded-storage.ts).
   */
  | { readonly type: 'open'; readonly recipe: SourceRecipe; readonly storagePort?: MessagePort }
  | { readonly type: 'load'; readonly job: LoadJob }
  /** Rows to warm for the loads to come (TableRowSource.warm), at once, beside any load. */
  | { readonly type: 'warm'; readonly tables: readonly RowsToWarm[] }
  | { readonly type: 'abort' }
  /** Close the target connections (a database is loaded; the run goes on with DDL or another server). */
  | { readonly type: 'disconnect' }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'progress'; readonly event: LoadProgressEvent }
  | { readonly type: 'loaded'; readonly result: TableLoadResult }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | { readonly type: 'disconnected' }
  | { readonly type: 'closed' };
