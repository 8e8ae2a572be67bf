/**
 * Changed primary-index KVs of a table (mvcc/layer-diff.ts) → the rows to upsert and the keys to
 * delete. With one column family a row is one KV, so a changed KV is the whole new row. With
 * several families an update may rewrite one family only: those rows are named for a whole-row
 * read at the new time (`reread`) instead of being decoded from a partial set of KVs.
 */
import type { Table } from '../model/catalog.js';
import type { ChangedKV } from '../mvcc/layer-diff.js';
import { ZERO_TIMESTAMP } from '../mvcc/types.js';
import { concatBytes, compareBytes } from '../util/bytes.js';
import { RowDecoder, type DecodeRowsOptions, type Row } from './decode-rows.js';
import { splitFamilySuffix } from '../encoding/row-key.js';

export interface RowChanges {
  /** New or updated rows, in primary-key order. */
  readonly upserts: Row[];
  /** Deleted rows: the key columns set from the row key, the other values NULL. */
  readonly deletes: Row[];
  /** Row keys (without family suffix) to read whole at the new time (tables with several families). */
  readonly reread: Uint8Array[];
}

const EMPTY = new Uint8Array(0);
/** Family-0 suffix (`keys.MakeFamilyKey(prefix, 0)`). */
const FAMILY0 = Uint8Array.of(0x88);

/**
 * A deleted row as a row of key columns: its row key decoded by the row decoder, fed an empty
 * family-0 value (no column value, so only the key columns are set). Undefined when the key is
 * not a row of this table (an interleaved relative's).
 */
export function keyOnlyRow(table: Table, rowKey: Uint8Array, opts: DecodeRowsOptions = {}): Row | undefined {
  const d = new RowDecoder(table, opts);
  const out: Row[] = [];
  d.push({ key: concatBytes([rowKey, FAMILY0]), timestamp: ZERO_TIMESTAMP, value: EMPTY }, out);
  d.finish(out);
  return out[0];
}

/**
 * Sorts changes of one table into upserts, deletions and rows to read whole, one result per input
 * batch that had any (streaming: memory bounded by a batch, whatever the size of the change).
 */
export async function* rowChangeBatches(
  table: Table,
  changes: AsyncIterable<readonly ChangedKV[]>,
  opts: DecodeRowsOptions = {},
): AsyncGenerator<RowChanges> {
  if (table.families.length > 1) {
    // A row's families are adjacent in key order: a prefix repeats only right after itself, also across batches.
    let last: Uint8Array | undefined;
    for await (const batch of changes) {
      const reread: Uint8Array[] = [];
      for (const c of batch) {
        const prefix = c.key.subarray(0, splitFamilySuffix(c.key).prefixLength);
        if (last && compareBytes(last, prefix) === 0) continue;
        reread.push(prefix);
        last = prefix;
      }
      if (reread.length > 0) yield { upserts: [], deletes: [], reread };
    }
    return;
  }
  const puts = new RowDecoder(table, opts);
  for await (const batch of changes) {
    const upserts: Row[] = [];
    const deletes: Row[] = [];
    for (const c of batch) {
      if (c.value !== undefined) {
        puts.push({ key: c.key, timestamp: c.timestamp, value: c.value }, upserts);
        continue;
      }
      const row = keyOnlyRow(table, c.key.subarray(0, splitFamilySuffix(c.key).prefixLength), opts);
      if (row) deletes.push(row);
    }
    if (upserts.length + deletes.length > 0) yield { upserts, deletes, reread: [] };
  }
  const rest: Row[] = [];
  puts.finish(rest);
  if (rest.length > 0) yield { upserts: rest, deletes: [], reread: [] };
}
