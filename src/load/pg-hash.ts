/**
 * PostgreSQL's `hashtextextended(text, seed)` computed in Node: Bob Jenkins' lookup3 hash over the
 * text's bytes, as PostgreSQL's `hash_bytes_extended` (src/common/hashfn.c) does on a
 * little-endian server with a deterministic collation. The row fingerprint (row-hash.ts) uses it
 * because PostgreSQL computes it for a fraction of the cost of `md5` and it needs no text↔bit
 * conversions; `pgHashSelfCheck` compares both sides on probe strings before a fingerprint is
 * trusted, so a server that hashes differently (big-endian) is refused rather than reported as
 * a mismatch.
 *
 * Results go to `hashOut` (high and low 32 bits, unsigned) instead of a returned object or
 * BigInt: this runs once per field of every row.
 */

/** The last hash: `hi` = bits 63..32, `lo` = bits 31..0 (both as unsigned 32-bit numbers). */
export const hashOut = { hi: 0, lo: 0 };

// lookup3 state, module-level so the mixing steps need no closures or returned tuples.
let a = 0;
let b = 0;
let c = 0;

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

function mix(): void {
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

function finish(): void {
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

function start(len: number, seedHi: number, seedLo: number): void {
  a = b = c = (0x9e3779b9 + len + 3923095) | 0;
  if (seedHi !== 0 || seedLo !== 0) {
    a = (a + seedHi) | 0;
    b = (b + seedLo) | 0;
    mix();
  }
}

/** `hashtextextended` of `len` bytes of `buf` from `off`, with the 64-bit seed `seedHi:seedLo`. */
export function pgHashBytes(buf: Uint8Array, off: number, len: number, seedHi = 0, seedLo = 0): void {
  start(len, seedHi, seedLo);
  let k = off;
  let n = len;
  while (n >= 12) {
    a = (a + (buf[k]! | (buf[k + 1]! << 8) | (buf[k + 2]! << 16) | (buf[k + 3]! << 24))) | 0;
    b = (b + (buf[k + 4]! | (buf[k + 5]! << 8) | (buf[k + 6]! << 16) | (buf[k + 7]! << 24))) | 0;
    c = (c + (buf[k + 8]! | (buf[k + 9]! << 8) | (buf[k + 10]! << 16) | (buf[k + 11]! << 24))) | 0;
    mix();
    k += 12;
    n -= 12;
  }
  // The last 0–11 bytes, little-endian into a, b and c's upper three bytes (c's low byte is the
  // length's, already added at the start).
  if (n > 8) c = (c + ((n > 10 ? buf[k + 10]! << 24 : 0) | (n > 9 ? buf[k + 9]! << 16 : 0) | (buf[k + 8]! << 8))) | 0;
  if (n > 4)
    b = (b + ((n > 7 ? buf[k + 7]! << 24 : 0) | (n > 6 ? buf[k + 6]! << 16 : 0) | (n > 5 ? buf[k + 5]! << 8 : 0) | buf[k + 4]!)) | 0;
  if (n > 0) a = (a + ((n > 3 ? buf[k + 3]! << 24 : 0) | (n > 2 ? buf[k + 2]! << 16 : 0) | (n > 1 ? buf[k + 1]! << 8 : 0) | buf[k]!)) | 0;
  finish();
}

/**
 * `hashtextextended` of a string read straight from its characters while they are ASCII (the
 * text of numbers, dates, UUIDs… needs no encoding first); false, with `hashOut` undefined, when a
 * character is not.
 */
function hashAscii(s: string, seedHi: number, seedLo: number): boolean {
  const len = s.length;
  start(len, seedHi, seedLo);
  let seen = 0;
  let k = 0;
  let n = len;
  while (n >= 12) {
    const w0 = s.charCodeAt(k) | (s.charCodeAt(k + 1) << 8) | (s.charCodeAt(k + 2) << 16) | (s.charCodeAt(k + 3) << 24);
    const w1 = s.charCodeAt(k + 4) | (s.charCodeAt(k + 5) << 8) | (s.charCodeAt(k + 6) << 16) | (s.charCodeAt(k + 7) << 24);
    const w2 = s.charCodeAt(k + 8) | (s.charCodeAt(k + 9) << 8) | (s.charCodeAt(k + 10) << 16) | (s.charCodeAt(k + 11) << 24);
    seen |=
      s.charCodeAt(k) |
      s.charCodeAt(k + 1) |
      s.charCodeAt(k + 2) |
      s.charCodeAt(k + 3) |
      s.charCodeAt(k + 4) |
      s.charCodeAt(k + 5) |
      s.charCodeAt(k + 6) |
      s.charCodeAt(k + 7) |
      s.charCodeAt(k + 8) |
      s.charCodeAt(k + 9) |
      s.charCodeAt(k + 10) |
      s.charCodeAt(k + 11);
    a = (a + w0) | 0;
    b = (b + w1) | 0;
    c = (c + w2) | 0;
    mix();
    k += 12;
    n -= 12;
  }
  for (let j = k; j < len; j++) seen |= s.charCodeAt(j);
  if (seen > 0x7f) return false;
  if (n > 8)
    c = (c + ((n > 10 ? s.charCodeAt(k + 10) << 24 : 0) | (n > 9 ? s.charCodeAt(k + 9) << 16 : 0) | (s.charCodeAt(k + 8) << 8))) | 0;
  if (n > 4)
    b =
      (b +
        ((n > 7 ? s.charCodeAt(k + 7) << 24 : 0) |
          (n > 6 ? s.charCodeAt(k + 6) << 16 : 0) |
          (n > 5 ? s.charCodeAt(k + 5) << 8 : 0) |
          s.charCodeAt(k + 4))) |
      0;
  if (n > 0)
    a =
      (a +
        ((n > 3 ? s.charCodeAt(k + 3) << 24 : 0) |
          (n > 2 ? s.charCodeAt(k + 2) << 16 : 0) |
          (n > 1 ? s.charCodeAt(k + 1) << 8 : 0) |
          s.charCodeAt(k))) |
      0;
  finish();
  return true;
}

/** Scratch for encoding non-ASCII strings before hashing (one per thread, grown as needed). */
let scratch = Buffer.allocUnsafe(1024);

/** `hashtextextended` of any string (its UTF-8 bytes). */
export function pgHashString(s: string, seedHi = 0, seedLo = 0): void {
  if (hashAscii(s, seedHi, seedLo)) return;
  if (s.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length * 3, scratch.length * 2));
  const n = scratch.write(s, 0, 'utf8');
  pgHashBytes(scratch, 0, n, seedHi, seedLo);
}
