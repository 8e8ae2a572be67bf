/** Loads many tables with a bounded number of parallel connections, biggest work first. */
import type pg from 'pg';
import { copyTable, type CopyTableOptions } from './copy-table.js';
import { ensureLoadState } from './load-state.js';
import type { TableLoadPlan, TableLoadResult } from './types.js';

export interface LoadTablesOptions extends CopyTableOptions {
  /** Opens a new connection to the target database (one per job). */
  readonly connect: () => Promise<pg.Client>;
  readonly jobs: number;
}

/**
 * Runs `copyTable` for every plan on `jobs` connections. The first failure stops handing out new
 * tables; tables already running finish their current chunk's transaction (or roll it back), so
 * the resume state stays consistent.
 */
export async function loadTables(plans: readonly TableLoadPlan[], opts: LoadTablesOptions): Promise<TableLoadResult[]> {
  const results: TableLoadResult[] = [];
  if (plans.length === 0) return results;
  const first = await opts.connect();
  try {
    await ensureLoadState(first);
  } finally {
    await first.end();
  }
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    const client = await opts.connect();
    try {
      while (failure === undefined && next < plans.length) {
        const plan = plans[next++]!;
        try {
          results.push(await copyTable(client, plan, opts));
        } catch (e) {
          failure ??= e;
        }
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, plans.length)) }, worker));
  if (failure !== undefined) throw failure;
  const order = new Map(plans.map((p, i) => [p.id, i]));
  return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}
