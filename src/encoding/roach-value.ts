/**
 * `roachpb.Value` bytes and the legacy single-column value encodings (docs/formats.md §5.2, §5.5;
 * `crdb: pkg/roachpb/data.go` `Value.Get*`, `computeChecksum`; `pkg/sql/rowenc/valueside/legacy.go`
 * `UnmarshalLegacy`). Legacy values appear in single-column families, sequences, system tables
 * and v1.x/v2.x tables, and differ from tuple members for several types (timestamps, intervals
 * and TIMETZ are key-style; BYTES/DECIMAL have no length prefix).
 */
import { crc32 } from '@node-rs/crc32';
import type { SqlType } from '../model/sql-type.js';
import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import type { Datum } from './datum.js';
import { dateDatum, enumDatum, jsonDatum, stringDatum } from './datum-build.js';
import { decodeNonsortingDecimal } from './decimal.js';
import { readFloat64BE } from './ordered.js';
import {
  decodeBitArrayValue,
  decodeDurationKey,
  decodeIPAddr,
  decodeSpatialObject,
  decodeTimeKey,
  decodeTimeTZKey,
  decodeZigzag,
} from './primitives.js';
import { decodeArrayBody, decodeBox2D } from './value-decode.js';

/** `roachpb.ValueType`. */
export const RoachValueType = {
  UNKNOWN: 0,
  INT: 1,
  FLOAT: 2,
  BYTES: 3,
  TIME: 4,
  DECIMAL: 5,
  DURATION: 6,
  DELIMITED_BYTES: 8,
  DELIMITED_DECIMAL: 9,
  TUPLE: 10,
  BITARRAY: 11,
  TIMETZ: 12,
  GEO: 13,
  BOX2D: 14,
  TIMESERIES: 100,
  MVCC_EXTENDED_ENCODING_SENTINEL: 101,
} as const;

const TAG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RoachValueType).map(([k, v]) => [v, k]));

export interface RoachValue {
  /** Stored CRC (0 = not set). */
  readonly checksum: number;
  readonly tag: number;
  readonly payload: Uint8Array;
}

/** Splits `checksum (4 B BE) ‖ tag (1 B) ‖ payload`. Empty bytes (a tombstone) are rejected: check first. */
export function decodeRoachValue(bytes: Uint8Array, base = 0): RoachValue {
  const r = new ByteReader(bytes, 'value', base);
  const checksum = r.u32be();
  const tag = r.u8();
  return { checksum, tag, payload: bytes.subarray(5) };
}

/** `Value.computeChecksum`: CRC-32 IEEE over key ‖ bytes[4:], with 0 folded to 1. */
export function computeValueChecksum(roachKey: Uint8Array, valueBytes: Uint8Array): number {
  if (valueBytes.length < 5) return 0;
  let c = crc32(roachKey);
  c = crc32(valueBytes.subarray(4), c) >>> 0;
  return c === 0 ? 1 : c;
}

/** True when the stored checksum is unset (0) or matches (`Value.Verify`). */
export function verifyValueChecksum(roachKey: Uint8Array, valueBytes: Uint8Array): boolean {
  if (valueBytes.length < 5) return valueBytes.length === 0;
  const stored = ((valueBytes[0]! << 24) | (valueBytes[1]! << 16) | (valueBytes[2]! << 8) | valueBytes[3]!) >>> 0;
  return stored === 0 || stored === computeValueChecksum(roachKey, valueBytes);
}

/** Name of a roachpb.ValueType for messages. */
export function roachValueTypeName(tag: number): string {
  return TAG_NAMES[tag] ?? `ValueType(${tag})`;
}

/**
 * Decodes a bare legacy value (full `roachpb.Value` bytes) as `type` (`UnmarshalLegacy`).
 * Empty bytes ⇒ NULL. A tag that does not fit the column type throws, naming both.
 */
export function decodeLegacyValue(valueBytes: Uint8Array, type: SqlType, base = 0): Datum {
  if (valueBytes.length === 0) return null;
  const v = decodeRoachValue(valueBytes, base);
  const r = new ByteReader(valueBytes, 'value', base, 5);
  const expect = (tag: number): void => {
    if (v.tag !== tag) {
      throw new DecodeError(
        'value',
        `legacy ${type.family} value has tag ${roachValueTypeName(v.tag)}, expected ${roachValueTypeName(tag)}`,
        undefined,
        base + 4,
      );
    }
  };
  const rest = (): Uint8Array => r.bytesN(r.remaining);
  let d: Datum;
  switch (type.family) {
    case 'bit':
      expect(RoachValueType.BITARRAY);
      d = { kind: 'bit', bits: decodeBitArrayValue(r) };
      break;
    case 'bool': {
      expect(RoachValueType.INT);
      const i = decodeZigzag(r);
      if (i !== 0n && i !== 1n) r.fail(`invalid legacy bool ${i}`, 5);
      d = { kind: 'bool', value: i === 1n };
      break;
    }
    case 'int':
    case 'oid':
    case 'pglsn':
      expect(RoachValueType.INT);
      d = { kind: 'int', value: decodeZigzag(r) };
      break;
    case 'date':
      expect(RoachValueType.INT);
      d = dateDatum(decodeZigzag(r));
      break;
    case 'time':
      expect(RoachValueType.INT);
      d = { kind: 'time', micros: decodeZigzag(r) };
      break;
    case 'float':
      expect(RoachValueType.FLOAT);
      d = { kind: 'float', value: readFloat64BE(r) };
      break;
    case 'decimal':
      expect(RoachValueType.DECIMAL);
      d = { kind: 'decimal', value: decodeNonsortingDecimal(r, r.remaining) };
      break;
    case 'string':
    case 'collatedstring':
    case 'refcursor':
      expect(RoachValueType.BYTES);
      d = stringDatum(rest());
      break;
    case 'bytes':
      expect(RoachValueType.BYTES);
      d = { kind: 'bytes', value: rest() };
      break;
    case 'uuid':
      expect(RoachValueType.BYTES);
      d = { kind: 'uuid', value: r.bytesN(16, 'uuid') };
      break;
    case 'inet':
      expect(RoachValueType.BYTES);
      d = { kind: 'inet', ...decodeIPAddr(r) };
      break;
    case 'json':
      expect(RoachValueType.BYTES);
      d = jsonDatum(rest(), base + 5);
      break;
    case 'array':
      expect(RoachValueType.BYTES);
      d = decodeArrayBody(r, type);
      break;
    case 'enum': {
      expect(RoachValueType.BYTES);
      d = enumDatum(r, type, rest(), 5);
      break;
    }
    case 'box2d':
      expect(RoachValueType.BOX2D);
      d = decodeBox2D(r);
      break;
    case 'geometry':
    case 'geography': {
      expect(RoachValueType.GEO);
      const so = decodeSpatialObject(r, r.remaining);
      d = { kind: 'geo', ewkb: so.ewkb, srid: so.srid, geography: type.family === 'geography' };
      break;
    }
    case 'timetz':
      expect(RoachValueType.TIMETZ);
      d = { kind: 'timetz', ...decodeTimeTZKey(r, false) };
      break;
    case 'timestamp':
    case 'timestamptz':
      expect(RoachValueType.TIME);
      d = { kind: type.family, ...decodeTimeKey(r, false) };
      break;
    case 'interval':
      expect(RoachValueType.DURATION);
      d = { kind: 'interval', ...decodeDurationKey(r, false) };
      break;
    default:
      throw new DecodeError('value', `legacy values of type family ${type.family} are not supported`, undefined, base);
  }
  if (!r.done) r.fail(`${r.remaining} trailing bytes after legacy ${type.family} value`);
  return d;
}
