import type { ColumnarBlock } from './block.js';

/**
 * Uint column (`pebble: sstable/colblk/uints.go`, `unsafe_uints.go`; docs/formats.md §6.7):
 *
 *   encoding (1 B): low 7 bits = byte width (0, 1, 2, 4 or 8), 0x80 = delta flag
 *   [delta base (u64 LE) when the delta flag is set]
 *   [zero padding to a multiple of the width, relative to the block start]
 *   rows × width bytes, little-endian; value = base + stored
 *
 * Width 0 means every row equals the base (0 without delta). A column of 0 rows has no bytes at all.
 */
export class Uints {
  /** The base as a number when it is a safe integer, else NaN (then `num()` goes through bigint). */
  private readonly baseNum: number;

  private readonly view: DataView;
  private readonly baseLo: number;
  private readonly baseHi: number;

  constructor(
    private readonly block: ColumnarBlock,
    /** Offset of the first row's bytes, relative to the block start. */
    private readonly dataOff: number,
    readonly width: 0 | 1 | 2 | 4 | 8,
    readonly base: bigint,
    readonly rows: number,
    /** Offset just past the column, relative to the block start. */
    readonly end: number,
  ) {
    this.view = block.view;
    this.baseLo = Number(base & 0xffffffffn);
    this.baseHi = Number(base >> 32n);
    this.baseNum = base <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(base) : Number.NaN;
  }

  /** Row i as a bigint (i must be < rows; callers index within their own row counts). */
  at(i: number): bigint {
    switch (this.width) {
      case 0:
        return this.base;
      case 1:
        return this.base + BigInt(this.view.getUint8(this.dataOff + i));
      case 2:
        return this.base + BigInt(this.view.getUint16(this.dataOff + 2 * i, true));
      case 4:
        return this.base + BigInt(this.view.getUint32(this.dataOff + 4 * i, true));
      case 8:
        return this.view.getBigUint64(this.dataOff + 8 * i, true);
    }
  }

  /**
   * Writes row i as 8 big-endian bytes at out[pos] without going through bigint (MVCC wall times in
   * the hot loop). Returns false, writing nothing, when the value is 0.
   */
  writeBE64(i: number, out: Uint8Array, pos: number): boolean {
    let hi: number;
    let lo: number;
    if (this.width === 8) {
      const o = this.dataOff + 8 * i;
      lo = this.view.getUint32(o, true);
      hi = this.view.getUint32(o + 4, true);
    } else {
      const d =
        this.width === 0
          ? 0
          : this.width === 1
            ? this.view.getUint8(this.dataOff + i)
            : this.width === 2
              ? this.view.getUint16(this.dataOff + 2 * i, true)
              : this.view.getUint32(this.dataOff + 4 * i, true);
      const sum = this.baseLo + d;
      lo = sum >>> 0;
      hi = (this.baseHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    }
    if (hi === 0 && lo === 0) return false;
    out[pos] = hi >>> 24;
    out[pos + 1] = hi >>> 16;
    out[pos + 2] = hi >>> 8;
    out[pos + 3] = hi;
    out[pos + 4] = lo >>> 24;
    out[pos + 5] = lo >>> 16;
    out[pos + 6] = lo >>> 8;
    out[pos + 7] = lo;
    return true;
  }

  /** Row i is zero (cheap check, no bigint). */
  isZero(i: number): boolean {
    if (this.width === 8) {
      const o = this.dataOff + 8 * i;
      return this.view.getUint32(o, true) === 0 && this.view.getUint32(o + 4, true) === 0;
    }
    if (this.baseLo !== 0 || this.baseHi !== 0) return false;
    return (
      this.width === 0 ||
      (this.width === 1
        ? this.view.getUint8(this.dataOff + i)
        : this.width === 2
          ? this.view.getUint16(this.dataOff + 2 * i, true)
          : this.view.getUint32(this.dataOff + 4 * i, true)) === 0
    );
  }

  /** Row i as a number; throws when the value exceeds 2^53 (offsets, lengths, counts). */
  num(i: number): number {
    if (Number.isNaN(this.baseNum) || this.width === 8) {
      const v = this.at(i);
      if (v > BigInt(Number.MAX_SAFE_INTEGER))
        this.block.fail(`uint value ${v} in ${this.block.what} exceeds 2^53 where an offset or count is expected`, this.dataOff);
      return Number(v);
    }
    switch (this.width) {
      case 0:
        return this.baseNum;
      case 1:
        return this.baseNum + this.view.getUint8(this.dataOff + i);
      case 2:
        return this.baseNum + this.view.getUint16(this.dataOff + 2 * i, true);
      case 4:
        return this.baseNum + this.view.getUint32(this.dataOff + 4 * i, true);
    }
  }
}

/** Decodes a Uint column occupying [start, limit) of the block. */
export function decodeUints(block: ColumnarBlock, start: number, limit: number, rows: number): Uints {
  if (rows === 0) return new Uints(block, start, 0, 0n, 0, start);
  if (start + 1 > limit) block.fail(`truncated uint column in ${block.what}: no encoding byte`, start);
  const enc = block.data[start]!;
  const width = enc & 0x7f;
  const delta = (enc & 0x80) !== 0;
  if (!(width === 0 || width === 1 || width === 2 || width === 4 || (width === 8 && !delta))) {
    block.fail(`invalid uint column encoding 0x${enc.toString(16)} in ${block.what}`, start);
  }
  let off = start + 1;
  let base = 0n;
  if (delta) {
    if (off + 8 > limit) block.fail(`truncated uint column delta base in ${block.what}`, off);
    base = block.view.getBigUint64(off, true);
    off += 8;
  }
  if (width > 0) off = alignUp(off, width);
  const end = off + rows * width;
  if (end > limit) block.fail(`truncated uint column in ${block.what}: ${rows} rows × ${width} B end at ${end}, past ${limit}`, start);
  return new Uints(block, off, width, base, rows, end);
}

/** Rounds `off` up to a multiple of `n` (a power of two). */
export function alignUp(off: number, n: number): number {
  return (off + n - 1) & ~(n - 1);
}
