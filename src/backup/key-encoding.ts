import { DecodeError } from '../util/errors.js';

/**
 * The few CockroachDB ordered key encodings the backup layer needs (docs/formats.md §0, §4.2;
 * `crdb: pkg/util/encoding/encoding.go`): ordered uvarint, and ordered bytes/strings
 * (marker 0x12, 0x00 escaped as 0x00 0xFF, terminator 0x00 0x01). Pure.
 */
const INT_ZERO = 0x88;
const INT_SMALL = 109;
const INT_MAX = 0xfd;
const BYTES_MARKER = 0x12;

export function encodeUvarintAscending(v: bigint | number): Uint8Array {
  const x = BigInt(v);
  if (x <= BigInt(INT_SMALL)) return Uint8Array.of(INT_ZERO + Number(x));
  const bytes: number[] = [];
  let y = x;
  while (y > 0n) {
    bytes.unshift(Number(y & 0xffn));
    y >>= 8n;
  }
  return Uint8Array.of(INT_MAX - 8 + bytes.length, ...bytes);
}

/** Decodes an ordered uvarint at `at`; returns the value and the offset after it. */
export function decodeUvarintAscending(b: Uint8Array, at = 0): { value: bigint; next: number } {
  const m = b[at];
  if (m === undefined) throw new DecodeError('key', 'truncated ordered uvarint', undefined, at);
  if (m >= INT_ZERO && m <= INT_ZERO + INT_SMALL) return { value: BigInt(m - INT_ZERO), next: at + 1 };
  const n = m - (INT_MAX - 8);
  if (m < INT_ZERO || n < 1 || n > 8) throw new DecodeError('key', `invalid ordered uvarint marker 0x${m.toString(16)}`, undefined, at);
  if (at + 1 + n > b.length) throw new DecodeError('key', 'truncated ordered uvarint', undefined, at);
  let v = 0n;
  for (let i = 1; i <= n; i++) v = (v << 8n) | BigInt(b[at + i]!);
  return { value: v, next: at + 1 + n };
}

export function encodeBytesAscending(data: Uint8Array): Uint8Array {
  const out: number[] = [BYTES_MARKER];
  for (const x of data) {
    if (x === 0) out.push(0, 0xff);
    else out.push(x);
  }
  out.push(0, 1);
  return Uint8Array.from(out);
}

/** Decodes ordered bytes at `at`; returns the bytes and the offset after the terminator. */
export function decodeBytesAscending(b: Uint8Array, at = 0): { value: Uint8Array; next: number } {
  if (b[at] !== BYTES_MARKER) throw new DecodeError('key', 'missing ordered-bytes marker 0x12', undefined, at);
  const out: number[] = [];
  for (let i = at + 1; i < b.length; i++) {
    const x = b[i]!;
    if (x !== 0) {
      out.push(x);
      continue;
    }
    const y = b[i + 1];
    if (y === 1) return { value: Uint8Array.from(out), next: i + 2 };
    if (y === 0xff) {
      out.push(0);
      i++;
      continue;
    }
    throw new DecodeError('key', 'invalid escape in ordered bytes', undefined, i);
  }
  throw new DecodeError('key', 'unterminated ordered bytes', undefined, at);
}

/**
 * Length of the prefix a key-prefix-eliding backup removed from data keys (docs/formats.md §1.8):
 * the tenant prefix (`0xFE` + ordered uvarint tenant ID) and, for TenantAndTable, the table ID.
 */
export function elidedPrefixLength(spanKey: Uint8Array, mode: number): number {
  if (mode === 0) return 0;
  let at = 0;
  if (spanKey[0] === 0xfe) at = decodeUvarintAscending(spanKey, 1).next;
  if (mode === 1) return at;
  if (at >= spanKey.length) return at;
  return decodeUvarintAscending(spanKey, at).next;
}
