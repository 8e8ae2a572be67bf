import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import type { Timestamp } from './types.js';

/**
 * MVCCValue (docs/formats.md §5.1; crdb `pkg/storage/mvcc_value.go`):
 *   simple:   roachpb.Value bytes (checksum(4) ‖ tag(1) ‖ payload), or empty = tombstone
 *   extended: headerLen (4 B BE) ‖ 0x65 ‖ MVCCValueHeader proto (headerLen B) ‖ roachpb.Value bytes
 * A tombstone is an empty roachpb.Value (with or without header).
 */
export const MVCC_EXTENDED_ENCODING_SENTINEL = 0x65;
const TAG_POS = 4;
const EXTENDED_PRELUDE = 5;

/** `enginepb.MVCCValueHeader`, the fields this tool reads. */
export interface MVCCValueHeader {
  readonly localTimestamp?: Timestamp;
  readonly omitInRangefeeds?: boolean;
  readonly importEpoch?: number;
  readonly originID?: number;
  /** The undecoded header proto. */
  readonly raw: Uint8Array;
}

export interface MVCCValue {
  readonly header?: MVCCValueHeader;
  /** roachpb.Value bytes; empty for a tombstone. A view into the input. */
  readonly value: Uint8Array;
  readonly isTombstone: boolean;
}

/** Decodes an MVCCValue. `offset` is only used in error messages. */
export function decodeMVCCValue(buf: Uint8Array, offset?: number): MVCCValue {
  if (buf.length === 0) return { value: buf, isTombstone: true };
  if (buf.length <= TAG_POS) throw new DecodeError('value', `MVCC value of ${buf.length} bytes has no tag byte`, undefined, offset);
  if (buf[TAG_POS] !== MVCC_EXTENDED_ENCODING_SENTINEL) return { value: buf, isTombstone: false };
  const headerLen = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, false);
  const headerEnd = EXTENDED_PRELUDE + headerLen;
  if (buf.length < headerEnd) {
    throw new DecodeError(
      'value',
      `extended MVCC value header of ${headerLen} bytes exceeds the ${buf.length}-byte value`,
      undefined,
      offset,
    );
  }
  const value = buf.subarray(headerEnd);
  return {
    header: decodeMVCCValueHeader(buf.subarray(EXTENDED_PRELUDE, headerEnd), (offset ?? 0) + EXTENDED_PRELUDE),
    value,
    isTombstone: value.length === 0,
  };
}

/** Like `EncodedMVCCValueIsTombstone`: no header decoding. */
export function mvccValueIsTombstone(buf: Uint8Array): boolean {
  if (buf.length === 0) return true;
  if (buf.length <= TAG_POS || buf[TAG_POS] !== MVCC_EXTENDED_ENCODING_SENTINEL) return false;
  const headerLen = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, false);
  return buf.length === EXTENDED_PRELUDE + headerLen;
}

/** Decodes the header proto: local_timestamp = 1, omit_in_rangefeeds = 3, import_epoch = 4, origin_id = 5. */
export function decodeMVCCValueHeader(raw: Uint8Array, base = 0): MVCCValueHeader {
  const r = new ByteReader(raw, 'value', base);
  let localTimestamp: Timestamp | undefined;
  let omitInRangefeeds: boolean | undefined;
  let importEpoch: number | undefined;
  let originID: number | undefined;
  while (!r.done) {
    const key = r.uvarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) localTimestamp = decodeTimestampProto(r.bytesN(r.uvarint(), 'local timestamp'), base + r.pos);
    else if (field === 3 && wire === 0) omitInRangefeeds = r.uvarint() !== 0;
    else if (field === 4 && wire === 0) importEpoch = r.uvarint();
    else if (field === 5 && wire === 0) originID = r.uvarint();
    else skipField(r, wire);
  }
  return {
    raw,
    ...(localTimestamp ? { localTimestamp } : {}),
    ...(omitInRangefeeds !== undefined ? { omitInRangefeeds } : {}),
    ...(importEpoch !== undefined ? { importEpoch } : {}),
    ...(originID !== undefined ? { originID } : {}),
  };
}

/** `hlc.Timestamp` / `LegacyTimestamp` proto: wall_time = 1 (int64), logical = 2 (int32). */
export function decodeTimestampProto(b: Uint8Array, base = 0): Timestamp {
  const r = new ByteReader(b, 'value', base);
  let wallTime = 0n;
  let logical = 0;
  while (!r.done) {
    const key = r.uvarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 0) wallTime = BigInt.asIntN(64, r.uvarintBig());
    else if (field === 2 && wire === 0) logical = Number(BigInt.asIntN(32, r.uvarintBig()));
    else skipField(r, wire);
  }
  return { wallTime, logical };
}

export function skipField(r: ByteReader, wire: number): void {
  switch (wire) {
    case 0:
      r.uvarintBig();
      return;
    case 1:
      r.bytesN(8, 'fixed64');
      return;
    case 2:
      r.bytesN(r.uvarint(), 'length-delimited field');
      return;
    case 5:
      r.bytesN(4, 'fixed32');
      return;
    default:
      r.fail(`unsupported protobuf wire type ${wire}`);
  }
}
