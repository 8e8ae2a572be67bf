/**
 * Loads (or resumes) one table through a pool or a client that is not inside a transaction,
 * creating the resume-state tables first: what the pipeline does per table, minus planning. For
 * tests and benchmarks that drive `copyTable` directly.
 */
import type pg from 'pg';
import { copyTable, type CopyTableOptions } from '../copy-table.js';
import { ensureLoadState } from '../load-state.js';
import type { TableLoadPlan, TableLoadResult } from '../types.js';

const isPool = (t: pg.Pool | pg.ClientBase): t is pg.Pool =>
  typeof (t as pg.Pool).totalCount === 'number' && typeof (t as pg.Pool).end === 'function';

export async function loadTable(
  target: pg.Pool | pg.ClientBase,
  plan: TableLoadPlan,
  opts: CopyTableOptions = { chunkSize: 100_000 },
): Promise<TableLoadResult> {
  const client = isPool(target) ? await target.connect() : target;
  try {
    await ensureLoadState(client);
    return await copyTable(client, plan, opts);
  } finally {
    if (isPool(target)) (client as pg.PoolClient).release();
  }
}
