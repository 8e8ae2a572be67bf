/**
 * Datum → PostgreSQL COPY BINARY rows. Pure; no database I/O.
 *
 * Binary COPY spares both sides their costliest per-row work for common types: Node formats no
 * floats, timestamps or UUIDs as text, PostgreSQL parses none (`float8in`, `timestamp_in`,
 * `uuid_in`), and text needs no escaping. It is used only for tables whose every column has a
 * binary form listed here (`binaryKind`); any other table is loaded as COPY text.
 *
 * Exactness, per type, against the text path (`format.ts`; proven in binary.pg.test.ts by loading
 * both ways and comparing PostgreSQL's output):
 * - int2/int4/int8: two's complement, big-endian; values outside the column's width are refused
 *   (as `int4in` would refuse their text).
 * - float4/float8: IEEE bits; float4 rounds to nearest like `float4in` of the shortest digits.
 * - timestamp/timestamptz: µs since 2000-01-01 UTC, nanoseconds rounded as the text path does
 *   (halves up in time); ±infinity as INT64 max/min. Column precision is applied by PostgreSQL's
 *   receive function exactly as by its input function (`AdjustTimestampForTypmod`).
 * - date: days since 2000-01-01; ±infinity as INT32 max/min.
 * - numeric: base-10000 digits of the decimal text, display scale = its fraction digits; typmod
 *   rounding again by PostgreSQL (`apply_typmod`), as for text.
 * - text/varchar: the UTF-8 bytes CockroachDB stored; enum labels: UTF-8 bytes; jsonb: version 1
 *   + its text (parsed by PostgreSQL as for text input); bytea, uuid, bool: the bytes.
 */
import type { SqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { LoadError } from '../util/errors.js';

/** How a column is written in binary, chosen from its PostgreSQL type. */
export type BinaryKind =
  'int2' | 'int4' | 'int8' | 'float4' | 'float8' | 'bool' | 'uuid' | 'bytea' | 'text' | 'jsonb' | 'date' | 'timestamp' | 'numeric' | 'enum';

/**
 * The binary form of a column whose PostgreSQL type is `pgType` (as the converter wrote it) and
 * CockroachDB type is `type`, or undefined when it is loaded as text only.
 */
export function binaryKind(pgType: string, type: SqlType): BinaryKind | undefined {
  switch (type.family) {
    case 'int':
      return pgType === 'smallint' ? 'int2' : pgType === 'integer' ? 'int4' : pgType === 'bigint' ? 'int8' : undefined;
    case 'float':
      return pgType === 'real' ? 'float4' : pgType === 'double precision' ? 'float8' : undefined;
    case 'bool':
      return pgType === 'boolean' ? 'bool' : undefined;
    case 'uuid':
      return pgType === 'uuid' ? 'uuid' : undefined;
    case 'bytes':
      return pgType === 'bytea' ? 'bytea' : undefined;
    case 'string':
      // char(n) pads, "char" and name truncate: their receive functions differ from plain text.
      return /^(text|varchar(\(\d+\))?)$/.test(pgType) ? 'text' : undefined;
    case 'json':
      return pgType === 'jsonb' ? 'jsonb' : undefined;
    case 'date':
      return pgType === 'date' ? 'date' : undefined;
    case 'timestamp':
    case 'timestamptz':
      return /^timestamp(tz)?(\(\d\))?$/.test(pgType) ? 'timestamp' : undefined;
    case 'decimal':
      return /^numeric(\(\d+(,\d+)?\))?$/.test(pgType) ? 'numeric' : undefined;
    case 'enum':
      // A PostgreSQL enum (enum_recv) or text when the type was not defined: both take the label.
      return 'enum';
    default:
      return undefined;
  }
}

/** A value the binary writer cannot send, with the message PostgreSQL would give for its text. */
export class BinaryValueError extends Error {
  constructor(
    message: string,
    /** Index of the column in the row. */
    readonly column = -1,
  ) {
    super(message);
  }
}

const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Seconds from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_SECS = 946_684_800;
const PG_EPOCH_DAYS = 10_957;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;
const INT_RANGE: Record<'int2' | 'int4', [number, number, string]> = {
  int2: [-32768, 32767, 'smallint'],
  int4: [-2147483648, 2147483647, 'integer'],
};

/**
 * A finite timestamp as PostgreSQL stores it: microseconds since 2000-01-01 UTC, nanoseconds
 * rounded as the text path rounds them (halves up in time). A number while exact: |seconds| <
 * 2^53 for every CockroachDB timestamp, and µs since 2000 stay below 2^53 until year 2255;
 * a bigint beyond.
 */
export function pgTimestampMicros(seconds: bigint, nanos: number): number | bigint {
  const micros = Math.floor((nanos + 500) / 1000);
  const secs = Number(seconds) - PG_EPOCH_SECS;
  const us = secs * 1_000_000 + micros;
  return Number.isSafeInteger(us) ? us : BigInt(secs) * 1_000_000n + BigInt(micros);
}

/** The decoder gave a datum of another kind than the column's binary form: a bug of ours. */
function kindMismatch(kind: BinaryKind, d: Exclude<Datum, null>, column: number): never {
  throw new LoadError(`binary COPY: column ${column + 1} expects ${kind}, the decoder gave ${d.kind} (internal error)`);
}

/**
 * Writes COPY BINARY data into a growing buffer: `header()`, then `row()` per row, `trailer()`
 * at the end; `take()` hands out what was written so far.
 */
export class BinaryCopyWriter {
  private buf: Buffer;
  private pos = 0;

  /** `initialBytes`: the buffer's first size (it doubles as needed; tests start it tiny). */
  constructor(initialBytes = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(1, initialBytes));
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.pos;
  }

  header(): void {
    this.reserve(HEADER.length);
    HEADER.copy(this.buf, this.pos);
    this.pos += HEADER.length;
  }

  trailer(): void {
    this.reserve(2);
    this.pos = this.buf.writeInt16BE(-1, this.pos);
  }

  /** Everything written since the last take (a copy: the buffer is reused). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  /**
   * One row; on a value that cannot be sent (BinaryValueError, naming the column index) nothing
   * of the row stays written.
   */
  row(values: readonly Datum[], kinds: readonly BinaryKind[]): void {
    const start = this.pos;
    try {
      this.reserve(2);
      this.pos = this.buf.writeInt16BE(kinds.length, this.pos);
      for (let i = 0; i < kinds.length; i++) this.field(values[i] ?? null, kinds[i]!, i);
    } catch (e) {
      this.pos = start;
      throw e;
    }
  }

  private field(d: Datum, kind: BinaryKind, column: number): void {
    try {
      this.value(d, kind, column);
    } catch (e) {
      if (e instanceof BinaryValueError && e.column < 0) throw new BinaryValueError(e.message, column);
      throw e;
    }
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private fixed(n: number): number {
    this.reserve(4 + n);
    const at = this.buf.writeInt32BE(n, this.pos);
    this.pos = at + n;
    return at;
  }

  private utf8(s: string, prefix?: number): void {
    // At most 3 bytes per UTF-16 code unit.
    this.reserve(5 + s.length * 3);
    const lenAt = this.pos;
    let at = lenAt + 4;
    if (prefix !== undefined) this.buf[at++] = prefix;
    const n = this.buf.write(s, at, 'utf8');
    this.buf.writeInt32BE(at + n - lenAt - 4, lenAt);
    this.pos = at + n;
  }

  private bytes(b: Uint8Array): void {
    const at = this.fixed(b.length);
    this.buf.set(b, at);
  }

  // Each fixed-width field takes its offset first and only then reads `this.buf`: `fixed` may
  // replace the buffer with a bigger one, and `this.buf.writeX(v, this.fixed(n))` would write
  // into the old one (JavaScript reads `this.buf` before evaluating the arguments) — a RangeError
  // past its end, or for a single byte a silently lost write.
  private int64(v: bigint): void {
    const at = this.fixed(8);
    this.buf.writeBigInt64BE(v, at);
  }

  private int32(v: number): void {
    const at = this.fixed(4);
    this.buf.writeInt32BE(v, at);
  }

  private int16(v: number): void {
    const at = this.fixed(2);
    this.buf.writeInt16BE(v, at);
  }

  private float32(v: number): void {
    const at = this.fixed(4);
    this.buf.writeFloatBE(v, at);
  }

  private float64(v: number): void {
    const at = this.fixed(8);
    this.buf.writeDoubleBE(v, at);
  }

  private byte(v: number): void {
    const at = this.fixed(1);
    this.buf[at] = v;
  }

  private value(d: Datum, kind: BinaryKind, column: number): void {
    if (d === null) {
      this.reserve(4);
      this.pos = this.buf.writeInt32BE(-1, this.pos);
      return;
    }
    switch (kind) {
      case 'int2':
      case 'int4': {
        if (d.kind !== 'int') return kindMismatch(kind, d, column);
        const [lo, hi, name] = INT_RANGE[kind];
        if (d.value < BigInt(lo) || d.value > BigInt(hi)) throw new BinaryValueError(`value "${d.value}" is out of range for type ${name}`);
        if (kind === 'int2') this.int16(Number(d.value));
        else this.int32(Number(d.value));
        return;
      }
      case 'int8':
        if (d.kind !== 'int') return kindMismatch(kind, d, column);
        if (d.value < INT64_MIN || d.value > INT64_MAX) throw new BinaryValueError(`value "${d.value}" is out of range for type bigint`);
        return this.int64(d.value);
      case 'float4':
        if (d.kind !== 'float') return kindMismatch(kind, d, column);
        this.float32(d.value);
        return;
      case 'float8':
        if (d.kind !== 'float') return kindMismatch(kind, d, column);
        this.float64(d.value);
        return;
      case 'bool':
        if (d.kind !== 'bool') return kindMismatch(kind, d, column);
        this.byte(d.value ? 1 : 0);
        return;
      case 'uuid':
        if (d.kind !== 'uuid') return kindMismatch(kind, d, column);
        if (d.value.length !== 16) throw new BinaryValueError(`invalid input syntax for type uuid (${d.value.length} bytes)`);
        return this.bytes(d.value);
      case 'bytea':
        if (d.kind !== 'bytes') return kindMismatch(kind, d, column);
        return this.bytes(d.value);
      case 'text':
        if (d.kind !== 'string') return kindMismatch(kind, d, column);
        if (d.invalidUtf8) throw new BinaryValueError('text value is not valid UTF-8, which PostgreSQL cannot store', column);
        // The bytes CockroachDB stored (valid UTF-8, the decoded text's own encoding): copied, not
        // encoded again from the string.
        return d.raw !== undefined ? this.bytes(d.raw) : this.utf8(d.value);
      case 'enum':
        if (d.kind !== 'enum') return kindMismatch(kind, d, column);
        return this.utf8(d.label);
      case 'jsonb':
        if (d.kind !== 'json') return kindMismatch(kind, d, column);
        if (d.invalidUtf8) throw new BinaryValueError('jsonb value is not valid UTF-8, which PostgreSQL cannot store', column);
        return this.utf8(d.text, 1);
      case 'date': {
        if (d.kind !== 'date') return kindMismatch(kind, d, column);
        let days: number;
        if (d.infinity === 1) days = 0x7fffffff;
        else if (d.infinity === -1) days = -0x80000000;
        else {
          days = Number(d.days) - PG_EPOCH_DAYS;
          // date_recv refuses what date_in would: beyond 5874897 AD or before 4714-11-24 BC.
          if (!(days > -0x80000000 && days < 0x7fffffff)) throw new BinaryValueError('date out of range');
        }
        this.int32(days);
        return;
      }
      case 'timestamp': {
        if (d.kind !== 'timestamp' && d.kind !== 'timestamptz') return kindMismatch(kind, d, column);
        if (d.infinity !== undefined) return this.int64(d.infinity === 1 ? INT64_MAX : INT64_MIN);
        const us = pgTimestampMicros(d.seconds, d.nanos);
        if (typeof us === 'number') {
          const at = this.fixed(8);
          const hi = Math.floor(us / 0x1_0000_0000);
          this.buf.writeInt32BE(hi, at);
          this.buf.writeUInt32BE(us - hi * 0x1_0000_0000, at + 4);
        } else {
          // Beyond int64 cannot even be sent; PostgreSQL refuses the rest of its out-of-range
          // values itself (timestamp_recv), with the same message as for text.
          if (us > INT64_MAX || us < INT64_MIN) throw new BinaryValueError('timestamp out of range');
          this.int64(us);
        }
        return;
      }
      case 'numeric':
        if (d.kind !== 'decimal') return kindMismatch(kind, d, column);
        return this.numeric(d.value);
    }
  }

  /** numeric_send layout: ndigits, weight, sign, dscale (int16 each), then base-10000 digits. */
  private numeric(text: string): void {
    let sign: number;
    let digits: number[] = [];
    let weight = 0;
    let dscale = 0;
    if (text === 'NaN') sign = 0xc000;
    else if (text === 'Infinity') sign = 0xd000;
    else if (text === '-Infinity') sign = 0xf000;
    else {
      const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
      if (!m) throw new BinaryValueError(`invalid input syntax for type numeric: "${text}"`);
      sign = m[1] ? 0x4000 : 0;
      const int = m[2]!;
      const frac = m[3] ?? '';
      dscale = frac.length;
      const intPadded = '0'.repeat((4 - (int.length % 4)) % 4) + int;
      const fracPadded = frac + '0'.repeat((4 - (frac.length % 4)) % 4);
      const all = intPadded + fracPadded;
      for (let i = 0; i < all.length; i += 4) digits.push(Number(all.slice(i, i + 4)));
      weight = intPadded.length / 4 - 1;
      let first = 0;
      while (first < digits.length && digits[first] === 0) first++;
      let last = digits.length;
      while (last > first && digits[last - 1] === 0) last--;
      weight -= first;
      digits = digits.slice(first, last);
      if (digits.length === 0) {
        weight = 0;
        sign = 0;
      }
      if (dscale > 0x3fff || weight > 0x7fff || weight < -0x8000) throw new BinaryValueError('value overflows numeric format');
    }
    const at = this.fixed(8 + 2 * digits.length);
    this.buf.writeInt16BE(digits.length, at);
    this.buf.writeInt16BE(weight, at + 2);
    this.buf.writeUInt16BE(sign, at + 4);
    this.buf.writeInt16BE(dscale, at + 6);
    for (let i = 0; i < digits.length; i++) this.buf.writeInt16BE(digits[i]!, at + 8 + 2 * i);
  }
}
