/** Converted tables + a source → what the loader needs per table. */
import type { Table } from '../catalog/model.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { prettyKey } from '../encoding/pretty-key.js';
import type { TableLoadPlan } from '../load/types.js';
import { storedColumns } from '../rows/decode-rows.js';
import { SchemaError } from '../util/errors.js';
import type { MigrationSource } from './source.js';

export const sourceTableId = (t: Pick<Table, 'database' | 'schema' | 'name'>): string => `${t.database}.${t.schema}.${t.name}`;

/**
 * One plan per table with data. The decoder yields values for `storedColumns(table)`; the COPY
 * list leaves out columns PostgreSQL computes itself (generated columns), so values are picked by
 * column id.
 */
export function loadPlans(db: ConvertedDatabase, source: MigrationSource): TableLoadPlan[] {
  const plans: TableLoadPlan[] = [];
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
    plans.push({
      id: sourceTableId(table),
      pgSchema: ct.pgSchema,
      pgTable: ct.pgName,
      columns: ct.columns.map((c) => ({ pgName: c.pgName, type: c.column.type })),
      ...(keyNames.length === table.primaryIndex.keyColumns.length ? { keyColumns: keyNames } : {}),
      describeKey: prettyKey,
      rows: async function* (resumeAfter?: Uint8Array) {
        for await (const row of source.rows(table, resumeAfter)) {
          yield { key: row.key, values: pick.map((i) => row.values[i] ?? null) };
        }
      },
    });
  }
  return plans;
}
