import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import { decodeTimestampProto, skipField } from './mvcc-value.js';
import type { Timestamp } from './types.js';

/**
 * `enginepb.MVCCMetadata` (crdb `pkg/storage/enginepb/mvcc.proto`): the value of an unversioned
 * engine key. With `txn` set it describes an intent (the provisional version lives at
 * `timestamp`); with `raw_bytes` and a zero timestamp it is an inline (unversioned) value.
 * Fields: txn = 1, timestamp = 2, deleted = 3, raw_bytes = 6.
 */
export interface MVCCMetadata {
  readonly hasTxn: boolean;
  readonly timestamp: Timestamp;
  readonly deleted: boolean;
  readonly rawBytes?: Uint8Array;
}

export function decodeMVCCMetadata(b: Uint8Array, offset = 0): MVCCMetadata {
  const r = new ByteReader(b, 'mvcc', offset);
  let hasTxn = false;
  let timestamp: Timestamp = { wallTime: 0n, logical: 0 };
  let deleted = false;
  let rawBytes: Uint8Array | undefined;
  while (!r.done) {
    const key = r.uvarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      r.bytesN(r.uvarint(), 'txn');
      hasTxn = true;
    } else if (field === 2 && wire === 2) timestamp = decodeTimestampProto(r.bytesN(r.uvarint(), 'timestamp'), offset + r.pos);
    else if (field === 3 && wire === 0) deleted = r.uvarint() !== 0;
    else if (field === 6 && wire === 2) rawBytes = r.bytesN(r.uvarint(), 'raw bytes');
    else skipField(r, wire);
  }
  return { hasTxn, timestamp, deleted, ...(rawBytes ? { rawBytes } : {}) };
}

/** `keys.LocalRangeLockTablePrefix` + `LockTableSingleKeyInfix`: "\x01zk". */
export const LOCK_TABLE_SINGLE_PREFIX = Uint8Array.of(0x01, 0x7a, 0x6b);

/**
 * Decodes the user key of a lock-table roach key: prefix "\x01zk" then the key in
 * `EncodeBytesAscending` form (marker 0x12, 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01).
 */
export function decodeLockTableKey(roachKey: Uint8Array): Uint8Array {
  const p = LOCK_TABLE_SINGLE_PREFIX;
  if (roachKey.length < p.length + 3 || roachKey[0] !== p[0] || roachKey[1] !== p[1] || roachKey[2] !== p[2]) {
    throw new DecodeError('key', 'not a lock-table key');
  }
  if (roachKey[3] !== 0x12) throw new DecodeError('key', `lock-table key has bytes marker 0x${roachKey[3]!.toString(16)}, expected 0x12`);
  const out: number[] = [];
  for (let i = 4; i < roachKey.length; i++) {
    const c = roachKey[i]!;
    if (c !== 0x00) {
      out.push(c);
      continue;
    }
    const n = roachKey[i + 1];
    if (n === 0x01) return Uint8Array.from(out);
    if (n === 0xff) {
      out.push(0);
      i++;
      continue;
    }
    break;
  }
  throw new DecodeError('key', 'lock-table key has a malformed bytes encoding');
}
