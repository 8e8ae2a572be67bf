/**
 * Row-key framing (docs/formats.md §4.1; `crdb: pkg/keys/sql.go` `MakeFamilyKey`,
 * `GetRowPrefixLength`, `DecodeTenantPrefix`, `DecodeTableIDIndexID`):
 * `[0xFE uvarint(tenant)] uvarint(table) uvarint(index) <key columns> <family suffix>`, where the
 * family suffix is `0x88` for family 0 and `uvarint(f) uvarint(len(uvarint(f)))` otherwise.
 */
import { ByteReader } from '../util/byte-reader.js';
import { decodeUvarintAscending, decodeUvarintAscendingNum } from './ordered.js';

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

export interface FamilySuffix {
  /** Length of the key without the family suffix (`GetRowPrefixLength`). */
  readonly rowPrefixLength: number;
  readonly familyId: number;
}

/** Splits the column-family suffix off a primary-index row key. */
export function decodeFamilySuffix(key: Uint8Array, base = 0): FamilySuffix {
  const n = key.length;
  if (n === 0) throw new ByteReader(key, 'key', base).fail('empty row key');
  const last = new ByteReader(key, 'key', base, n - 1);
  const lenTag = key[n - 1]!;
  if (lenTag < 0x88 || lenTag > 0xfd) last.fail(`row key does not end in a family suffix (last byte 0x${lenTag.toString(16)})`);
  const famLen = decodeUvarintAscendingNum(last);
  if (famLen > n - 1) last.fail(`family suffix length ${famLen} exceeds the key`, n - 1);
  const rowPrefixLength = n - famLen - 1;
  if (famLen === 0) return { rowPrefixLength, familyId: 0 };
  const r = new ByteReader(key.subarray(0, n - 1), 'key', base, rowPrefixLength);
  const familyId = decodeUvarintAscendingNum(r);
  if (r.pos !== n - 1) r.fail('family ID does not fill its suffix', rowPrefixLength);
  return { rowPrefixLength, familyId };
}
