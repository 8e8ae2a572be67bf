/** Converted tables + a source → what the loader needs per table. */
import type { Table } from '../model/catalog.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { prettyKey } from '../encoding/pretty-key.js';
import type { Datum } from '../encoding/datum.js';
import type { LoadRow, TableLoadPlan } from '../load/types.js';
import { storedColumns, type Row } from '../rows/decode-rows.js';
import { SchemaError } from '../util/errors.js';
import type { MigrationSource, RowRange, TableRowSource } from '../source/migration-source.js';
import { partRanges, type TableSplit } from '../source/split-table.js';

export const sourceTableId = (t: Pick<Table, 'database' | 'schema' | 'name'>): string => `${t.database}.${t.schema}.${t.name}`;

/** A table load plan that knows its CockroachDB table: the part a worker thread can receive. */
export interface TablePlanSpec extends Omit<TableLoadPlan, 'rows' | 'describeKey'> {
  readonly table: Table;
  /** For each COPY column, the index of its value among the decoder's `storedColumns(table)`. */
  readonly pick: readonly number[];
  /**
   * Set on one key-range part of a table loaded in parts (`partPlans`): its rows only; `id` is
   * then the part's own resume-state id and `tableId` the table's.
   */
  readonly part?: { readonly tableId: string; readonly index: number; readonly count: number; readonly range: RowRange };
}

export interface SourceLoadPlan extends TablePlanSpec, TableLoadPlan {
  /** Row-aligned boundaries for loading the table in parts (none when the source cannot tell sizes). */
  split(targetPartBytes: number): Promise<TableSplit>;
  /**
   * One plan per key-range part (`boundaries`: sorted row keys, from `split`), each reading only
   * its rows and keeping its own resume state; `[this plan]` when there are none.
   */
  inParts(boundaries: readonly Uint8Array[]): SourceLoadPlan[];
}

/**
 * One plan per table with data. The decoder yields values for `storedColumns(table)`; the COPY
 * list leaves out columns PostgreSQL computes itself (generated columns), so values are picked by
 * column id.
 */
export function loadPlans(db: ConvertedDatabase, source: MigrationSource): SourceLoadPlan[] {
  return tablePlanSpecs(db).map((spec) => planFromSpec(spec, source));
}

export function tablePlanSpecs(db: ConvertedDatabase): TablePlanSpec[] {
  const specs: TablePlanSpec[] = [];
  for (const ct of db.tables) {
    const table = ct.table;
    if (table.materializedViewQuery !== undefined || table.dataExcluded) continue;
    const stored = storedColumns(table);
    const pick = ct.columns.map((c) => {
      const i = stored.findIndex((s) => s.id === c.column.id);
      if (i < 0) {
        throw new SchemaError(`${sourceTableId(table)}.${c.column.name}: column is to be loaded but has no stored value in CockroachDB`);
      }
      return i;
    });
    const keyNames = table.primaryIndex.keyColumns
      .map((k) => ct.columns.find((c) => c.column.id === k.columnId)?.pgName)
      .filter((n): n is string => n !== undefined);
    specs.push({
      id: sourceTableId(table),
      pgSchema: ct.pgSchema,
      pgTable: ct.pgName,
      columns: ct.columns.map((c) => ({ pgName: c.pgName, type: c.column.type, pgType: c.pgType })),
      ...(keyNames.length === table.primaryIndex.keyColumns.length ? { keyColumns: keyNames } : {}),
      table,
      pick,
    });
  }
  return specs;
}

/** Only the data of a plan (what can be posted to a worker thread). */
export function planSpec(plan: TablePlanSpec): TablePlanSpec {
  const { id, pgSchema, pgTable, columns, keyColumns, table, pick, part, oneTransaction } = plan;
  return {
    id,
    pgSchema,
    pgTable,
    columns,
    ...(keyColumns ? { keyColumns } : {}),
    table,
    pick,
    ...(part ? { part } : {}),
    ...(oneTransaction ? { oneTransaction } : {}),
  };
}

/** The resume-state id of part `index` (0-based) of `count`. */
export const partId = (tableId: string, index: number, count: number): string => `${tableId} part ${index + 1}/${count}`;

function partSpecs(spec: TablePlanSpec, boundaries: readonly Uint8Array[]): TablePlanSpec[] {
  if (spec.part) throw new Error(`${spec.id} is already a part`);
  const ranges = partRanges(boundaries);
  return ranges.map((range, index) => ({
    ...planSpec(spec),
    id: partId(spec.id, index, ranges.length),
    part: { tableId: spec.id, index, count: ranges.length, range },
  }));
}

/** A plan whose rows come from `source`, with values reordered into the COPY column order. */
export function planFromSpec(spec: TablePlanSpec, source: TableRowSource): SourceLoadPlan {
  const { table, pick } = spec;
  const range = spec.part?.range;
  // Most tables load every stored column in order: then a decoded row already is a load row.
  const identity = pick.length === storedColumns(table).length && pick.every((p, i) => p === i);
  const toLoadRow = identity
    ? (row: Row): LoadRow => row
    : (row: Row): LoadRow => {
        const values = new Array<Datum>(pick.length);
        for (let i = 0; i < pick.length; i++) values[i] = row.values[pick[i]!] ?? null;
        return { key: row.key, values };
      };
  const plan: SourceLoadPlan = {
    ...spec,
    describeKey: prettyKey,
    rows: async function* (resumeAfter?: Uint8Array): AsyncGenerator<LoadRow> {
      for await (const row of source.rows(table, resumeAfter, range)) yield toLoadRow(row);
    },
    rowBatches: async function* (resumeAfter?: Uint8Array): AsyncGenerator<readonly LoadRow[]> {
      for await (const batch of source.rowBatches(table, resumeAfter, range)) yield identity ? batch : batch.map(toLoadRow);
    },
    split: async (targetPartBytes) =>
      source.splitTable
        ? source.splitTable(table, { targetPartBytes })
        : { boundaries: [], reason: 'the source cannot estimate data sizes' },
    inParts: (boundaries) => (boundaries.length === 0 ? [plan] : partSpecs(spec, boundaries).map((s) => planFromSpec(s, source))),
  };
  return plan;
}
