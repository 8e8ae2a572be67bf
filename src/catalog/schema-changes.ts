/**
 * `TableDescriptor.mutations` → the schema changes in flight (crdb: pkg/sql/catalog/descpb/
 * structured.proto, `DescriptorMutation`). A backup or store can be written while columns,
 * indexes or constraints are being added or dropped, or a primary key swapped; those elements are
 * not public, and the row bytes may already (or still) hold values for columns in flight. The
 * catalog leaves them out of the table and lists them here so `ddl/` can say what it did with each.
 */
import type { MutationProto, TableProto } from '../proto/descriptor.js';
import type { SchemaChangeInFlight } from '../model/catalog.js';

/** `DescriptorMutation.State`; WRITE_ONLY is the newer name of DELETE_AND_WRITE_ONLY. */
const STATES = ['UNKNOWN', 'DELETE_ONLY', 'DELETE_AND_WRITE_ONLY', 'BACKFILLING', 'MERGING'];
const DIRECTIONS = ['none', 'add', 'drop'] as const;
/** `ConstraintToUpdate.ConstraintType`. */
const CONSTRAINT_KINDS = ['check', 'foreign-key', 'not-null', 'unique-without-index'] as const;

export function schemaChangesOf(t: TableProto): SchemaChangeInFlight[] {
  const allColumns = [...t.columns, ...t.mutations.flatMap((m) => (m.column ? [m.column] : []))];
  const columnName = (id: number): string => allColumns.find((c) => c.id === id)?.name ?? `column ${id}`;
  const allIndexes = [
    ...(t.primary_index ? [t.primary_index] : []),
    ...t.indexes,
    ...t.mutations.flatMap((m) => (m.index ? [m.index] : [])),
  ];
  const keyNames = (id: number): string[] => {
    const i = allIndexes.find((x) => x.id === id);
    return i ? i.key_column_ids.map(columnName) : [];
  };
  const newPrimaryIds = new Set(t.mutations.flatMap((m) => (m.primary_key_swap ? [m.primary_key_swap.new_primary_index_id] : [])));
  return t.mutations.map((m) => change(m));

  function change(m: MutationProto): SchemaChangeInFlight {
    const base = { direction: DIRECTIONS[m.direction] ?? 'none', state: STATES[m.state] ?? String(m.state), rollback: m.rollback };
    if (m.column) return { ...base, kind: 'column', name: m.column.name };
    if (m.index) {
      const i = m.index;
      // encoding_type 1 = primary encoding: a primary index being built by, or left over from, ALTER PRIMARY KEY.
      const role = i.use_delete_preserving_encoding
        ? 'temporary-index'
        : newPrimaryIds.has(i.id)
          ? 'new-primary-index'
          : i.encoding_type === 1 && m.direction === 2
            ? 'old-primary-index'
            : undefined;
      return { ...base, kind: 'index', name: i.name, columns: i.key_column_ids.map(columnName), ...(role ? { role } : {}) };
    }
    if (m.constraint) {
      const k = m.constraint;
      const kind = CONSTRAINT_KINDS[k.constraint_type] ?? 'unknown';
      return { ...base, kind, name: kind === 'not-null' ? columnName(k.not_null_column) : k.name };
    }
    if (m.primary_key_swap) {
      const s = m.primary_key_swap;
      const name = allIndexes.find((x) => x.id === s.new_primary_index_id)?.name ?? s.new_primary_index_name;
      return {
        ...base,
        kind: 'primary-key-swap',
        name,
        columns: keyNames(s.new_primary_index_id),
        previousColumns: keyNames(s.old_primary_index_id),
      };
    }
    if (m.computed_column_swap) return { ...base, kind: 'computed-column-swap', name: columnName(m.computed_column_swap.old_column_id) };
    if (m.materialized_view_refresh) return { ...base, kind: 'materialized-view-refresh', name: t.name };
    if (m.modify_row_level_ttl) return { ...base, kind: 'row-level-ttl', name: t.name };
    return { ...base, kind: 'unknown', name: t.name };
  }
}
