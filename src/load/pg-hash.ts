/**
 * PostgreSQL's `hashtextextended(text, seed)` computed in Node: Bob Jenkins' lookup3 hash over the
 * text's bytes, as PostgreSQL's `hash_bytes_extended` (src/common/hashfn.c) does on a
 * little-endian server with a deterministic collation. The row fingerprint (row-hash.ts) uses it
 * because PostgreSQL computes it for a fraction of the cost of `md5` and it needs no text↔bit
 * conversions; `checkServerHash` (row-hash.ts) compares both sides on probe strings before a fingerprint is
 * trusted, so a server that hashes differently (big-endian) is refused rather than reported as
 * a mismatch.
 *
 * Results go to `hashOut` (high and low 32 bits, unsigned) instead of a returned object or
 * BigInt: this runs once per field of every row. For the same reason the lookup3 state lives in
 * local variables with its mixing steps written out in place (module-level state and mixing
 * functions made it twice as slow), and every input is hashed as bytes by the one `pgHashBytes`.
 */

/** The last hash: `hi` = bits 63..32, `lo` = bits 31..0 (both as unsigned 32-bit numbers). */
export const hashOut = { hi: 0, lo: 0 };

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** `hashtextextended` of `len` bytes of `buf` from `off`, with the 64-bit seed `seedHi:seedLo`. */
export function pgHashBytes(buf: Uint8Array, off: number, len: number, seedHi = 0, seedLo = 0): void {
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
  // A non-zero seed is added and mixed in before the data: the loop's first pass then mixes the
  // seed alone, so the mixing step is written once.
  let seeded = seedHi !== 0 || seedLo !== 0;
  if (seeded) {
    a = (a + seedHi) | 0;
    b = (b + seedLo) | 0;
  }
  let k = off;
  let n = len;
  while (seeded || n >= 12) {
    if (seeded) seeded = false;
    else {
      a = (a + (buf[k]! | (buf[k + 1]! << 8) | (buf[k + 2]! << 16) | (buf[k + 3]! << 24))) | 0;
      b = (b + (buf[k + 4]! | (buf[k + 5]! << 8) | (buf[k + 6]! << 16) | (buf[k + 7]! << 24))) | 0;
      c = (c + (buf[k + 8]! | (buf[k + 9]! << 8) | (buf[k + 10]! << 16) | (buf[k + 11]! << 24))) | 0;
      k += 12;
      n -= 12;
    }
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
  }
  // The last 0–11 bytes, little-endian into a, b and c's upper three bytes (c's low byte is the
  // length's, already added at the start).
  if (n > 8) c = (c + ((n > 10 ? buf[k + 10]! << 24 : 0) | (n > 9 ? buf[k + 9]! << 16 : 0) | (buf[k + 8]! << 8))) | 0;
  if (n > 4)
    b = (b + ((n > 7 ? buf[k + 7]! << 24 : 0) | (n > 6 ? buf[k + 6]! << 16 : 0) | (n > 5 ? buf[k + 5]! << 8 : 0) | buf[k + 4]!)) | 0;
  if (n > 0) a = (a + ((n > 3 ? buf[k + 3]! << 24 : 0) | (n > 2 ? buf[k + 2]! << 16 : 0) | (n > 1 ? buf[k + 1]! << 8 : 0) | buf[k]!)) | 0;
  // final(a, b, c)
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  hashOut.hi = b >>> 0;
  hashOut.lo = c >>> 0;
}

/** Scratch bytes for hashing numbers and strings (one per thread, grown as needed). */
let scratch = Buffer.allocUnsafe(1024);

/**
 * PostgreSQL's `hash_uint32_extended(k, seed)`: lookup3 of one 32-bit word, the hash behind
 * `hashint4extended`, `hashint8extended` (of the folded value) and `timestamp_hash_extended`;
 * the same as `hashtextextended` of k's four little-endian bytes.
 */
export function pgHashUint32(k: number, seedHi = 0, seedLo = 0): void {
  scratch[0] = k;
  scratch[1] = k >>> 8;
  scratch[2] = k >>> 16;
  scratch[3] = k >>> 24;
  pgHashBytes(scratch, 0, 4, seedHi, seedLo);
}

/**
 * `hashtextextended` of any string (its UTF-8 bytes). ASCII text — numbers, dates, UUIDs… — is
 * copied byte per character without an encoder call.
 */
export function pgHashString(s: string, seedHi = 0, seedLo = 0): void {
  const len = s.length;
  if (len * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(len * 3, scratch.length * 2));
  let i = 0;
  for (; i < len; i++) {
    const ch = s.charCodeAt(i);
    if (ch > 0x7f) break;
    scratch[i] = ch;
  }
  const n = i === len ? len : scratch.write(s, 0, 'utf8');
  pgHashBytes(scratch, 0, n, seedHi, seedLo);
}
