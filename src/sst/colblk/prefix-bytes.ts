import type { ColumnarBlock } from './block.js';
import { decodeOffsetTable } from './raw-bytes.js';
import type { Uints } from './uints.js';

/**
 * PrefixBytes column (`pebble: sstable/colblk/prefix_bytes.go`; docs/formats.md §6.7): sorted byte
 * strings with prefix compression in bundles.
 *
 *   log2(bundleSize) (1 B) ‖ offsets (Uint, k+1 entries) ‖ data
 *
 * with k = 1 + nBundles + n slices laid out as: the block-wide shared prefix, then per bundle its
 * bundle prefix followed by the suffixes of its rows. Unlike RawBytes, offset[0] is the end of the
 * shared prefix (which starts at 0): the shared prefix is data[0, O[0]), the prefix of bundle b is
 * data[O[j], O[j+1]) with j = b·(bundleSize+1), row r's suffix is data[O[s], O[s+1]) with
 * s = 1 + (r >> shift) + r. Key(r) = shared ‖ bundlePrefix ‖ suffix. An empty suffix on a row that
 * is not the first of its bundle means "same key as the previous row".
 */
export class PrefixBytes {
  readonly bundleShift: number;

  constructor(
    private readonly block: ColumnarBlock,
    private readonly offsets: Uints,
    private readonly dataOff: number,
    bundleShift: number,
    readonly rows: number,
    readonly end: number,
  ) {
    this.bundleShift = bundleShift;
  }

  /** Block-wide shared prefix (view). */
  sharedPrefix(): Uint8Array {
    return this.slice(0, this.offsets.num(0));
  }

  /** Prefix of the bundle holding `row`, without the shared prefix (view). */
  bundlePrefix(row: number): Uint8Array {
    const j = (row >> this.bundleShift) * ((1 << this.bundleShift) + 1);
    return this.slice(this.offsets.num(j), this.offsets.num(j + 1));
  }

  /**
   * Row's own suffix (view). For a duplicate (empty suffix) returns the suffix of the nearest earlier
   * non-empty row in the bundle, or an empty slice if there is none (the key equals the prefixes).
   */
  rowSuffix(row: number): Uint8Array {
    const bundleStart = (row >> this.bundleShift) * ((1 << this.bundleShift) + 1) + 1;
    let i = 1 + (row >> this.bundleShift) + row;
    let lo = this.offsets.num(i);
    let hi = this.offsets.num(i + 1);
    while (lo === hi && i > bundleStart) {
      i--;
      hi = lo;
      lo = this.offsets.num(i);
    }
    return this.slice(lo, hi);
  }

  /** Whether `row` is the first row of its bundle. */
  isBundleStart(row: number): boolean {
    return (row & ((1 << this.bundleShift) - 1)) === 0;
  }

  /** Row's raw suffix slice, empty for duplicates (no back-scan; view). */
  rawSuffix(row: number): Uint8Array {
    const i = 1 + (row >> this.bundleShift) + row;
    return this.slice(this.offsets.num(i), this.offsets.num(i + 1));
  }

  /** Materialises the full key of `row` (allocates). */
  at(row: number): Uint8Array {
    const a = this.sharedPrefix();
    const b = this.bundlePrefix(row);
    const c = this.rowSuffix(row);
    const out = new Uint8Array(a.length + b.length + c.length);
    out.set(a, 0);
    out.set(b, a.length);
    out.set(c, a.length + b.length);
    return out;
  }

  private slice(s: number, e: number): Uint8Array {
    if (s > e || this.dataOff + e > this.end) {
      this.block.fail(`prefix-bytes slice [${s}, ${e}) is out of range in ${this.block.what}`, this.dataOff);
    }
    return this.block.data.subarray(this.dataOff + s, this.dataOff + e);
  }
}

/** Decodes a PrefixBytes column of `rows` (≥ 1) keys occupying [start, limit) of the block. */
export function decodePrefixBytes(block: ColumnarBlock, start: number, limit: number, rows: number): PrefixBytes {
  if (rows === 0) block.fail(`empty prefix-bytes column in ${block.what}`, start);
  if (start + 1 > limit) block.fail(`truncated prefix-bytes column in ${block.what}`, start);
  const shift = block.data[start]!;
  if (shift > 16) block.fail(`prefix-bytes bundle size 2^${shift} is implausible in ${block.what}`, start);
  const nBundles = (rows + (1 << shift) - 1) >> shift;
  const { offsets, dataOff, end } = decodeOffsetTable(block, start + 1, limit, rows + nBundles);
  return new PrefixBytes(block, offsets, dataOff, shift, rows, end);
}
