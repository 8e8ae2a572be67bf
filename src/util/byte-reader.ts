import { DecodeError, type DecodeLayer } from './errors.js';

/**
 * A bounds-checked cursor over a byte array. Every read checks the remaining length and throws a
 * DecodeError naming the layer and absolute offset (`base` + position) instead of reading garbage.
 * Little-endian readers are for Pebble/LevelDB container structures; big-endian for CockroachDB
 * encodings (docs/formats.md §0).
 */
export class ByteReader {
  pos: number;
  private dataView: DataView | undefined;

  constructor(
    readonly bytes: Uint8Array,
    readonly layer: DecodeLayer,
    /** Absolute offset of bytes[0] within the file, for error messages. */
    readonly base = 0,
    start = 0,
  ) {
    this.pos = start;
  }

  /** DataView over `bytes`, created on first use (most short-lived readers never need one). */
  get view(): DataView {
    return (this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  fail(detail: string, at = this.pos): never {
    throw new DecodeError(this.layer, detail, undefined, this.base + at);
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`truncated ${what}: need ${n} bytes, ${this.remaining} left`);
    }
  }

  u8(): number {
    this.need(1, 'byte');
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    this.need(1, 'byte');
    return this.bytes[this.pos]!;
  }

  bytesN(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u16le(): number {
    this.need(2, 'uint16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32le(): number {
    this.need(4, 'uint32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64le(): bigint {
    this.need(8, 'uint64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u32be(): number {
    this.need(4, 'uint32');
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  u64be(): bigint {
    this.need(8, 'uint64');
    const v = this.view.getBigUint64(this.pos, false);
    this.pos += 8;
    return v;
  }

  /** LEB128 unsigned varint (Go `binary.Uvarint`, protobuf, Pebble handles) as a bigint. */
  uvarintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail('uvarint longer than 10 bytes');
  }

  /** LEB128 unsigned varint that must fit a safe JS number (lengths, offsets, counts). */
  uvarint(): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail('uvarint exceeds 2^53', start);
        return result;
      }
      mul *= 128;
    }
    this.pos = start;
    const big = this.uvarintBig();
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('uvarint exceeds 2^53', start);
    return Number(big);
  }

  /** Zigzag LEB128 signed varint (Go `binary.Varint`) as a bigint. */
  varintBig(): bigint {
    const u = this.uvarintBig();
    return u & 1n ? -((u >> 1n) + 1n) : u >> 1n;
  }
}

/** Converts a bigint to a number, refusing values that would lose precision. */
export function toSafeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${v} does not fit a JavaScript number`);
  }
  return Number(v);
}
