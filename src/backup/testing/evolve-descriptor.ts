/**
 * A real table descriptor as it reads after a schema change, for backup layers written after
 * `ALTER TABLE … ADD COLUMN` / `CREATE [UNIQUE] INDEX` / `DROP COLUMN`: the column copies an existing column's type
 * (so its wire form is the one that CockroachDB version wrote), gets the next column ID and joins
 * family 0, as `ALTER TABLE ADD COLUMN` does for a table without explicit families; the index
 * gets the next index ID and the primary key as its suffix; columns moved to a new family read as
 * `CREATE TABLE … FAMILY f (…)` declares them (the rows must be split to match). The descriptor is decoded and encoded
 * again with the project's own `.proto` subset, so fields outside that subset are dropped: only a
 * reader of that subset (this project) may read the result. @internal
 */
import { descriptorType } from '../../proto/descriptor-proto.js';

type Obj = Record<string, unknown>;
type ObjList = Obj[];

export interface DescriptorEvolution {
  /** A new nullable column `name`, typed like the existing column `like`. */
  readonly addColumn?: { readonly name: string; readonly like: string };
  /** A new secondary (ascending; non-unique unless `unique`) index `name` on the existing column `on`. */
  readonly addIndex?: { readonly name: string; readonly on: string; readonly unique?: boolean };
  /**
   * Column `name` gone, as after `ALTER TABLE … DROP COLUMN` (rows written before still hold its
   * value bytes under its column ID; readers skip IDs the descriptor does not list).
   */
  readonly dropColumn?: string;
  /** A NOT NULL column made nullable (ALTER COLUMN … DROP NOT NULL). */
  readonly dropNotNull?: string;
  /**
   * Existing columns moved out of their family into a new family `name` with the next family ID, as
   * `CREATE TABLE … FAMILY name (columns…)` declares it: `default_column_id` is the column when it
   * is the family's only one (its value is then stored bare), else 0 (a tuple). The rows' KVs must
   * be written to match (column-families.ts).
   */
  readonly newFamily?: { readonly name: string; readonly columns: readonly string[] };
}

function addFamily(table: Obj, f: NonNullable<DescriptorEvolution['newFamily']>, columnId: (name: string) => number): void {
  const families = table['families'] as ObjList;
  const ids = f.columns.map(columnId);
  for (const x of families) {
    const names = (x['column_names'] as string[] | undefined) ?? [];
    x['column_names'] = names.filter((n) => !f.columns.includes(n));
    x['column_ids'] = ((x['column_ids'] as number[] | undefined) ?? []).filter((n) => !ids.includes(Number(n)));
    if (ids.includes(Number(x['default_column_id'] ?? 0))) x['default_column_id'] = 0;
  }
  const id = Math.max(...families.map((x) => Number(x['id'] ?? 0))) + 1;
  families.push({ name: f.name, id, column_names: [...f.columns], column_ids: ids, default_column_id: ids.length === 1 ? ids[0] : 0 });
}

/** `bytes` (a marshaled `Descriptor` holding a table) with the changes applied and its version bumped. */
export function evolveTableDescriptor(bytes: Uint8Array, change: DescriptorEvolution): Uint8Array {
  const t = descriptorType();
  const o = t.toObject(t.decode(bytes), { longs: String, enums: Number, arrays: true, objects: true }) as Obj;
  const table = o['table'] as Obj | undefined;
  if (!table) throw new Error('evolveTableDescriptor: not a table descriptor');
  const columns = table['columns'] as ObjList;
  const columnId = (name: string): number => {
    const c = columns.find((x) => x['name'] === name);
    if (!c) throw new Error(`evolveTableDescriptor: no column ${name}`);
    return Number(c['id']);
  };
  if (change.addColumn) {
    const like = columns.find((x) => x['name'] === change.addColumn!.like);
    if (!like) throw new Error(`evolveTableDescriptor: no column ${change.addColumn.like}`);
    const id = Number(table['next_column_id'] ?? columns.length + 1);
    columns.push({ name: change.addColumn.name, id, type: like['type'], nullable: true });
    table['next_column_id'] = id + 1;
    const family = (table['families'] as ObjList)[0]!;
    family['column_names'] = [...((family['column_names'] as string[] | undefined) ?? []), change.addColumn.name];
    family['column_ids'] = [...((family['column_ids'] as number[] | undefined) ?? []), id];
  }
  if (change.addIndex) {
    const indexes = table['indexes'] as ObjList;
    const primary = table['primary_index'] as Obj;
    const ids = [Number(primary['id']), ...indexes.map((i) => Number(i['id']))];
    indexes.push({
      name: change.addIndex.name,
      id: Math.max(...ids) + 1,
      unique: change.addIndex.unique ?? false,
      key_column_names: [change.addIndex.on],
      key_column_ids: [columnId(change.addIndex.on)],
      key_column_directions: [0],
      key_suffix_column_ids: primary['key_column_ids'],
      version: primary['version'],
    });
  }
  if (change.dropColumn) {
    const id = columnId(change.dropColumn);
    table['columns'] = columns.filter((c) => c['name'] !== change.dropColumn);
    for (const f of table['families'] as ObjList) {
      f['column_names'] = ((f['column_names'] as string[] | undefined) ?? []).filter((n) => n !== change.dropColumn);
      f['column_ids'] = ((f['column_ids'] as number[] | undefined) ?? []).filter((n) => n !== id);
    }
  }
  if (change.newFamily) addFamily(table, change.newFamily, columnId);
  if (change.dropNotNull) {
    const c = columns.find((x) => x['name'] === change.dropNotNull);
    if (!c) throw new Error(`evolveTableDescriptor: no column ${change.dropNotNull}`);
    c['nullable'] = true;
  }
  table['version'] = Number(table['version'] ?? 1) + 1;
  return t.encode(t.fromObject(o)).finish();
}
