/**
 * Opens the rows of a source again from its recipe, without rebuilding the catalog: what a worker
 * thread needs to decode tables it receives as plain data.
 */
import { readBackup } from '../backup/read-backup.js';
import { openStoreSource } from '../store/store-source.js';
import type { TableRowSource } from './load-plans.js';
import { rowBatchesFrom, rowsFrom, type SourceRecipe } from './source.js';

export interface RowReader extends TableRowSource {
  close(): Promise<void>;
}

export async function openRowReader(recipe: SourceRecipe): Promise<RowReader> {
  switch (recipe.kind) {
    case 'store': {
      const mvcc = await openStoreSource(recipe.dir);
      return {
        rows: (table, resumeAfter) => rowsFrom(mvcc, table, resumeAfter ? { resumeAfter } : {}),
        rowBatches: (table, resumeAfter) => rowBatchesFrom(mvcc, table, resumeAfter ? { resumeAfter } : {}),
        close: () => mvcc.close(),
      };
    }
    case 'backup': {
      const b = await readBackup(recipe.url, recipe.options);
      const at = (resumeAfter?: Uint8Array) => ({ readAt: b.readAt, ...(resumeAfter ? { resumeAfter } : {}) });
      return {
        rows: (table, resumeAfter) => rowsFrom(b.source, table, at(resumeAfter)),
        rowBatches: (table, resumeAfter) => rowBatchesFrom(b.source, table, at(resumeAfter)),
        close: () => b.close(),
      };
    }
  }
}
