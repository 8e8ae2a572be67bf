/**
 * Test-only builder of columnar blocks (`pebble: sstable/colblk/block.go` layout), for decoder tests
 * of block kinds the fixtures lack (keyspan blocks) and for hand-made edge cases. Uint columns use
 * the smallest non-delta width; alignment is relative to the block start, as in Pebble. @internal
 */
export type BuilderColumn =
  | { type: 'uint'; values: bigint[] }
  | { type: 'bytes'; values: Uint8Array[] }
  | { type: 'bool'; values: boolean[] }
  /** A PrefixBytes page given as raw bytes (bundle shift, offsets, data), emitted as is. */
  | { type: 'prefix'; page: number[] };

class Buf {
  bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  pad(n: number): void {
    while (this.bytes.length % n !== 0) this.bytes.push(0);
  }
  le(v: bigint, width: number): void {
    for (let i = 0; i < width; i++) this.bytes.push(Number((v >> BigInt(8 * i)) & 0xffn));
  }
}

function uintCol(out: Buf, values: bigint[]): void {
  if (values.length === 0) return;
  const max = values.reduce((a, b) => (a > b ? a : b), 0n);
  const width = max === 0n ? 0 : max < 0x100n ? 1 : max < 0x10000n ? 2 : max < 0x100000000n ? 4 : 8;
  out.bytes.push(width);
  if (width === 0) return;
  out.pad(width);
  for (const v of values) out.le(v, width);
}

export function buildColumnarBlock(customHeader: Uint8Array, rows: number, columns: BuilderColumn[]): Uint8Array {
  const out = new Buf();
  out.bytes.push(...customHeader, 1);
  out.le(BigInt(columns.length), 2);
  out.le(BigInt(rows), 4);
  const headerAt = out.length;
  for (let i = 0; i < columns.length; i++) out.bytes.push(0, 0, 0, 0, 0);
  columns.forEach((col, i) => {
    const at = headerAt + 5 * i;
    out.bytes[at] = col.type === 'bool' ? 1 : col.type === 'uint' ? 2 : col.type === 'bytes' ? 3 : 4;
    const start = out.length;
    for (let b = 0; b < 4; b++) out.bytes[at + 1 + b] = (start >>> (8 * b)) & 0xff;
    if (col.type === 'prefix') out.bytes.push(...col.page);
    else if (col.type === 'uint') uintCol(out, col.values);
    else if (col.type === 'bytes') {
      if (col.values.length === 0) return;
      const offs: bigint[] = [0n];
      let total = 0;
      for (const v of col.values) offs.push(BigInt((total += v.length)));
      uintCol(out, offs);
      for (const v of col.values) out.bytes.push(...v);
    } else {
      if (!col.values.some(Boolean)) {
        out.bytes.push(1);
        return;
      }
      out.bytes.push(0);
      out.pad(8);
      const words = (col.values.length + 63) >> 6;
      const w = new Array<bigint>(words).fill(0n);
      col.values.forEach((b, j) => {
        if (b) w[j >> 6] = w[j >> 6]! | (1n << BigInt(j & 63));
      });
      for (const x of w) out.le(x, 8);
      const summary = (words + 63) >> 6;
      for (let s = 0; s < summary; s++) {
        let m = 0n;
        for (let j = 0; j < 64 && s * 64 + j < words; j++) if (w[s * 64 + j] !== 0n) m |= 1n << BigInt(j);
        out.le(m, 8);
      }
    }
  });
  out.bytes.push(0);
  return Uint8Array.from(out.bytes);
}
