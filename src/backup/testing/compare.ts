/**
 * Test helper: the rows (MVCC key-values) of every table span, from any MVCCSource, as comparable
 * hex strings. @internal
 */
import type { MVCCSource, Timestamp } from '../../mvcc/types.js';
import { toHex } from '../../util/bytes.js';
import { tableSpan } from './store-extract.js';

export async function dumpTables(src: MVCCSource, tableIds: readonly number[], readAt?: Timestamp): Promise<string[]> {
  const out: string[] = [];
  for (const id of tableIds) {
    const { start, end } = tableSpan(id);
    for await (const kv of src.scan(start, end, readAt)) {
      out.push(`${id} ${toHex(kv.key)} @${kv.timestamp.wallTime}.${kv.timestamp.logical} = ${toHex(kv.value)}`);
    }
  }
  return out;
}
