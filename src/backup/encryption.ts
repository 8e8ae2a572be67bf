import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import { DecodeError } from '../util/errors.js';
import type { RangeReader } from '../storage/range-reader.js';

/**
 * CockroachDB backup file encryption (docs/formats.md §1.6; `crdb: pkg/ccl/storageccl/encryption.go`):
 * `"encrypt"` ‖ version (1) ‖ IV (12), then either one AES-256-GCM message (v1) or 64 KiB plaintext
 * chunks each sealed separately (v2; nonce = IV with its last 8 bytes + chunk number, big-endian).
 * The last v2 chunk is always shorter than 64 KiB (possibly empty) so truncation is detectable.
 */
export const ENCRYPTION_PREAMBLE = Uint8Array.from(Buffer.from('encrypt'));
export const ENCRYPTION_HEADER_LEN = 7 + 1 + 12;
export const CHUNK_SIZE = 64 << 10;
export const TAG_LEN = 16;
export const PBKDF2_ITERATIONS = 64000;

const WRONG_KEY_HINT = 'the passphrase is wrong (or the file is damaged); pass the encryption_passphrase used for BACKUP';

export function appearsEncrypted(bytes: Uint8Array): boolean {
  if (bytes.length < ENCRYPTION_PREAMBLE.length) return false;
  for (let i = 0; i < ENCRYPTION_PREAMBLE.length; i++) if (bytes[i] !== ENCRYPTION_PREAMBLE[i]) return false;
  return true;
}

/** `GenerateKey`: PBKDF2-HMAC-SHA256(passphrase, salt, 64000, 32). */
export function deriveKeyFromPassphrase(passphrase: string, salt: Uint8Array): Uint8Array {
  return new Uint8Array(pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, PBKDF2_ITERATIONS, 32, 'sha256'));
}

/** Nonce for chunk `n`: the file IV with bytes 4..12 read as a big-endian uint64 and increased by n. */
export function chunkNonce(iv: Uint8Array, n: number): Uint8Array {
  const out = Uint8Array.from(iv);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(4, BigInt.asUintN(64, dv.getBigUint64(4, false) + BigInt(n)), false);
  return out;
}

function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, file: string, offset: number): Uint8Array {
  if (sealed.length < TAG_LEN)
    throw new DecodeError('encryption', 'sealed chunk shorter than its tag', file, offset, 'the file is truncated');
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAuthTag(sealed.subarray(sealed.length - TAG_LEN));
  try {
    const a = d.update(sealed.subarray(0, sealed.length - TAG_LEN));
    const b = d.final();
    return b.length === 0 ? new Uint8Array(a.buffer, a.byteOffset, a.length) : new Uint8Array(Buffer.concat([a, b]));
  } catch (e) {
    throw new DecodeError('encryption', 'cannot decrypt (authentication failed)', file, offset, WRONG_KEY_HINT, { cause: e });
  }
}

function checkHeader(head: Uint8Array, file: string): { version: number; iv: Uint8Array } {
  if (!appearsEncrypted(head)) {
    throw new DecodeError(
      'encryption',
      'file is not encrypted (no "encrypt" preamble)',
      file,
      0,
      'do not pass a passphrase for an unencrypted backup',
    );
  }
  if (head.length < ENCRYPTION_HEADER_LEN) throw new DecodeError('encryption', 'truncated encryption header', file, 0);
  const version = head[7]!;
  if (version !== 1 && version !== 2) {
    throw new DecodeError(
      'encryption',
      `unsupported encryption version ${version}`,
      file,
      7,
      'this backup was written by a newer CockroachDB',
    );
  }
  return { version, iv: head.subarray(8, ENCRYPTION_HEADER_LEN) };
}

/** Decrypts a whole file held in memory (manifests, filelist/descriptorslist, small SSTs). */
export function decryptBytes(bytes: Uint8Array, key: Uint8Array, file: string): Uint8Array {
  const { version, iv } = checkHeader(bytes, file);
  if (version === 1) return open(key, iv, bytes.subarray(ENCRYPTION_HEADER_LEN), file, ENCRYPTION_HEADER_LEN);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let n = 0, off = ENCRYPTION_HEADER_LEN; ; n++) {
    const end = Math.min(off + CHUNK_SIZE + TAG_LEN, bytes.length);
    const plain = open(key, chunkNonce(iv, n), bytes.subarray(off, end), file, off);
    parts.push(plain);
    total += plain.length;
    off = end;
    if (plain.length < CHUNK_SIZE) {
      if (off !== bytes.length) throw new DecodeError('encryption', 'data after the final chunk', file, off);
      break;
    }
    if (off >= bytes.length) throw new DecodeError('encryption', 'missing final short chunk', file, off, 'the file is truncated');
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Plaintext size of a v2 file of `ciphertextSize` bytes (mirrors `decryptReader.Stat`). */
export function plaintextSizeV2(ciphertextSize: number): number {
  const body = ciphertextSize - ENCRYPTION_HEADER_LEN;
  return body - TAG_LEN * (Math.floor(body / (CHUNK_SIZE + TAG_LEN)) + 1);
}

/**
 * A RangeReader over the plaintext of an encrypted file, decrypting only the 64 KiB chunks a read
 * touches (random access for SST readers). Keeps a small cache of recently opened chunks.
 */
export function decryptingReader(inner: RangeReader, key: Uint8Array): RangeReader {
  let header: Promise<{ version: number; iv: Uint8Array; size: number; whole?: Uint8Array }> | undefined;
  const cache = new Map<number, Uint8Array>();
  const load = (): Promise<{ version: number; iv: Uint8Array; size: number; whole?: Uint8Array }> => {
    header ??= (async () => {
      const ct = await inner.size();
      const head = await inner.read(0, Math.min(ENCRYPTION_HEADER_LEN, ct));
      const { version, iv } = checkHeader(head, inner.name);
      if (version === 1) {
        const whole = decryptBytes(await inner.read(0, ct), key, inner.name);
        return { version, iv: Uint8Array.from(iv), size: whole.length, whole };
      }
      return { version, iv: Uint8Array.from(iv), size: plaintextSizeV2(ct) };
    })();
    header.catch(() => (header = undefined));
    return header;
  };
  const chunk = async (iv: Uint8Array, size: number, n: number): Promise<Uint8Array> => {
    const hit = cache.get(n);
    if (hit) return hit;
    const off = ENCRYPTION_HEADER_LEN + n * (CHUNK_SIZE + TAG_LEN);
    const plainLen = Math.min(CHUNK_SIZE, size - n * CHUNK_SIZE);
    const sealed = await inner.read(off, off + plainLen + TAG_LEN);
    const plain = open(key, chunkNonce(iv, n), sealed, inner.name, off);
    if (cache.size >= 8) cache.delete(cache.keys().next().value as number);
    cache.set(n, plain);
    return plain;
  };
  return {
    name: inner.name,
    async size() {
      return (await load()).size;
    },
    async read(start, end) {
      const h = await load();
      if (start < 0 || end > h.size || start > end) {
        throw new DecodeError('encryption', `read [${start}, ${end}) outside the ${h.size}-byte plaintext`, inner.name);
      }
      if (h.whole) return h.whole.subarray(start, end);
      if (start === end) return new Uint8Array(0);
      const first = Math.floor(start / CHUNK_SIZE);
      const last = Math.floor((end - 1) / CHUNK_SIZE);
      if (first === last) {
        const c = await chunk(h.iv, h.size, first);
        return c.subarray(start - first * CHUNK_SIZE, end - first * CHUNK_SIZE);
      }
      const out = new Uint8Array(end - start);
      for (let n = first; n <= last; n++) {
        const c = await chunk(h.iv, h.size, n);
        const cs = n * CHUNK_SIZE;
        const a = Math.max(start, cs);
        const b = Math.min(end, cs + c.length);
        out.set(c.subarray(a - cs, b - cs), a - start);
      }
      return out;
    },
    async close() {
      cache.clear();
      await inner.close?.();
    },
  };
}
