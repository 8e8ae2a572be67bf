/**
 * Rows of a table from any MVCC source (a store, or a backup chain read at a time), in primary-key
 * order, by part and after a resume key: the one path both kinds of source decode rows through.
 */
import type { Table } from '../model/catalog.js';
import { flattenBatches, scanBatchesOf, type MVCCSource, type Timestamp } from '../mvcc/types.js';
import { decodeRowBatches, type Row } from '../rows/decode-rows.js';
import { primaryIndexSpan } from '../encoding/row-key.js';
import { compareBytes } from '../util/bytes.js';
import type { RowRange, TableRowSource } from './migration-source.js';
import { splitTableFrom } from './split-table.js';

/** The smallest key greater than every key that has `prefix` as a prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0xff, 0xff);
}

export interface RowsFromOptions extends RowRange {
  /** Rows strictly after this row key (a `Row.key`). */
  readonly resumeAfter?: Uint8Array;
  readonly readAt?: Timestamp;
  readonly tenantPrefix?: Uint8Array;
}

/**
 * Rows of `table` from an MVCC source in primary-key order, optionally resuming after a row key
 * and restricted to a part [from, before), in arrays (never empty; fresh): one promise per batch.
 * Uses `mvcc.scanBatches` when present.
 */
export function rowBatchesFrom(mvcc: MVCCSource, table: Table, opts: RowsFromOptions = {}): AsyncIterable<readonly Row[]> {
  const span = scanSpan(table, opts);
  if (!span) return noBatches();
  return decodeRowBatches(
    table,
    scanBatchesOf(mvcc, span[0], span[1], opts.readAt),
    opts.tenantPrefix ? { tenantPrefix: opts.tenantPrefix } : {},
  );
}

/** The key span holding the rows `opts` select of `table`; undefined when it is empty. */
function scanSpan(table: Table, opts: RowsFromOptions): readonly [Uint8Array, Uint8Array] | undefined {
  const [spanStart, spanEnd] = primaryIndexSpan(table, opts.tenantPrefix);
  // A row key is the row prefix without its family suffix; every KV of that row has it as prefix,
  // and no KV of a smaller row reaches it (key encodings are prefix-free), so row keys are exact
  // scan bounds: [R1, R2) holds exactly the KVs of the rows R1 ≤ R < R2.
  let start = spanStart;
  if (opts.from && compareBytes(opts.from, start) > 0) start = opts.from;
  if (opts.resumeAfter) {
    const after = prefixEnd(opts.resumeAfter);
    if (compareBytes(after, start) > 0) start = after;
  }
  const end = opts.before && compareBytes(opts.before, spanEnd) < 0 ? opts.before : spanEnd;
  return compareBytes(start, end) < 0 ? [start, end] : undefined;
}

async function* noBatches(): AsyncGenerator<Row[]> {}

/** Rows of `table` from an MVCC source, optionally resuming after a row key (`rowBatchesFrom`, flattened). */
export function rowsFrom(mvcc: MVCCSource, table: Table, opts: RowsFromOptions = {}): AsyncIterable<Row> {
  return flattenBatches(rowBatchesFrom(mvcc, table, opts));
}

/** Table rows of an MVCC source (a store, or a backup chain read at `readAt`). */
export function mvccTableRows(mvcc: MVCCSource, readAt?: Timestamp): TableRowSource {
  const opts = (resumeAfter?: Uint8Array, range?: RowRange): RowsFromOptions => ({
    ...(readAt ? { readAt } : {}),
    ...(resumeAfter ? { resumeAfter } : {}),
    ...(range?.from ? { from: range.from } : {}),
    ...(range?.before ? { before: range.before } : {}),
  });
  return {
    rows: (table, resumeAfter, range) => rowsFrom(mvcc, table, opts(resumeAfter, range)),
    rowBatches: (table, resumeAfter, range) => rowBatchesFrom(mvcc, table, opts(resumeAfter, range)),
    warm(table, range) {
      const span = mvcc.warm && scanSpan(table, opts(undefined, range));
      if (span) mvcc.warm!(span[0], span[1]);
    },
    splitTable: (table, splitOpts) => splitTableFrom(mvcc, table, { ...(readAt ? { readAt } : {}), ...splitOpts }),
  };
}
