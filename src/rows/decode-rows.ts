/**
 * MVCC KV stream of a primary index → typed rows (crdb-formats.md §5.3, §7.1 step 8;
 * `crdb: pkg/sql/row/fetcher.go`, `pkg/sql/rowenc/valueside`).
 *
 * KVs of one row (one per column family) are contiguous in key order; they are grouped by row
 * prefix. A row exists iff its family-0 KV is live. Primary-key columns come from the key; other
 * columns from the family values: TUPLE payloads (self-describing, unknown column ids skipped) or
 * a bare legacy value for single-column families (`default_column_id`). Composite key columns
 * (DECIMAL, FLOAT, collated strings) are overridden by the exact copy in the value.
 * Memory: one row's KVs at a time. BYTES/UUID/INET/GEO datums are views into the KV value bytes.
 */
import type { Column, Table } from '../catalog/model.js';
import { qualifiedName } from '../catalog/model.js';
import type { SqlType } from '../catalog/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { decodeKeyDatum } from '../encoding/key-decode.js';
import { decodeUvarintAscendingNum } from '../encoding/ordered.js';
import { prettyKey } from '../encoding/pretty-key.js';
import { decodeLegacyValue, decodeRoachValue, RoachValueType } from '../encoding/roach-value.js';
import { decodeTupleMember } from '../encoding/value-decode.js';
import { decodeValueTag, skipValue } from '../encoding/value-tag.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { ByteReader } from '../util/byte-reader.js';
import { DecodeError, isDecodeError } from '../util/errors.js';
import { splitFamilySuffix } from './row-key.js';

/** `encoding.interleavedSentinel`: separates an ancestor's key columns from a child's table id. */
const INTERLEAVED_SENTINEL = 0xfe;

export interface Row {
  /** Roach key of the row without the family suffix. */
  readonly key: Uint8Array;
  /** Aligned with `storedColumns(table)`. */
  readonly values: Datum[];
}

export interface DecodeRowsOptions {
  /** Tenant prefix of the keys (empty for the system tenant). */
  readonly tenantPrefix?: Uint8Array;
  /**
   * 'family0' (default): a row exists iff its family-0 sentinel KV is live (§5.3; what SQL writes).
   * 'any': any live family KV makes a row, as CockroachDB's fetcher does; needed for system tables
   * whose rows are written as bare KVs without a sentinel (system.namespace, system.descriptor).
   */
  readonly rowExistence?: 'family0' | 'any';
}

/**
 * Columns that have a value per row, in table order: public columns (visible or hidden) that are
 * neither virtual computed nor inaccessible (expression-index internals).
 */
export function storedColumns(table: Table): readonly Column[] {
  return table.columns.filter((c) => !c.inaccessible && !(c.computed !== undefined && !c.computed.stored));
}

interface Plan {
  readonly cols: readonly Column[];
  /** column id → index in `cols`. */
  readonly pos: ReadonlyMap<number, number>;
  readonly keyCols: readonly { readonly type: SqlType; readonly dir: 'asc' | 'desc'; readonly pos: number; readonly name: string }[];
  /** family id → the column id of a bare (non-tuple) value. */
  readonly bareColumn: ReadonlyMap<number, number>;
  readonly tableId: number;
  readonly indexId: number;
  readonly interleave: readonly { readonly tableId: number; readonly indexId: number; readonly sharedPrefixLen: number }[];
  readonly label: string;
}

function makePlan(table: Table): Plan {
  const cols = storedColumns(table);
  const pos = new Map(cols.map((c, i) => [c.id, i]));
  const byId = new Map(table.columns.map((c) => [c.id, c]));
  const keyCols = table.primaryIndex.keyColumns.map((k) => {
    const c = byId.get(k.columnId);
    if (!c) throw new DecodeError('descriptor', `${qualifiedName(table)}: primary key column id ${k.columnId} not found`);
    return { type: c.type, dir: k.direction, pos: pos.get(c.id) ?? -1, name: c.name };
  });
  const bareColumn = new Map<number, number>();
  for (const f of table.families) {
    if (f.defaultColumnId !== 0) bareColumn.set(f.id, f.defaultColumnId);
    else if (f.columnIds.length === 1) bareColumn.set(f.id, f.columnIds[0]!);
  }
  return {
    cols,
    pos,
    keyCols,
    bareColumn,
    tableId: table.id,
    indexId: table.primaryIndex.id,
    interleave: table.primaryIndex.interleave ?? [],
    label: `${table.database}.${table.schema}.${table.name}`,
  };
}

/** Decodes the rows of `table` from KVs of its primary index span (ascending key order). */
export async function* decodeRows(table: Table, kvs: AsyncIterable<MVCCKeyValue>, opts: DecodeRowsOptions = {}): AsyncIterable<Row> {
  const plan = makePlan(table);
  const any = opts.rowExistence === 'any';
  const tenantLen = opts.tenantPrefix?.length ?? 0;
  let group: MVCCKeyValue[] = [];
  let families: number[] = [];
  let groupPrefix: Uint8Array | undefined;
  for await (const kv of kvs) {
    let split: { prefixLength: number; familyId: number };
    try {
      split = splitFamilySuffix(kv.key);
    } catch (e) {
      throw wrap(e, plan, kv.key, undefined);
    }
    const prefix = kv.key.subarray(0, split.prefixLength);
    if (groupPrefix !== undefined && equalBytes(prefix, groupPrefix)) {
      group.push(kv);
      families.push(split.familyId);
      continue;
    }
    if (groupPrefix !== undefined) {
      const row = assemble(plan, groupPrefix, group, families, tenantLen, any);
      if (row) yield row;
    }
    group = [kv];
    families = [split.familyId];
    groupPrefix = prefix;
  }
  if (groupPrefix !== undefined) {
    const row = assemble(plan, groupPrefix, group, families, tenantLen, any);
    if (row) yield row;
  }
}

/**
 * Counts the table's live rows without decoding values: family-0 KVs whose key belongs to this
 * table (key columns are decoded, so rows of interleaved children in the same span are not counted).
 */
export async function countRows(table: Table, kvs: AsyncIterable<MVCCKeyValue>, opts: DecodeRowsOptions = {}): Promise<number> {
  const plan = makePlan(table);
  const tenantLen = opts.tenantPrefix?.length ?? 0;
  const scratch: Datum[] = new Array<Datum>(plan.cols.length).fill(null);
  let n = 0;
  for await (const kv of kvs) {
    let split: { prefixLength: number; familyId: number };
    try {
      split = splitFamilySuffix(kv.key);
    } catch (e) {
      throw wrap(e, plan, kv.key, undefined);
    }
    if (split.familyId !== 0) continue;
    if (decodeKeyInto(plan, kv.key.subarray(0, split.prefixLength), tenantLen, scratch)) n++;
  }
  return n;
}

/**
 * Decodes the key columns of a row prefix into `values`; false when the key is not a row of this
 * table (another table or index in the span, an interleaved ancestor's or child's row).
 */
function decodeKeyInto(plan: Plan, prefix: Uint8Array, tenantLen: number, values: Datum[]): boolean {
  const r = new ByteReader(prefix, 'key', 0, tenantLen);
  let col: string | undefined;
  try {
    let k = 0;
    // Interleaved: ancestors' table/index ids, the shared key columns, then the 0xFE sentinel.
    for (const a of plan.interleave) {
      if (decodeUvarintAscendingNum(r) !== a.tableId || decodeUvarintAscendingNum(r) !== a.indexId) return false;
      for (let i = 0; i < a.sharedPrefixLen && k < plan.keyCols.length; i++, k++) {
        const kc = plan.keyCols[k]!;
        col = kc.name;
        const d = decodeKeyDatum(r, kc.type, kc.dir);
        if (kc.pos >= 0) values[kc.pos] = d;
      }
      col = undefined;
      if (r.done || r.peek() !== INTERLEAVED_SENTINEL) return false; // an ancestor's own row
      r.pos++;
    }
    const tableId = decodeUvarintAscendingNum(r);
    const indexId = decodeUvarintAscendingNum(r);
    if (tableId !== plan.tableId || indexId !== plan.indexId) return false;
    for (; k < plan.keyCols.length; k++) {
      const kc = plan.keyCols[k]!;
      col = kc.name;
      const d = decodeKeyDatum(r, kc.type, kc.dir);
      if (kc.pos >= 0) values[kc.pos] = d;
    }
    // Bytes left: a key of an interleaved child inside this table's span.
    return r.done;
  } catch (e) {
    throw wrap(e, plan, prefix, col);
  }
}

function assemble(plan: Plan, prefix: Uint8Array, kvs: readonly MVCCKeyValue[], families: readonly number[], tenantLen: number, any: boolean): Row | undefined {
  // A row exists iff its family-0 KV is live (the sentinel, §5.3), unless any family counts.
  if (!any && !families.includes(0)) return undefined;
  const values: Datum[] = new Array<Datum>(plan.cols.length).fill(null);

  if (!decodeKeyInto(plan, prefix, tenantLen, values)) return undefined;
  let col: string | undefined;

  // Family values.
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    const v = kv.value;
    if (v.length < 5) continue;
    const familyId = families[i]!;
    const rv = decodeRoachValue(v);
    try {
      if (rv.tag === RoachValueType.TUPLE) {
        decodeTuple(plan, rv.payload, values, (c) => (col = c));
      } else {
        const colId = plan.bareColumn.get(familyId);
        if (colId === undefined) continue;
        const p = plan.pos.get(colId);
        if (p === undefined) continue;
        const c = plan.cols[p]!;
        col = c.name;
        values[p] = decodeLegacyValue(v, c.type);
      }
      col = undefined;
    } catch (e) {
      throw wrap(e, plan, kv.key, col);
    }
  }
  return { key: prefix, values };
}

function decodeTuple(plan: Plan, payload: Uint8Array, values: Datum[], at: (col: string) => void): void {
  const r = new ByteReader(payload, 'value', 5);
  let colId = 0;
  while (r.pos < payload.length) {
    const tag = decodeValueTag(r);
    colId += tag.colIdDelta;
    const p = plan.pos.get(colId);
    if (p === undefined) {
      skipValue(r, tag.type);
      continue;
    }
    const c = plan.cols[p]!;
    at(c.name);
    values[p] = decodeTupleMember(r, c.type, tag.type);
  }
}

function wrap(e: unknown, plan: Plan, key: Uint8Array, column: string | undefined): Error {
  const where = `${plan.label}${column !== undefined ? ` column ${column}` : ''} at key ${prettyKey(key)}`;
  if (isDecodeError(e)) {
    return new DecodeError(e.layer, `${e.detail} (${where})`, e.file, e.offset, e.hint ?? 'the row is corrupt or the schema does not match the data', { cause: e });
  }
  return new DecodeError('value', `${e instanceof Error ? e.message : String(e)} (${where})`, undefined, undefined, undefined, { cause: e });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
