import { DecodeError } from '../../util/errors.js';
import { ColumnarBlock } from './block.js';

/** One keyspan key (a range deletion or range key) with its span bounds. Views into the block. */
export interface ColumnarKeyspanEntry {
  start: Uint8Array;
  end: Uint8Array;
  seqNum: bigint;
  kind: number;
  /** Range-key suffix (empty for range deletions). */
  suffix: Uint8Array;
  /** Range-key value (empty for range deletions). */
  value: Uint8Array;
}

/**
 * Keyspan block (`pebble: sstable/colblk/keyspan.go`), used for range deletions
 * (`rocksdb.range_del2`) and range keys (`pebble.range_key`) in columnar tables.
 *
 *   custom header: number of boundary user keys m (u32 LE)
 *   columns 0 boundary user keys (Bytes, m rows), 1 boundary key indices (Uint, m rows),
 *           2 trailers (Uint), 3 suffixes (Bytes), 4 values (Bytes) — one row per key
 *
 * Keys with index in [indices[b], indices[b+1]) belong to the span [bound[b], bound[b+1]); equal
 * consecutive indices are a gap between spans.
 */
export function decodeColumnarKeyspanBlock(block: Uint8Array, base = 0): ColumnarKeyspanEntry[] {
  if (block.length < 4) {
    throw new DecodeError(
      'block',
      `${block.length}-byte keyspan block is too short`,
      undefined,
      base,
      'the file is corrupt; re-copy it from the source',
    );
  }
  const m = new DataView(block.buffer, block.byteOffset, 4).getUint32(0, true);
  const bd = new ColumnarBlock(block, 4, base, 'keyspan block');
  const rows = bd.rows;
  if (m === 0 && rows === 0) return [];
  const bounds = bd.rawBytes(0, m);
  const indices = bd.uints(1, m);
  const trailers = bd.uints(2);
  const suffixes = bd.rawBytes(3);
  const values = bd.rawBytes(4);
  const out: ColumnarKeyspanEntry[] = [];
  let prevIdx = m > 0 ? indices.num(0) : 0;
  if (prevIdx !== 0) bd.fail(`keyspan block's first boundary index is ${prevIdx}, not 0`, 0);
  for (let b = 0; b + 1 < m; b++) {
    const next = indices.num(b + 1);
    if (next < prevIdx || next > rows) bd.fail(`keyspan boundary index ${next} out of order or past ${rows} keys`, 0);
    if (next > prevIdx) {
      const start = bounds.at(b);
      const end = bounds.at(b + 1);
      for (let k = prevIdx; k < next; k++) {
        const t = trailers.at(k);
        out.push({ start, end, seqNum: t >> 8n, kind: Number(t & 0xffn), suffix: suffixes.at(k), value: values.at(k) });
      }
    }
    prevIdx = next;
  }
  if (prevIdx !== rows) bd.fail(`keyspan block boundaries cover ${prevIdx} of ${rows} keys`, 0);
  return out;
}
