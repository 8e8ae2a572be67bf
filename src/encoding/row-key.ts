/**
 * Row-key framing, read and built (docs/formats.md §4.1; `crdb: pkg/keys/sql.go` `MakeFamilyKey`,
 * `GetRowPrefixLength`, `DecodeTenantPrefix`, `DecodeTableIDIndexID`):
 * `[0xFE uvarint(tenant)] uvarint(table) uvarint(index) <key columns> <family suffix>`, where the
 * family suffix is `0x88` for family 0 and `uvarint(f) uvarint(len(uvarint(f)))` otherwise.
 */
import type { Table } from '../model/catalog.js';
import { concatBytes } from '../util/bytes.js';
import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import { decodeUvarintAscending, decodeUvarintAscendingNum, encodeUvarintAscending } from './ordered.js';

export interface IndexKeyPrefix {
  /** Present for secondary-tenant keys (`/Tenant/<id>`). */
  readonly tenantId?: bigint;
  readonly tableId: number;
  readonly indexId: number;
  /** Offset of the first key column. */
  readonly columnsOffset: number;
}

/** Reads the tenant prefix (if any), table ID and index ID of a table key. */
export function decodeIndexKeyPrefix(key: Uint8Array, base = 0): IndexKeyPrefix {
  const r = new ByteReader(key, 'key', base);
  let tenantId: bigint | undefined;
  if (r.peek() === 0xfe) {
    r.pos++;
    tenantId = decodeUvarintAscending(r);
  }
  const tableId = decodeUvarintAscendingNum(r);
  const indexId = decodeUvarintAscendingNum(r);
  return tenantId === undefined ? { tableId, indexId, columnsOffset: r.pos } : { tenantId, tableId, indexId, columnsOffset: r.pos };
}

/**
 * Splits the column-family suffix off a primary-index row key: the length of the row prefix (the
 * key without the suffix, `GetRowPrefixLength`) and the family id. Throws on keys too short to hold
 * a suffix.
 */
export function splitFamilySuffix(key: Uint8Array): { prefixLength: number; familyId: number } {
  const n = key.length;
  if (n === 0) throw new DecodeError('key', 'empty row key');
  const last = key[n - 1]!;
  // The last byte is an ordered uvarint (0x88 + len) giving the length of the family-id encoding.
  const len = last - 0x88;
  if (len < 0 || len > 9 || n - 1 - len < 1)
    throw new DecodeError('key', `row key has an invalid family suffix length byte 0x${last.toString(16)}`);
  if (len === 0) return { prefixLength: n - 1, familyId: 0 };
  const r = new ByteReader(key.subarray(n - 1 - len, n - 1), 'key');
  return { prefixLength: n - 1 - len, familyId: decodeUvarintAscendingNum(r) };
}

/** Tenant prefix `0xFE ‖ uvarint(tenantID)` (`keys.MakeTenantPrefix`); empty for the system tenant. */
export function tenantPrefix(tenantId: bigint | number): Uint8Array {
  if (BigInt(tenantId) === 1n || BigInt(tenantId) === 0n) return new Uint8Array(0);
  return concatBytes([Uint8Array.of(0xfe), encodeUvarintAscending(tenantId)]);
}

/** `[start, end)` roach keys of the table's primary index. */
export function primaryIndexSpan(
  table: Pick<Table, 'id' | 'primaryIndex'>,
  tenant: Uint8Array = new Uint8Array(0),
): [Uint8Array, Uint8Array] {
  // Interleaved tables (≤ 21.1) live inside the root ancestor's index span (§4.5); decodeRows
  // filters the keys that belong to this table.
  const root = table.primaryIndex.interleave?.[0];
  const tableId = root ? root.tableId : table.id;
  const indexId = root ? root.indexId : table.primaryIndex.id;
  const t = encodeUvarintAscending(tableId);
  return [concatBytes([tenant, t, encodeUvarintAscending(indexId)]), concatBytes([tenant, t, encodeUvarintAscending(indexId + 1)])];
}

/** `/Table/<id>/1/0/0`-style key of a sequence's value (`keys.SequenceKey`, §4.6). */
export function sequenceKey(seqId: number, tenant: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes([tenant, encodeUvarintAscending(seqId), Uint8Array.of(0x89, 0x88, 0x88)]);
}
