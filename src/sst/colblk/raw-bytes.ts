import type { ColumnarBlock } from './block.js';
import { decodeUints, type Uints } from './uints.js';

/**
 * RawBytes column (`pebble: sstable/colblk/raw_bytes.go`; docs/formats.md §6.7): a Uint column of
 * n+1 offsets (the first is 0) followed by the concatenated data; slice i = data[off[i], off[i+1]).
 * Offsets are relative to the start of the data, which follows the offsets immediately.
 * A column of 0 rows has no bytes at all.
 */
export class RawBytes {
  constructor(
    private readonly block: ColumnarBlock,
    private readonly offsets: Uints,
    /** Block-relative offset of the data section. */
    private readonly dataOff: number,
    readonly rows: number,
    readonly end: number,
  ) {}

  /** Slice i as a view into the block (no copy). */
  at(i: number): Uint8Array {
    const s = this.offsets.num(i);
    const e = this.offsets.num(i + 1);
    if (s > e || this.dataOff + e > this.end) {
      this.block.fail(`bytes column slice ${i} [${s}, ${e}) is out of range in ${this.block.what}`, this.dataOff);
    }
    return this.block.data.subarray(this.dataOff + s, this.dataOff + e);
  }
}

/** Decodes a RawBytes column of `rows` slices occupying [start, limit) of the block. */
export function decodeRawBytes(block: ColumnarBlock, start: number, limit: number, rows: number): RawBytes {
  if (rows === 0) return new RawBytes(block, decodeUints(block, start, limit, 0), start, 0, start);
  const { offsets, dataOff, end } = decodeOffsetTable(block, start, limit, rows);
  return new RawBytes(block, offsets, dataOff, rows, end);
}

/** The offsets table of `slices` slices, shared by RawBytes and PrefixBytes. @internal */
export function decodeOffsetTable(
  block: ColumnarBlock,
  start: number,
  limit: number,
  slices: number,
): { offsets: Uints; dataOff: number; end: number } {
  const offsets = decodeUints(block, start, limit, slices + 1);
  if (offsets.width === 8 || offsets.base !== 0n) {
    block.fail(
      `bytes column offsets in ${block.what} are not plain 0–4-byte integers (width ${offsets.width}, base ${offsets.base})`,
      start,
    );
  }
  const dataOff = offsets.end;
  const end = dataOff + offsets.num(slices);
  if (end > limit) block.fail(`truncated bytes column in ${block.what}: data ends at ${end}, past ${limit}`, start);
  return { offsets, dataOff, end };
}
