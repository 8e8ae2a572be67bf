/**
 * The encrypting side of CockroachDB's backup file encryption (v2 chunked, or v1 single message),
 * for fixtures and round-trip tests. @internal
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { CHUNK_SIZE, chunkNonce, ENCRYPTION_PREAMBLE } from '../encryption.js';

function seal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

export function encryptBytes(plain: Uint8Array, key: Uint8Array, opts: { version?: 1 | 2; iv?: Uint8Array } = {}): Uint8Array {
  const version = opts.version ?? 2;
  const iv = opts.iv ?? new Uint8Array(randomBytes(12));
  const parts: Uint8Array[] = [ENCRYPTION_PREAMBLE, Uint8Array.of(version), iv];
  if (version === 1) parts.push(seal(key, iv, plain));
  else {
    let n = 0;
    let off = 0;
    for (;;) {
      const end = Math.min(off + CHUNK_SIZE, plain.length);
      parts.push(seal(key, chunkNonce(iv, n), plain.subarray(off, end)));
      if (end - off < CHUNK_SIZE) break;
      off = end;
      n++;
    }
  }
  return new Uint8Array(Buffer.concat(parts));
}
