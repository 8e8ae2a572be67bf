/**
 * MVCC KV stream of a primary index → typed rows (docs/formats.md §5.3, §7.1 step 8;
 * `crdb: pkg/sql/row/fetcher.go`, `pkg/sql/rowenc/valueside`).
 *
 * KVs of one row (one per column family) are contiguous in key order; they are grouped by row
 * prefix. A row exists iff its family-0 KV is live. Primary-key columns come from the key; other
 * columns from the family values: TUPLE payloads (self-describing, unknown column ids skipped) or
 * a bare legacy value for single-column families (`default_column_id`). Composite key columns
 * (DECIMAL, FLOAT, collated strings) are overridden by the exact copy in the value.
 * Memory: one row's KVs at a time. BYTES/UUID/INET/GEO datums and STRING `raw` bytes are views into the KV bytes.
 */
import type { Column, Table } from '../model/catalog.js';
import { qualifiedName } from '../model/catalog.js';
import type { SqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { decodeKeyDatum } from '../encoding/key-decode.js';
import { decodeUvarintAscendingNum, encodeUvarintAscending } from '../encoding/ordered.js';
import { concatBytes } from '../util/bytes.js';
import { prettyKey } from '../encoding/pretty-key.js';
import { decodeLegacyValue, RoachValueType } from '../encoding/roach-value.js';
import { decodeTupleMember, expectedTagMask } from '../encoding/value-decode.js';
import { decodeValueTag, skipValue } from '../encoding/value-tag.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { ByteReader } from '../util/byte-reader.js';
import { DecodeError, isDecodeError } from '../util/errors.js';
import { splitFamilySuffix } from '../encoding/row-key.js';

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
  /** column id → index in `cols`, -1 when not stored (array form of `pos` for the hot loop). */
  readonly posById: Int32Array;
  /** family id → index in `cols` of its bare (non-tuple) value column, -1 when none. */
  readonly bareById: Int32Array;
  /** Per stored column, `expectedTagMask` of its type (checked per value without a lookup). */
  readonly tagMasks: Int32Array;
  /** `cols.length` NULLs, the template of each row's values. */
  readonly nullRow: readonly Datum[];
  readonly keyCols: readonly { readonly type: SqlType; readonly dir: 'asc' | 'desc'; readonly pos: number; readonly name: string }[];
  /** family id → the column id of a bare (non-tuple) value. */
  readonly bareColumn: ReadonlyMap<number, number>;
  readonly tableId: number;
  readonly indexId: number;
  /** uvarint(tableId) ‖ uvarint(indexId) as they appear in the key (non-interleaved fast path). */
  readonly idPrefix: Uint8Array;
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
  const maxCol = Math.max(0, ...table.columns.map((c) => c.id), ...bareColumn.values());
  const posById = new Int32Array(maxCol + 1).fill(-1);
  for (const [id, i] of pos) posById[id] = i;
  const maxFam = Math.max(0, ...table.families.map((f) => f.id));
  const bareById = new Int32Array(maxFam + 1).fill(-1);
  for (const [fam, colId] of bareColumn) bareById[fam] = pos.get(colId) ?? -1;
  return {
    cols,
    pos,
    posById,
    bareById,
    tagMasks: Int32Array.from(cols, (c) => expectedTagMask(c.type)),
    nullRow: cols.map((): Datum => null),
    keyCols,
    bareColumn,
    tableId: table.id,
    indexId: table.primaryIndex.id,
    idPrefix: concatBytes([encodeUvarintAscending(table.id), encodeUvarintAscending(table.primaryIndex.id)]),
    interleave: table.primaryIndex.interleave ?? [],
    label: `${table.database}.${table.schema}.${table.name}`,
  };
}

/**
 * The key columns of the previous row, for the next row to reuse: keys ascend, so consecutive
 * rows often repeat their leading key columns byte for byte (a tenant, region or city first in
 * the primary key), and a column whose bytes are the same at the same offset decodes to the same
 * immutable datum. Only for non-interleaved tables.
 */
interface KeyMemo {
  /** The previous row prefix; undefined while none was decoded whole. */
  prev: Uint8Array | undefined;
  /** Offset in `prev` where the key columns start. */
  start: number;
  /** Per key column: its end offset in `prev`, and its datum. */
  readonly ends: Int32Array;
  readonly datums: Datum[];
}

function newKeyMemo(plan: Plan): KeyMemo | undefined {
  if (plan.interleave.length > 0) return undefined;
  return { prev: undefined, start: 0, ends: new Int32Array(plan.keyCols.length), datums: plan.keyCols.map((): Datum => null) };
}

/**
 * Groups KVs into rows and decodes them, synchronously: `push` each KV in key order (rows that
 * complete are appended to `out`), then `finish`. Holds one row's KVs.
 */
export class RowDecoder {
  private readonly plan: Plan;
  private readonly any: boolean;
  private readonly tenantLen: number;
  /** KVs of the current row (the first `count` entries; reused across rows). */
  private readonly group: MVCCKeyValue[] = [];
  private readonly families: number[] = [];
  private count = 0;
  private groupPrefix: Uint8Array | undefined;
  private readonly memo: KeyMemo | undefined;

  constructor(table: Table, opts: DecodeRowsOptions = {}) {
    this.plan = makePlan(table);
    this.memo = newKeyMemo(this.plan);
    this.any = opts.rowExistence === 'any';
    this.tenantLen = opts.tenantPrefix?.length ?? 0;
  }

  push(kv: MVCCKeyValue, out: Row[]): void {
    // The roach key is key[0, n): `keyBytes` when the source has it (no view made), else `key`.
    const key = kv.keyBytes ?? kv.key;
    const n = kv.keyLength ?? key.length;
    let prefixLength: number;
    let familyId: number;
    // Family 0 (suffix byte 0x88) is the common case: no object, no reader.
    if (n > 1 && key[n - 1] === 0x88) {
      prefixLength = n - 1;
      familyId = 0;
    } else {
      let split: { prefixLength: number; familyId: number };
      try {
        split = splitFamilySuffix(kv.key);
      } catch (e) {
        throw wrap(e, this.plan, kv.key, undefined);
      }
      prefixLength = split.prefixLength;
      familyId = split.familyId;
    }
    const gp = this.groupPrefix;
    if (gp !== undefined && gp.length === prefixLength && prefixEquals(gp, key, prefixLength)) {
      this.group[this.count] = kv;
      this.families[this.count++] = familyId;
      return;
    }
    if (gp !== undefined) {
      const row = assemble(this.plan, gp, this.group, this.families, this.count, this.tenantLen, this.any, this.memo);
      if (row) out.push(row);
    }
    this.group[0] = kv;
    this.families[0] = familyId;
    this.count = 1;
    this.groupPrefix = key.subarray(0, prefixLength);
  }

  /** Emits the last row; call once after the last KV. */
  finish(out: Row[]): void {
    const gp = this.groupPrefix;
    if (gp !== undefined) {
      const row = assemble(this.plan, gp, this.group, this.families, this.count, this.tenantLen, this.any, this.memo);
      if (row) out.push(row);
    }
    this.groupPrefix = undefined;
    this.group.length = 0;
    this.families.length = 0;
    this.count = 0;
  }
}

/** Decodes the rows of `table` from KVs of its primary index span (ascending key order). */
export async function* decodeRows(table: Table, kvs: AsyncIterable<MVCCKeyValue>, opts: DecodeRowsOptions = {}): AsyncIterable<Row> {
  const d = new RowDecoder(table, opts);
  const out: Row[] = [];
  for await (const kv of kvs) {
    d.push(kv, out);
    if (out.length > 0) {
      yield out[0]!;
      out.length = 0;
    }
  }
  d.finish(out);
  if (out.length > 0) yield out[0]!;
}

/**
 * `decodeRows` over batches of KVs: one array of rows per input batch that completed a row (a row
 * whose KVs straddle batches is emitted with the later batch). Arrays are fresh and never empty.
 */
export async function* decodeRowBatches(
  table: Table,
  batches: AsyncIterable<readonly MVCCKeyValue[]>,
  opts: DecodeRowsOptions = {},
): AsyncGenerator<Row[]> {
  const d = new RowDecoder(table, opts);
  let out: Row[] = [];
  for await (const batch of batches) {
    for (let i = 0; i < batch.length; i++) d.push(batch[i]!, out);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  d.finish(out);
  if (out.length > 0) yield out;
}

/**
 * Counts the table's live rows without decoding values: family-0 KVs whose key belongs to this
 * table (key columns are decoded, so rows of interleaved children in the same span are not counted).
 */
export async function countRows(table: Table, kvs: AsyncIterable<MVCCKeyValue>, opts: DecodeRowsOptions = {}): Promise<number> {
  const plan = makePlan(table);
  const tenantLen = opts.tenantPrefix?.length ?? 0;
  const scratch: Datum[] = new Array<Datum>(plan.cols.length).fill(null);
  const memo = newKeyMemo(plan);
  let n = 0;
  for await (const kv of kvs) {
    let split: { prefixLength: number; familyId: number };
    try {
      split = splitFamilySuffix(kv.key);
    } catch (e) {
      throw wrap(e, plan, kv.key, undefined);
    }
    if (split.familyId !== 0) continue;
    if (decodeKeyInto(plan, kv.key.subarray(0, split.prefixLength), tenantLen, scratch, memo)) n++;
  }
  return n;
}

/**
 * Decodes the key columns of a row prefix into `values`; false when the key is not a row of this
 * table (another table or index in the span, an interleaved ancestor's or child's row). With a
 * `memo`, leading columns equal to the previous call's are taken from it, not decoded.
 */
function decodeKeyInto(plan: Plan, prefix: Uint8Array, tenantLen: number, values: Datum[], memo: KeyMemo | undefined): boolean {
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
    // Fast path: the key carries exactly this table's and index's encoded ids.
    const idp = plan.idPrefix;
    let same = r.pos + idp.length <= prefix.length;
    for (let i = 0; same && i < idp.length; i++) same = prefix[r.pos + i] === idp[i];
    if (same) r.pos += idp.length;
    else {
      const tableId = decodeUvarintAscendingNum(r);
      const indexId = decodeUvarintAscendingNum(r);
      if (tableId !== plan.tableId || indexId !== plan.indexId) return false;
    }
    if (memo === undefined) {
      for (; k < plan.keyCols.length; k++) {
        const kc = plan.keyCols[k]!;
        col = kc.name;
        const d = decodeKeyDatum(r, kc.type, kc.dir);
        if (kc.pos >= 0) values[kc.pos] = d;
      }
    } else {
      k = reuseKeyColumns(plan, memo, prefix, r.pos, values);
      if (k > 0) r.pos = memo.ends[k - 1]!;
      else memo.start = r.pos;
      // The memo is consistent again only once the rest of the key has decoded.
      memo.prev = undefined;
      for (; k < plan.keyCols.length; k++) {
        const kc = plan.keyCols[k]!;
        col = kc.name;
        const d = decodeKeyDatum(r, kc.type, kc.dir);
        if (kc.pos >= 0) values[kc.pos] = d;
        memo.ends[k] = r.pos;
        memo.datums[k] = d;
      }
      memo.prev = prefix;
    }
    // Bytes left: a key of an interleaved child inside this table's span.
    return r.done;
  } catch (e) {
    throw wrap(e, plan, prefix, col);
  }
}

/**
 * How many leading key columns of `prefix` (key columns from offset `start`) have the same bytes
 * at the same offsets as in `memo.prev`; their memoized datums are put into `values`.
 */
function reuseKeyColumns(plan: Plan, memo: KeyMemo, prefix: Uint8Array, start: number, values: Datum[]): number {
  const prev = memo.prev;
  if (prev === undefined || memo.start !== start) return 0;
  const lim = Math.min(prev.length, prefix.length);
  let i = start;
  let k = 0;
  for (; k < plan.keyCols.length; k++) {
    const end = memo.ends[k]!;
    if (end > lim) break;
    while (i < end && prev[i] === prefix[i]) i++;
    if (i < end) break;
    const p = plan.keyCols[k]!.pos;
    if (p >= 0) values[p] = memo.datums[k]!;
  }
  return k;
}

function assemble(
  plan: Plan,
  prefix: Uint8Array,
  kvs: readonly MVCCKeyValue[],
  families: readonly number[],
  count: number,
  tenantLen: number,
  any: boolean,
  memo: KeyMemo | undefined,
): Row | undefined {
  // A row exists iff its family-0 KV is live (the sentinel, §5.3), unless any family counts.
  if (!any) {
    let has0 = false;
    for (let i = 0; i < count; i++) if (families[i] === 0) has0 = true;
    if (!has0) return undefined;
  }
  // Copy of a packed all-NULL row (much cheaper than `new Array(n).fill(null)`).
  const values: Datum[] = plan.nullRow.slice();

  if (!decodeKeyInto(plan, prefix, tenantLen, values, memo)) return undefined;

  // Family values.
  for (let i = 0; i < count; i++) {
    const kv = kvs[i]!;
    const v = kv.value;
    if (v.length < 5) continue;
    // roachpb.Value: checksum (4) ‖ tag (1) ‖ payload.
    if (v[4] === RoachValueType.TUPLE) {
      decodeTuple(plan, v, values, kv);
      continue;
    }
    const familyId = families[i]!;
    const p = familyId < plan.bareById.length ? plan.bareById[familyId]! : -1;
    if (p < 0) continue;
    const c = plan.cols[p]!;
    try {
      values[p] = decodeLegacyValue(v, c.type);
    } catch (e) {
      throw wrap(e, plan, kv.key, c.name);
    }
  }
  return { key: prefix, values };
}

/**
 * Decodes the TUPLE payload of roachpb.Value bytes `v` (payload at offset 5) into `values`. `kv`
 * only names the key of an error (its `key` may be made on first read).
 */
function decodeTuple(plan: Plan, v: Uint8Array, values: Datum[], kv: MVCCKeyValue): void {
  const r = new ByteReader(v, 'value', 0, 5);
  const posById = plan.posById;
  let colId = 0;
  let p = -1;
  try {
    while (r.pos < v.length) {
      // Value tag: nonsorting uvarint (colIdDelta << 4 | type); single-byte fast path inline.
      const b = v[r.pos]!;
      let type: number;
      if (b < 0x80 && (b & 0xf) !== 15) {
        r.pos++;
        colId += b >> 4;
        type = b & 0xf;
      } else {
        const tag = decodeValueTag(r);
        colId += tag.colIdDelta;
        type = tag.type;
      }
      p = colId < posById.length ? posById[colId]! : -1;
      if (p < 0) {
        skipValue(r, type);
        continue;
      }
      values[p] = decodeTupleMember(r, plan.cols[p]!.type, type, plan.tagMasks[p]!);
      p = -1;
    }
  } catch (e) {
    throw wrap(e, plan, kv.key, p >= 0 ? plan.cols[p]!.name : undefined);
  }
}

function wrap(e: unknown, plan: Plan, key: Uint8Array, column: string | undefined): Error {
  const where = `${plan.label}${column !== undefined ? ` column ${column}` : ''} at key ${prettyKey(key)}`;
  if (isDecodeError(e)) {
    return new DecodeError(
      e.layer,
      `${e.detail} (${where})`,
      e.file,
      e.offset,
      e.hint ?? 'the row is corrupt or the schema does not match the data',
      { cause: e },
    );
  }
  return new DecodeError('value', `${e instanceof Error ? e.message : String(e)} (${where})`, undefined, undefined, undefined, {
    cause: e,
  });
}

/** `a` equals `k[0, n)` (a.length === n is checked by the caller). */
function prefixEquals(a: Uint8Array, k: Uint8Array, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (a[i] !== k[i]) return false;
  return true;
}
