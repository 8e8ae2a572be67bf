import { DecodeError } from '../../util/errors.js';
import { Bitmap, decodeBitmap } from './bitmap.js';
import { PrefixBytes, decodePrefixBytes } from './prefix-bytes.js';
import { RawBytes, decodeRawBytes } from './raw-bytes.js';
import { Uints, decodeUints } from './uints.js';

/**
 * Generic columnar block (`pebble: sstable/colblk/block.go`; docs/formats.md §6.7):
 *
 *   [custom header (customHeaderSize bytes)]
 *   version (1 B, 0x01) ‖ column count (u16 LE) ‖ row count (u32 LE)
 *   per column: data type (1 B) ‖ page start (u32 LE, relative to the block start)
 *   column pages …
 *   one trailing padding byte
 *
 * A column ends where the next one starts; the last one ends before the padding byte. Alignment
 * padding inside pages is computed relative to the block start (Pebble loads blocks 8-aligned), so
 * every decoder here works with offsets relative to `data[0]`, whatever the buffer's alignment.
 */

export const DataType = { Invalid: 0, Bool: 1, Uint: 2, Bytes: 3, PrefixBytes: 4 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];
const TYPE_NAMES = ['invalid', 'bool', 'uint', 'bytes', 'prefixbytes'];

const BLOCK_HEADER_BASE = 7;
const COLUMN_HEADER = 5;

/** Decoded header of one columnar block plus typed column accessors. `base` = file offset of data[0]. */
export class ColumnarBlock {
  readonly view: DataView;
  readonly columns: number;
  readonly rows: number;

  constructor(
    readonly data: Uint8Array,
    readonly customHeaderSize: number,
    readonly base: number,
    /** Names the block kind in error messages ("data block", "index block", …). */
    readonly what: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const h = customHeaderSize;
    if (data.length < h + BLOCK_HEADER_BASE + 1) {
      this.fail(`${data.length}-byte ${what} is too short for a columnar block header`, 0);
    }
    const version = data[h]!;
    if (version !== 1) this.fail(`unsupported columnar ${what} version ${version} (only 1 is known)`, h);
    this.columns = this.view.getUint16(h + 1, true);
    this.rows = this.view.getUint32(h + 3, true);
    const headerEnd = h + BLOCK_HEADER_BASE + this.columns * COLUMN_HEADER;
    if (headerEnd + 1 > data.length) {
      this.fail(`${what} declares ${this.columns} columns but is only ${data.length} bytes`, h + 1);
    }
    let prev = headerEnd;
    for (let c = 0; c < this.columns; c++) {
      const start = this.pageStart(c);
      if (start < prev || start > data.length - 1) {
        this.fail(`${what} column ${c} starts at ${start}, outside [${prev}, ${data.length - 1}]`, this.colHeaderAt(c) + 1);
      }
      prev = start;
    }
  }

  fail(detail: string, at: number): never {
    throw new DecodeError(
      'block',
      detail,
      undefined,
      this.base + at,
      'the file is corrupt or not a Pebble columnar table; re-copy it from the source',
    );
  }

  private colHeaderAt(col: number): number {
    return this.customHeaderSize + BLOCK_HEADER_BASE + col * COLUMN_HEADER;
  }

  dataType(col: number): number {
    return this.data[this.colHeaderAt(col)]!;
  }

  pageStart(col: number): number {
    if (col >= this.columns) return this.data.length - 1;
    return this.view.getUint32(this.colHeaderAt(col) + 1, true);
  }

  private check(col: number, type: DataTypeCode): { start: number; end: number } {
    if (col >= this.columns) this.fail(`${this.what} has ${this.columns} columns; column ${col} is missing`, this.customHeaderSize + 1);
    const t = this.dataType(col);
    if (t !== type) {
      this.fail(`${this.what} column ${col} has type ${TYPE_NAMES[t] ?? t}, expected ${TYPE_NAMES[type]}`, this.colHeaderAt(col));
    }
    return { start: this.pageStart(col), end: this.pageStart(col + 1) };
  }

  private ended(col: number, end: number, expected: number): void {
    if (end !== expected)
      this.fail(`${this.what} column ${col} decodes to end ${end}, but the next column starts at ${expected}`, expected);
  }

  uints(col: number, rows = this.rows): Uints {
    const { start, end } = this.check(col, DataType.Uint);
    const u = decodeUints(this, start, end, rows);
    this.ended(col, u.end, end);
    return u;
  }

  rawBytes(col: number, rows = this.rows): RawBytes {
    const { start, end } = this.check(col, DataType.Bytes);
    const r = decodeRawBytes(this, start, end, rows);
    this.ended(col, r.end, end);
    return r;
  }

  prefixBytes(col: number, rows = this.rows): PrefixBytes {
    const { start, end } = this.check(col, DataType.PrefixBytes);
    const p = decodePrefixBytes(this, start, end, rows);
    this.ended(col, p.end, end);
    return p;
  }

  bitmap(col: number, rows = this.rows): Bitmap {
    const { start, end } = this.check(col, DataType.Bool);
    const b = decodeBitmap(this, start, end, rows);
    this.ended(col, b.end, end);
    return b;
  }
}
