import type { ColumnarBlock } from './block.js';
import { alignUp } from './uints.js';

/**
 * Bool column (`pebble: sstable/colblk/bitmap.go`; docs/formats.md §6.7):
 *
 *   encoding (1 B): 0 = words follow, 1 = all bits zero (nothing follows)
 *   [padding to 8, relative to the block start]
 *   ⌈n/64⌉ u64 LE words (bit i = word i/64, bit i%64), then ⌈words/64⌉ summary words
 */
export class Bitmap {
  constructor(
    private readonly data: Uint8Array,
    /** Block-relative offset of the first word, or -1 when all bits are zero. */
    private readonly wordsOff: number,
    readonly rows: number,
    readonly end: number,
  ) {}

  at(i: number): boolean {
    if (this.wordsOff < 0) return false;
    // Little-endian words: bit i lives in byte i/8 of the word array, bit i%8.
    return (this.data[this.wordsOff + (i >> 3)]! & (1 << (i & 7))) !== 0;
  }

  /** True when the column was encoded as all-zero. */
  get allZero(): boolean {
    return this.wordsOff < 0;
  }
}

export function decodeBitmap(block: ColumnarBlock, start: number, limit: number, rows: number): Bitmap {
  if (start + 1 > limit) block.fail(`truncated bitmap column in ${block.what}`, start);
  const enc = block.data[start]!;
  if (enc === 1) return new Bitmap(block.data, -1, rows, start + 1);
  if (enc !== 0) block.fail(`unknown bitmap encoding ${enc} in ${block.what}`, start);
  const off = alignUp(start + 1, 8);
  const words = (rows + 63) >> 6;
  const summary = (words + 63) >> 6;
  const end = off + 8 * (words + summary);
  if (end > limit) block.fail(`truncated bitmap column in ${block.what}: ${rows} bits end at ${end}, past ${limit}`, start);
  return new Bitmap(block.data, off, rows, end);
}
