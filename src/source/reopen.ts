/**
 * Opens the rows of a source again from its recipe, without rebuilding the catalog: what a worker
 * thread needs to decode tables it receives as plain data.
 */
import { readBackup, type ReadBackupOptions } from '../backup/read-backup.js';
import { openStoreSource } from '../pebble/store-mvcc.js';
import type { SourceRecipe, TableRowSource } from './migration-source.js';
import { mvccTableRows } from './table-rows.js';

export interface RowReader extends TableRowSource {
  close(): Promise<void>;
}

/** How this thread opens a backup's storages (default: itself, with `openStorage`). */
export type ReopenOptions = Pick<ReadBackupOptions, 'openStorage'>;

export async function openRowReader(recipe: SourceRecipe, reopen: ReopenOptions = {}): Promise<RowReader> {
  switch (recipe.kind) {
    case 'store': {
      const mvcc = await openStoreSource(recipe.dir);
      return { ...mvccTableRows(mvcc), close: () => mvcc.close() };
    }
    case 'backup': {
      const b = await readBackup(recipe.url, { ...recipe.options, ...reopen });
      return { ...mvccTableRows(b.source, b.readAt), close: () => b.close() };
    }
  }
}
