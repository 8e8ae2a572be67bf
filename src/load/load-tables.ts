/** Loads many tables with a bounded number of parallel connections. */
import os from 'node:os';
import type pg from 'pg';
import { copyTable, type CopyTableOptions } from './copy-table.js';
import { ensureLoadState } from './load-state.js';
import type { TableLoadPlan, TableLoadResult } from './types.js';

/** A connection a job uses, and how to give it back. */
interface Lease {
  readonly client: pg.ClientBase;
  release(): Promise<void>;
}

export interface LoadTablesOptions extends CopyTableOptions {
  /** Opens a new connection to the target database (one per job; closed afterwards). */
  readonly connect?: () => Promise<pg.Client>;
  /** Or: a pool to take the job connections from (returned afterwards). One of `connect`/`pool` is required. */
  readonly pool?: pg.Pool;
  /** Tables loaded at the same time (default: the number of CPUs). */
  readonly jobs?: number;
  /** Approximate size of a table's data: the largest are handed out first, so the jobs end together. */
  readonly sizeOf?: (plan: Pick<TableLoadPlan, 'id'>) => number;
  /** Called as each table finishes loading (its indexes can be built while others still load). */
  readonly onLoaded?: (result: TableLoadResult) => void;
  /** Called when a job finds no table left to take (its share of the machine is free). */
  readonly onJobDone?: () => void;
}

/** Plans in the order jobs take them: largest first when sizes are known, else as given. */
export function loadOrder<P>(plans: readonly P[], sizeOf?: (plan: P) => number): readonly P[] {
  if (!sizeOf) return plans;
  const size = new Map(plans.map((p) => [p, sizeOf(p)]));
  return [...plans].sort((a, b) => size.get(b)! - size.get(a)!);
}

export const defaultJobs = (): number => Math.max(1, os.availableParallelism());

async function lease(opts: LoadTablesOptions): Promise<Lease> {
  if (opts.pool) {
    const c = await opts.pool.connect();
    return { client: c, release: async () => c.release() };
  }
  if (!opts.connect) throw new TypeError('loadTables needs `connect` or `pool`');
  const c = await opts.connect();
  return { client: c, release: () => c.end() };
}

/**
 * Runs `copyTable` for every plan on `jobs` connections. The first failure stops handing out new
 * tables; tables already running finish or roll back their current chunk's transaction, so the
 * resume state stays consistent. Results come back in the order of `plans`.
 */
export async function loadTables(plans: readonly TableLoadPlan[], opts: LoadTablesOptions): Promise<TableLoadResult[]> {
  const results: TableLoadResult[] = [];
  if (plans.length === 0) return results;
  const first = await lease(opts);
  try {
    await ensureLoadState(first.client);
  } finally {
    await first.release();
  }
  const queue = loadOrder(plans, opts.sizeOf);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    const l = await lease(opts);
    try {
      while (failure === undefined && next < queue.length) {
        const plan = queue[next++]!;
        try {
          const r = await copyTable(l.client, plan, opts);
          results.push(r);
          opts.onLoaded?.(r);
        } catch (e) {
          failure ??= e;
        }
      }
    } finally {
      await l.release().catch(() => undefined);
      opts.onJobDone?.();
    }
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), plans.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  if (failure !== undefined) throw failure;
  const order = new Map(plans.map((p, i) => [p.id, i]));
  return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}
