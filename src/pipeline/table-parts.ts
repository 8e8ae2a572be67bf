/**
 * Large tables load as several key-range parts at once (one COPY job each, each with its own
 * resume state), so one big table does not leave the other jobs idle. This module turns table
 * plans into part plans, recording each split in the target before the first part loads, and
 * folds the parts' progress and results back into one per table.
 */
import type pg from 'pg';
import { readTableParts, readTableState, writeTableParts } from '../load/load-state.js';
import type { LoadProgressEvent, TableLoadResult } from '../load/types.js';
import type { Logger } from '../util/logger.js';
import type { SourceLoadPlan } from './load-plans.js';

/**
 * The plans to load: each table whose source data exceeds two parts of `targetPartBytes` split
 * into parts, the rest whole. A table an interrupted run began keeps the layout that run chose
 * (its recorded boundaries, or whole when it began whole), so no row is loaded twice. A whole
 * table whose size is known to be under two parts loads in one transaction (`oneTransaction`:
 * COPY FREEZE); one of unknown size (interleaved, tenant-prefixed) commits chunk by chunk, so an
 * interruption never costs more than about two parts' worth of loading.
 */
export async function planTableParts(
  client: pg.ClientBase,
  plans: readonly SourceLoadPlan[],
  targetPartBytes: number,
  logger?: Logger,
): Promise<SourceLoadPlan[]> {
  const out: SourceLoadPlan[] = [];
  for (const plan of plans) {
    let boundaries = await readTableParts(client, plan.id);
    if (boundaries !== undefined) logger?.info(`${plan.id}: resuming in the ${boundaries.length + 1} parts the interrupted run chose`);
    else if ((await readTableState(client, plan.id)) === undefined) {
      const split = await plan.split(targetPartBytes);
      boundaries = split.boundaries;
      if (boundaries.length > 0) {
        await writeTableParts(client, plan.id, boundaries);
        logger?.info(
          `${plan.id}: ${Math.round((split.bytes ?? 0) / 1048576)} MiB of source data, loaded as ${boundaries.length + 1} parts`,
        );
      } else if (split.bytes !== undefined && split.bytes < 2 * targetPartBytes) {
        out.push({ ...plan, oneTransaction: true });
        continue;
      }
    }
    out.push(...plan.inParts(boundaries ?? []));
  }
  return out;
}

interface TableProgress {
  readonly count: number;
  readonly rows: Map<string, number>;
  readonly bytes: Map<string, number>;
  readonly finished: Set<string>;
  skipped: number;
  started: boolean;
  readonly results: TableLoadResult[];
}

/** Folds part results and progress events into per-table ones (plans that are not parts pass through). */
export class PartResults {
  private readonly tableOf = new Map<string, string>();
  private readonly tables = new Map<string, TableProgress>();

  constructor(plans: readonly SourceLoadPlan[]) {
    for (const p of plans) {
      const tableId = p.part?.tableId ?? p.id;
      this.tableOf.set(p.id, tableId);
      if (!this.tables.has(tableId)) {
        this.tables.set(tableId, {
          count: p.part?.count ?? 1,
          rows: new Map(),
          bytes: new Map(),
          finished: new Set(),
          skipped: 0,
          started: false,
          results: [],
        });
      }
    }
  }

  private of(planId: string): [string, TableProgress] {
    const tableId = this.tableOf.get(planId) ?? planId;
    const t = this.tables.get(tableId);
    if (!t) throw new Error(`no plan ${planId}`);
    return [tableId, t];
  }

  /** A part's progress as its table's: rows and bytes summed over the parts, done when all are. */
  progress(e: LoadProgressEvent): LoadProgressEvent | undefined {
    const [table, t] = this.of(e.table);
    if (t.count === 1) return e;
    t.rows.set(e.table, e.rows);
    t.bytes.set(e.table, e.bytes);
    if (e.phase === 'done' || e.phase === 'skipped') {
      t.finished.add(e.table);
      if (e.phase === 'skipped') t.skipped++;
    }
    const rows = sum(t.rows);
    const bytes = sum(t.bytes);
    if (t.finished.size === t.count) return { table, phase: t.skipped === t.count ? 'skipped' : 'done', rows, bytes };
    if (!t.started) {
      t.started = true;
      return { table, phase: 'start', rows, bytes };
    }
    return e.phase === 'start' ? undefined : { table, phase: 'chunk', rows, bytes };
  }

  /** Adds a part's result; returns its table's result once the table's last part is in. */
  add(r: TableLoadResult): TableLoadResult | undefined {
    const [tableId, t] = this.of(r.id);
    t.results.push(r);
    if (t.results.length < t.count) return undefined;
    if (t.count === 1) return r;
    const rs = t.results;
    const rejectFile = rs.find((x) => x.rejectFile)?.rejectFile;
    return {
      id: tableId,
      pgSchema: r.pgSchema,
      pgTable: r.pgTable,
      rows: rs.reduce((n, x) => n + x.rows, 0),
      source: { rows: rs.reduce((n, x) => n + x.source.rows, 0n), sum: rs.reduce((n, x) => n + x.source.sum, 0n) },
      rejected: rs.reduce((n, x) => n + x.rejected, 0),
      ...(rejectFile ? { rejectFile } : {}),
      bytes: rs.reduce((n, x) => n + x.bytes, 0),
      // Parts load side by side: the table took as long as its slowest part.
      seconds: Math.max(...rs.map((x) => x.seconds)),
      resumed: rs.some((x) => x.resumed),
    };
  }
}

const sum = (m: ReadonlyMap<string, number>): number => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};
