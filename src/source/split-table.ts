/**
 * Splitting a large table into parts that can be read (and loaded) in parallel: row-aligned
 * boundaries from the MVCC source's metadata-only split candidates (`MVCCSource.splitCandidates`:
 * SST index separators, backup file spans and sizes). Deterministic, so a resumed run recomputes
 * the same parts.
 */
import type { Table } from '../model/catalog.js';
import { scanBatchesOf, type MVCCSource, type Timestamp } from '../mvcc/types.js';
import { primaryIndexSpan } from '../encoding/row-key.js';
import { compareBytes } from '../util/bytes.js';
import type { RowRange } from './migration-source.js';

export interface SplitTableOptions {
  /** Target size of one part in data bytes (on-disk SST bytes). Tables under two parts are not split. */
  readonly targetPartBytes: number;
  readonly readAt?: Timestamp;
  /** Tenant-prefixed reads are not split (see `splitTableFrom`). */
  readonly tenantPrefix?: Uint8Array;
}

export interface TableSplit {
  /**
   * Row keys R1 < R2 < … < Rn of existing rows: the parts are [span start, R1), [R1, R2), …,
   * [Rn, span end) (`partRanges`). Empty: read the table as one part.
   */
  readonly boundaries: Uint8Array[];
  /** Approximate data bytes of the table's primary index (absent when not estimated). */
  readonly bytes?: number;
  /** Why the table is one part, when `boundaries` is empty. */
  readonly reason?: string;
}

/** How many candidates are aligned to rows at once (each alignment is a short scan). */
const ALIGN_CONCURRENCY = 8;

/**
 * Row-aligned boundaries for `table` (see `TableSplit`): the source proposes candidate keys spread
 * by data bytes; each is moved to the first row whose KVs all lie at or after it (a candidate
 * inside a row's family KVs moves to the next row, so no row is cut), then duplicates, the
 * table's first row and empty parts are dropped.
 */
export async function splitTableFrom(mvcc: MVCCSource, table: Table, opts: SplitTableOptions): Promise<TableSplit> {
  // Interleaved tables (≤ 21.1) share their root ancestor's index span with the ancestor's and
  // siblings' rows: byte estimates of the span are not this table's, and a part boundary would
  // have to be a root-row key, not one of this table's row keys. Read them as one part.
  if (table.primaryIndex.interleave && table.primaryIndex.interleave.length > 0) {
    return { boundaries: [], reason: 'interleaved table (shares its root ancestor’s key span)' };
  }
  // Tenant-prefixed reads (one secondary tenant's tables out of a shared store or backup) stay one
  // part: their row keys carry the tenant prefix, no loader path reads them in parts, and no
  // fixture exercises split candidates inside a tenant keyspace. One part is always correct.
  if (opts.tenantPrefix && opts.tenantPrefix.length > 0) {
    return { boundaries: [], reason: 'tenant-prefixed source' };
  }
  if (!mvcc.splitCandidates) return { boundaries: [], reason: 'the source cannot estimate data sizes' };
  if (!(opts.targetPartBytes > 0)) throw new RangeError(`targetPartBytes must be positive, got ${opts.targetPartBytes}`);

  const [start, end] = primaryIndexSpan(table);
  const cand = await mvcc.splitCandidates(start, end, opts.targetPartBytes);
  if (cand.bytes < 2 * opts.targetPartBytes) {
    return { boundaries: [], bytes: cand.bytes, reason: `about ${cand.bytes} bytes, under two parts of ${opts.targetPartBytes}` };
  }
  if (cand.keys.length === 0) return { boundaries: [], bytes: cand.bytes, reason: 'no candidate key inside the table span' };
  const first = await firstRowKeyAtOrAfter(mvcc, start, end, opts.readAt);
  if (first === undefined) return { boundaries: [], bytes: cand.bytes, reason: 'no rows' };

  const aligned = await mapLimit(cand.keys, ALIGN_CONCURRENCY, (c) => firstRowKeyAtOrAfter(mvcc, c, end, opts.readAt));
  const boundaries: Uint8Array[] = [];
  for (const r of aligned) {
    if (r === undefined) continue; // no row at or after the candidate: nothing to start a part with
    if (compareBytes(r, first) <= 0) continue; // would leave the first part empty
    const last = boundaries[boundaries.length - 1];
    if (last === undefined || compareBytes(last, r) < 0) boundaries.push(r);
  }
  return { boundaries, bytes: cand.bytes, ...(boundaries.length === 0 ? { reason: 'candidates did not fall between rows' } : {}) };
}

/** The parts a split describes, in order: [{before: R1}, {from: R1, before: R2}, …, {from: Rn}]. */
export function partRanges(boundaries: readonly Uint8Array[]): RowRange[] {
  if (boundaries.length === 0) return [{}];
  const out: RowRange[] = [{ before: boundaries[0]! }];
  for (let i = 0; i < boundaries.length; i++) {
    const next = boundaries[i + 1];
    out.push(next ? { from: boundaries[i]!, before: next } : { from: boundaries[i]! });
  }
  return out;
}

/**
 * Key of the first row all of whose KVs are ≥ `at`. A row exists through its live family-0 KV
 * (the sentinel, docs/formats.md §5.3; `decodeRows` default), which is also the row's smallest key
 * (family suffix 0x88 sorts before every other family's), so the first family-0 KV at or after
 * `at` names the first whole row: a candidate inside a row's family KVs moves to the next row.
 * Only keys are looked at (no value decoding): this runs once per candidate.
 */
async function firstRowKeyAtOrAfter(
  mvcc: MVCCSource,
  at: Uint8Array,
  end: Uint8Array,
  readAt?: Timestamp,
): Promise<Uint8Array | undefined> {
  for await (const batch of scanBatchesOf(mvcc, at, end, readAt)) {
    for (const kv of batch) {
      const k = kv.key;
      // A family-0 key ends in the single suffix byte 0x88 (`keys.MakeFamilyKey(…, 0)`).
      if (k.length > 1 && k[k.length - 1] === 0x88 && compareBytes(k, at) >= 0) return k.slice(0, k.length - 1);
    }
  }
  return undefined;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
