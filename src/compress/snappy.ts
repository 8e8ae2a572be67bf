import { DecodeError } from '../util/errors.js';
import { maxSnappyOutput } from './limits.js';

/**
 * Raw (unframed) Snappy block decoder — the format of Snappy-compressed SSTable blocks
 * (compression indicator 1, docs/formats.md §6.3). Layout: LEB128 uncompressed length, then
 * elements tagged by their low 2 bits: 00 literal, 01 copy with 1-byte offset, 10 copy with
 * 2-byte LE offset, 11 copy with 4-byte LE offset.
 *
 * Written here rather than taken from snappyjs because it is the hot path of every scan: long
 * literals use `TypedArray.set`, non-overlapping copies use `copyWithin`, and only overlapping
 * (run-length) copies go byte by byte. Offsets in errors are relative to `data[0]`.
 *
 * The declared length is checked against what `data` can possibly produce ({@link maxSnappyOutput})
 * before the output is allocated: a few bytes declaring a gigabyte are refused at once.
 */
export function decodeSnappy(data: Uint8Array, maxLength = maxSnappyOutput(data.length)): Uint8Array {
  const n = data.length;
  let pos = 0;
  let length = 0;
  let shift = 0;
  for (;;) {
    if (pos >= n || shift > 28) throw snappyError('bad uncompressed-length varint', pos);
    const b = data[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (length > maxLength) {
    throw snappyError(
      `declared uncompressed length ${length} exceeds the limit ${maxLength} (the most ${n} compressed bytes can produce, at most 256 MiB)`,
      0,
    );
  }
  const out = new Uint8Array(length);
  let op = 0;
  while (pos < n) {
    const tag = data[pos++]!;
    const type = tag & 3;
    if (type === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > n) throw snappyError('truncated literal length', pos);
        len = 0;
        for (let i = 0; i < extra; i++) len += data[pos + i]! * 2 ** (8 * i);
        len += 1;
        pos += extra;
      }
      if (pos + len > n) throw snappyError('literal runs past the input', pos);
      if (op + len > length) throw snappyError('literal runs past the declared length', pos);
      // Below 64 bytes a loop beats `set`, whose source view is an allocation per literal.
      if (len < 64) {
        for (let i = 0; i < len; i++) out[op + i] = data[pos + i]!;
      } else {
        out.set(data.subarray(pos, pos + len), op);
      }
      pos += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (pos >= n) throw snappyError('truncated copy', pos);
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | data[pos++]!;
    } else if (type === 2) {
      if (pos + 2 > n) throw snappyError('truncated copy', pos);
      len = (tag >>> 2) + 1;
      offset = data[pos]! | (data[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > n) throw snappyError('truncated copy', pos);
      len = (tag >>> 2) + 1;
      offset = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16)) + data[pos + 3]! * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > op) throw snappyError(`copy offset ${offset} out of range`, pos);
    if (op + len > length) throw snappyError('copy runs past the declared length', pos);
    let src = op - offset;
    if (offset >= len && len >= 16) {
      out.copyWithin(op, src, src + len);
      op += len;
    } else {
      const end = op + len;
      while (op < end) out[op++] = out[src++]!;
    }
  }
  if (op !== length) throw snappyError(`decoded ${op} bytes, header says ${length}`, pos);
  return out;
}

function snappyError(detail: string, offset: number): DecodeError {
  return new DecodeError('compression', `snappy: ${detail}`, undefined, offset);
}
