/** Test helper: a minimal primary-index-only table model (one family holding every column). */
import type { Column, Table } from '../../model/catalog.js';
import type { SqlType } from '../../model/sql-type.js';

/** Table `id` with columns `types[i]` named c<id>, ids 1…n; the first `keyColumns` form the primary key. */
export function testTable(id: number, types: readonly SqlType[], keyColumns = 1): Table {
  const columns: Column[] = types.map((type, i) => ({
    id: i + 1,
    name: `c${i + 1}`,
    type,
    nullable: i >= keyColumns,
    hidden: false,
    inaccessible: false,
    usesSequenceIds: [],
    ownsSequenceIds: [],
  }));
  return {
    kind: 'table',
    id,
    database: 'db',
    schema: 'public',
    name: `t${id}`,
    columns,
    indexes: [],
    primaryIndex: {
      id: 1,
      name: 'primary',
      unique: true,
      keyColumns: columns.slice(0, keyColumns).map((c) => ({ columnId: c.id, name: c.name, direction: 'asc' as const })),
      storeColumnIds: [],
      keySuffixColumnIds: [],
      compositeColumnIds: [],
      kind: 'forward',
      invisible: false,
    },
    families: [{ id: 0, name: 'primary', columnIds: columns.map((c) => c.id), defaultColumnId: 0 }],
    checks: [],
    foreignKeys: [],
    uniqueWithoutIndex: [],
    storageParams: [],
    dataExcluded: false,
  };
}
