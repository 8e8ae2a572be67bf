import protobuf from 'protobufjs/minimal.js';
import { DecodeError } from '../util/errors.js';
import type { Timestamp } from '../mvcc/types.js';

/** protobufjs' reader over a Uint8Array (pure). */
export type PbReader = protobuf.Reader;
export const newReader = (bytes: Uint8Array): PbReader => protobuf.Reader.create(bytes);

/**
 * Reads a LEB128 varint as an unsigned bigint straight from the reader's buffer: protobufjs returns
 * 64-bit values as lossy numbers unless `long` is installed (style.md habit 5: exact 64-bit values).
 */
export function uint64Big(r: PbReader): bigint {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.len) throw new DecodeError('proto', 'truncated varint', undefined, r.pos);
    const b = r.buf[r.pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
  throw new DecodeError('proto', 'varint longer than 10 bytes', undefined, r.pos);
}

/** int64 (two's complement in 64 bits). */
export function int64Big(r: PbReader): bigint {
  return BigInt.asIntN(64, uint64Big(r));
}

/** Runs `field(tag, wireType)` for each field of a length-delimited sub-message; unknown fields skipped by the callback. */
export function readMessage(r: PbReader, end: number, field: (no: number, wt: number) => void): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw new DecodeError('proto', 'field number 0', undefined, r.pos);
    field(no, wt);
  }
  if (r.pos !== end) throw new DecodeError('proto', `message overruns its length by ${r.pos - end} bytes`, undefined, r.pos);
}

/** End offset of the length-delimited value at the cursor. */
export function subEnd(r: PbReader): number {
  const n = r.uint32();
  const end = r.pos + n;
  if (end > r.len) throw new DecodeError('proto', `length ${n} runs past the end`, undefined, r.pos);
  return end;
}

/** `util.hlc.Timestamp { wall_time = 1 (int64), logical = 2 (int32), synthetic = 3 (bool, old) }`. */
export function readTimestamp(r: PbReader): Timestamp {
  const end = subEnd(r);
  let wallTime = 0n;
  let logical = 0;
  readMessage(r, end, (no, wt) => {
    if (no === 1 && wt === 0) wallTime = int64Big(r);
    else if (no === 2 && wt === 0) logical = r.int32();
    else r.skipType(wt);
  });
  return { wallTime, logical };
}

/** `roachpb.Span { key = 3, end_key = 4 }` (fields 1/2 are unused historical numbers). */
export interface Span {
  readonly key: Uint8Array;
  readonly endKey: Uint8Array;
}

export function readSpan(r: PbReader): Span {
  const end = subEnd(r);
  let key: Uint8Array = new Uint8Array(0);
  let endKey: Uint8Array = new Uint8Array(0);
  readMessage(r, end, (no, wt) => {
    if ((no === 3 || no === 1) && wt === 2) key = r.bytes();
    else if ((no === 4 || no === 2) && wt === 2) endKey = r.bytes();
    else r.skipType(wt);
  });
  return { key, endKey };
}

/** `roachpb.RowCount { data_size = 1, rows = 2, index_entries = 3 }`. */
export interface RowCount {
  readonly dataSize: bigint;
  readonly rows: bigint;
  readonly indexEntries: bigint;
}

export const ZERO_ROW_COUNT: RowCount = Object.freeze({ dataSize: 0n, rows: 0n, indexEntries: 0n });

export function readRowCount(r: PbReader): RowCount {
  const end = subEnd(r);
  let dataSize = 0n;
  let rows = 0n;
  let indexEntries = 0n;
  readMessage(r, end, (no, wt) => {
    if (no === 1 && wt === 0) dataSize = int64Big(r);
    else if (no === 2 && wt === 0) rows = int64Big(r);
    else if (no === 3 && wt === 0) indexEntries = int64Big(r);
    else r.skipType(wt);
  });
  return { dataSize, rows, indexEntries };
}

/** Copies a bytes field out of the reader's buffer (protobufjs returns a view). */
export function bytesCopy(r: PbReader): Uint8Array {
  return Uint8Array.from(r.bytes());
}
