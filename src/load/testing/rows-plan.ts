/** A load plan over rows held in memory (tests), keyed by an `id` column, resumable like a real source. */
import { toHex } from '../../util/bytes.js';
import type { LoadRow, TableLoadPlan } from '../types.js';

export function rowsPlan(table: string, rows: readonly LoadRow[], columns: TableLoadPlan['columns']): TableLoadPlan {
  return {
    id: `src.public.${table}`,
    pgSchema: 'public',
    pgTable: table,
    keyColumns: ['id'],
    columns,
    describeKey: (k) => `/${table}/${toHex(k)}`,
    rows: async function* (after?: Uint8Array): AsyncIterable<LoadRow> {
      for (const r of rows) if (!after || Buffer.compare(r.key, after) > 0) yield r;
    },
  };
}
