/**
 * `system.comments` (table 24: type, object_id, sub_id, comment) → the raw comment rows the catalog
 * resolves. Stores and full-cluster backups both hold this table's rows; database and table
 * backups do not (their manifests carry no system descriptors), so they yield none.
 */
import type { Catalog } from '../catalog/model.js';
import type { RawComment } from '../catalog/build-catalog.js';
import { COMMENTS_TABLE_ID } from '../catalog/system-tables.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { decodeRows } from '../rows/decode-rows.js';
import { primaryIndexSpan } from '../rows/row-key.js';

/**
 * Reads the comments with the source's own `system.comments` descriptor (in `sys`, a catalog built
 * with the system database); `scan` reads one key span as of the migration's read time.
 */
export async function readSystemComments(sys: Catalog, scan: (start: Uint8Array, end: Uint8Array) => AsyncIterable<MVCCKeyValue>): Promise<RawComment[]> {
  const comments: RawComment[] = [];
  const table = sys.tables.find((t) => t.id === COMMENTS_TABLE_ID);
  if (!table) return comments;
  const idx = (n: string): number => table.columns.findIndex((c) => c.name === n);
  const [ti, oi, si, ci] = [idx('type'), idx('object_id'), idx('sub_id'), idx('comment')];
  for await (const row of decodeRows(table, scan(...primaryIndexSpan(table)), { rowExistence: 'any' })) {
    const v = row.values;
    const int = (i: number): number => {
      const d = v[i];
      return d && d.kind === 'int' ? Number(d.value) : -1;
    };
    const c = v[ci];
    if (c && c.kind === 'string') comments.push({ type: int(ti), objectId: int(oi), subId: int(si), text: c.value });
  }
  return comments;
}
