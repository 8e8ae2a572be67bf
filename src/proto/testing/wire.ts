/**
 * Test helper: hand-built protobuf bytes (field by field, independent of the schema under test),
 * so decoder tests exercise the wire format rather than round-tripping our own schema. The one
 * protobuf writer of the tests (descriptor tests, fixture backups).
 */

/** Appends protobuf fields: varints (wire type 0) and length-delimited bytes (wire type 2). */
export class PbWriter {
  private parts: number[] = [];
  /** Base-128 varint; negative numbers as their 64-bit two's complement (int64). */
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.parts.push(b);
    } while (x > 0n);
    return this;
  }
  tag(no: number, wt: number): this {
    return this.varint((no << 3) | wt);
  }
  /** A varint field; zero is omitted (proto3 default) unless `keepZero`. */
  uint(no: number, v: number | bigint, keepZero = false): this {
    if (!keepZero && BigInt(v) === 0n) return this;
    return this.tag(no, 0).varint(v);
  }
  bool(no: number, v: boolean): this {
    return v ? this.tag(no, 0).varint(1) : this;
  }
  /** A bytes field; empty is omitted unless `keepEmpty`. */
  bytes(no: number, b: Uint8Array, keepEmpty = false): this {
    if (!keepEmpty && b.length === 0) return this;
    this.tag(no, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  string(no: number, s: string, keepEmpty = false): this {
    return this.bytes(no, new TextEncoder().encode(s), keepEmpty);
  }
  message(no: number, w: PbWriter | Uint8Array, keepEmpty = false): this {
    return this.bytes(no, w instanceof PbWriter ? w.finish() : w, keepEmpty);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export type Field = readonly [field: number, value: number | bigint | boolean | string | Uint8Array | readonly Field[]];

/**
 * Encodes fields in order, every one written (zeros and empties too): numbers/bigints/booleans as
 * varints, strings/bytes/nested messages length-delimited.
 */
export function message(fields: readonly Field[]): Uint8Array {
  const w = new PbWriter();
  for (const [n, v] of fields) {
    if (typeof v === 'number' || typeof v === 'boolean') w.uint(n, Number(v), true);
    else if (typeof v === 'bigint') w.uint(n, v, true);
    else if (typeof v === 'string') w.string(n, v, true);
    else if (v instanceof Uint8Array) w.bytes(n, v, true);
    else w.message(n, message(v), true);
  }
  return w.finish();
}
