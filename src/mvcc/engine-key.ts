import { DecodeError } from '../util/errors.js';
import type { Timestamp } from './types.js';

/**
 * Engine keys (docs/formats.md §4.7; crdb `pkg/storage/engine_key.go`, `mvcc_key.go`):
 *   roachKey ‖ 0x00 ‖ version ‖ len(version)+1      or, unversioned, roachKey ‖ 0x00
 * Version by length: 8 = wall time, 12 = wall + logical, 13 = wall + logical + synthetic flag
 * (pre-23.x; ignored), 17 = lock-table version (strength byte + 16-byte txn UUID). All big-endian.
 */
export type EngineKeyVersion =
  | { readonly kind: 'none' }
  | { readonly kind: 'mvcc'; readonly timestamp: Timestamp }
  | { readonly kind: 'lock'; readonly strength: number; readonly txnID: Uint8Array };

export interface EngineKey {
  /** The roach key (a view into the input). */
  readonly key: Uint8Array;
  readonly version: EngineKeyVersion;
}

const NONE: EngineKeyVersion = Object.freeze({ kind: 'none' });

/** Splits an engine key into roach key and version. Throws a DecodeError (layer 'key') on malformed keys. */
export function decodeEngineKey(k: Uint8Array, offset?: number): EngineKey {
  if (k.length === 0) throw new DecodeError('key', 'empty engine key', undefined, offset);
  const versionLen = k[k.length - 1]!;
  if (versionLen === 0) return { key: k.subarray(0, k.length - 1), version: NONE };
  // versionLen counts the version bytes plus the length byte itself.
  const sentinelAt = k.length - 1 - versionLen;
  if (sentinelAt < 0 || k[sentinelAt] !== 0) {
    throw new DecodeError(
      'key',
      `engine key of ${k.length} bytes has no 0x00 sentinel before its ${versionLen - 1}-byte version`,
      undefined,
      offset,
    );
  }
  const key = k.subarray(0, sentinelAt);
  const v = k.subarray(sentinelAt + 1, k.length - 1);
  return { key, version: decodeVersion(v, offset) };
}

function decodeVersion(v: Uint8Array, offset?: number): EngineKeyVersion {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  switch (v.length) {
    case 8:
      return { kind: 'mvcc', timestamp: { wallTime: dv.getBigUint64(0, false), logical: 0 } };
    case 12:
    case 13:
      return { kind: 'mvcc', timestamp: { wallTime: dv.getBigUint64(0, false), logical: dv.getUint32(8, false) } };
    case 17:
      return { kind: 'lock', strength: v[0]!, txnID: v.subarray(1) };
    default:
      throw new DecodeError('key', `engine key version of unsupported length ${v.length}`, undefined, offset);
  }
}

/**
 * Decodes an MVCC timestamp suffix as used by range keys (`EncodeMVCCTimestampSuffix`): the
 * version bytes plus the trailing length byte, without the 0x00 sentinel. Empty → undefined.
 */
export function decodeMVCCTimestampSuffix(suffix: Uint8Array, offset?: number): Timestamp | undefined {
  if (suffix.length === 0) return undefined;
  const len = suffix[suffix.length - 1]!;
  if (len !== suffix.length) {
    throw new DecodeError('key', `MVCC timestamp suffix of ${suffix.length} bytes ends in length byte ${len}`, undefined, offset);
  }
  const v = decodeVersion(suffix.subarray(0, suffix.length - 1), offset);
  if (v.kind !== 'mvcc') throw new DecodeError('key', 'range key suffix is not an MVCC timestamp', undefined, offset);
  return v.timestamp;
}

/** Engine key for a roach key with no version (`key ‖ 0x00`): scan bounds and range-key bounds. */
export function encodeEngineKeyPrefix(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.wallTime !== b.wallTime) return a.wallTime < b.wallTime ? -1 : 1;
  return a.logical - b.logical;
}
