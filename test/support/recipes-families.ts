/**
 * The real recipes-v2.1.0 store as if its `recipes` table had been created with some columns in a
 * second column family (`FAMILY f1 (…)`), for `sync` tests of tables with several families: the
 * store's own history and later layers, once as the store writes them (one family) and once split
 * into families as CockroachDB writes them (src/backup/testing/column-families.ts), with the
 * descriptor to match. Every datum is one the store wrote (another row's or version's bytes).
 */
import { evolveTableDescriptor } from '../../src/backup/testing/evolve-descriptor.js';
import {
  splitRowFamilies,
  tupleColumns,
  tupleValue,
  type ColumnDatum,
  type FamilyLayout,
} from '../../src/backup/testing/column-families.js';
import type { ExtractedKV, StoreExtract } from '../../src/backup/testing/store-extract.js';
import type { Timestamp } from '../../src/mvcc/types.js';
import { compareTimestamps } from '../../src/mvcc/engine-key.js';
import { compareEngineKeys } from '../../src/sst/comparer.js';
import { descriptorType } from '../../src/proto/descriptor-proto.js';
import { at, engineKey, rowKeyOf } from './recipes-history.js';

export interface FamilyHistory {
  /** The store and its later layers, one family (as the store's table is declared). */
  readonly flat: StoreExtract;
  /** The same rows split into families; write it with `descriptorBytes` for every layer. */
  readonly split: StoreExtract;
  /** Descriptors for every layer: `flat` (description nullable) and `split` (also the new family). */
  readonly descriptorBytes: { readonly flat: ReadonlyMap<number, Uint8Array>; readonly split: ReadonlyMap<number, Uint8Array> };
  readonly ends: Timestamp[];
  /** The families of the split descriptor. */
  readonly families: readonly FamilyLayout[];
}

function familiesOf(descriptor: Uint8Array): FamilyLayout[] {
  const t = descriptorType();
  const o = t.toObject(t.decode(descriptor), { longs: Number, arrays: true }) as {
    table: { families: Array<{ id?: number; column_ids: number[]; default_column_id?: number }> };
  };
  return o.table.families.map((f) => ({ id: f.id ?? 0, columnIds: f.column_ids, defaultColumnId: f.default_column_id ?? 0 }));
}

/**
 * After the store's history (full backup ends 1 s after it), layer 1: recipe 20's description set
 * to 22's (only family 1 changes), 22's name set to 21's (only family 0), 21 deleted, 31 new;
 * layer 2: 31 deleted, 30 new (21's old values), 20's name and description both changed; layer 3:
 * 30's description set to NULL (only family 1: with description alone there, a tombstone), 20
 * deleted, and 32 inserted and deleted again. The description column is nullable (DROP NOT NULL)
 * in both descriptors.
 */
export function withFamilyHistory(ex: StoreExtract, moved: readonly string[]): FamilyHistory {
  const last = ex.timestamps[ex.timestamps.length - 1]!;
  const ends = [at(last, 1n), at(last, 3n), at(last, 5n), at(last, 7n)];
  const t = ex.tables.find((x) => x.head.name === 'recipes')!;
  const desc = ex.descriptors.find((d) => d.id === t.id)!;
  const evolved = evolveTableDescriptor(desc.bytes, { newFamily: { name: 'f1', columns: moved }, dropNotNull: 'description' });
  const families = familiesOf(evolved);
  const movedIds = families[1]!.columnIds;
  const descriptionId = 3;
  const k0 = t.kvs[0]!.roachKey;
  const newest = (id: number): ColumnDatum[] =>
    tupleColumns(t.kvs.find((kv) => kv.roachKey[kv.roachKey.length - 2] === 0x88 + id && kv.value.length > 0)!.value);
  /** `base` with the columns of family 1 (`family1`) or of family 0 taken from `from`. */
  const mix = (base: ColumnDatum[], from: ColumnDatum[], family1: boolean): ColumnDatum[] => [
    ...base.filter((c) => movedIds.includes(c.columnId) !== family1),
    ...from.filter((c) => movedIds.includes(c.columnId) === family1),
  ];
  const put = (id: number, columns: ColumnDatum[] | undefined, ts: Timestamp): ExtractedKV => {
    const roachKey = rowKeyOf(k0, id);
    return { key: engineKey(roachKey, ts), roachKey, timestamp: ts, value: columns ? tupleValue(roachKey, columns) : new Uint8Array(0) };
  };
  const [r20, r21, r22] = [newest(20), newest(21), newest(22)];
  const [l1, l2, l3] = [at(last, 2n), at(last, 4n), at(last, 6n)];
  const added = [
    put(20, mix(r20, r22, true), l1),
    put(22, mix(r22, r21, false), l1),
    put(21, undefined, l1),
    put(31, r20, l1),
    put(31, undefined, l2),
    put(30, r21, l2),
    put(20, r21, l2),
    put(
      30,
      r21.filter((c) => c.columnId !== descriptionId),
      l3,
    ),
    put(20, undefined, l3),
    put(32, r22, l3),
    put(32, undefined, { wallTime: l3.wallTime + 500_000_000n, logical: 0 }),
  ];
  const kvs = [...t.kvs, ...added].sort((a, b) => compareEngineKeys(a.key, b.key));
  const timestamps = [...ex.timestamps, ...added.map((a) => a.timestamp)].sort(compareTimestamps);
  const flat = { ...ex, tables: ex.tables.map((x) => (x === t ? { ...x, kvs } : x)), timestamps };
  const splitKvs = splitRowFamilies(kvs, families).sort((a, b) => compareEngineKeys(a.key, b.key));
  const split = { ...flat, tables: ex.tables.map((x) => (x === t ? { ...x, kvs: splitKvs } : x)) };
  const nullable = evolveTableDescriptor(desc.bytes, { dropNotNull: 'description' });
  return { flat, split, descriptorBytes: { flat: new Map([[t.id, nullable]]), split: new Map([[t.id, evolved]]) }, ends, families };
}
