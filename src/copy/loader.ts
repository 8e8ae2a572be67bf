/**
 * The loader's public face: stream source rows into PostgreSQL with COPY, resumably, and prove
 * the result. Implementation in `load/` (COPY, chunks, checkpoints, rejects, existing tables) and
 * `verify/` (fingerprints, differing keys).
 *
 *   const r = await loadTable(pool, plan, { chunkSize: 100_000 });
 *   const v = await verifyTable(client, plan, r.source);   // v.match, v.differingKeys
 */
import type pg from 'pg';
import { copyTable, type CopyTableOptions } from '../load/copy-table.js';
import { ensureLoadState } from '../load/load-state.js';
import type { TableLoadPlan, TableLoadResult } from '../load/types.js';

export { copyTable, type CopyTableOptions } from '../load/copy-table.js';
export { loadTables, defaultJobs, type LoadTablesOptions } from '../load/load-tables.js';
export { ensureLoadState, readTableState, type TableState } from '../load/load-state.js';
export { findExistingTables, type ExistingTable, type IfExistsPolicy } from '../load/existing-tables.js';
export { rejectFilePath, type RejectRecord } from '../load/rejects.js';
export type { Fingerprint, LoadProgressEvent, LoadRow, TableLoadPlan, TableLoadResult } from '../load/types.js';
export { verifyTable, sourceFingerprint, targetFingerprint, findDifferingKeys, type TableVerification } from '../verify/verify-table.js';

const isPool = (t: pg.Pool | pg.ClientBase): t is pg.Pool => typeof (t as pg.Pool).totalCount === 'number' && typeof (t as pg.Pool).end === 'function';

/**
 * Loads (or resumes) one table through a pool or a client that is not inside a transaction.
 * Creates the resume-state table when missing. Options: chunk size (rows per transaction),
 * onError 'stop' | 'quarantine' (+ rejectDir), onProgress, signal, fingerprint.
 */
export async function loadTable(target: pg.Pool | pg.ClientBase, plan: TableLoadPlan, opts: CopyTableOptions = { chunkSize: 100_000 }): Promise<TableLoadResult> {
  const client = isPool(target) ? await target.connect() : target;
  try {
    await ensureLoadState(client);
    return await copyTable(client, plan, opts);
  } finally {
    if (isPool(target)) (client as pg.PoolClient).release();
  }
}
