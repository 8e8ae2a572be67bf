/**
 * Stored UTF-8 bytes → JavaScript string, exactly. Every text a decoder produces (STRING values and
 * keys, array elements, JSONB keys and strings, tsvector/tsquery lexemes) goes through here.
 *
 * Two silent normalisations of a default `TextDecoder` are ruled out: a leading U+FEFF (BOM) is
 * kept (`ignoreBOM: true`; the default drops it), and invalid UTF-8 throws `InvalidUtf8Error`
 * (`fatal: true`; the default replaces it with U+FFFD). PostgreSQL cannot store invalid UTF-8, so
 * the decoders turn that error into a value flagged `invalidUtf8` that the loader rejects, naming
 * table, column and key (see datum-build.ts). No Unicode normalisation, no trimming.
 */
import { DecodeError } from '../util/errors.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/** Invalid UTF-8 in a stored text; `offset` is the first bad byte within the text's bytes. */
export class InvalidUtf8Error extends DecodeError {
  constructor(
    readonly bytes: Uint8Array,
    readonly at: number,
  ) {
    super(
      'value',
      invalidUtf8Reason(bytes, at),
      undefined,
      undefined,
      'PostgreSQL cannot store invalid UTF-8; fix the value in the source, or map the column to bytea',
    );
  }
}

/** "not valid UTF-8 (byte 0xff at offset 3 of 5)". */
export function invalidUtf8Reason(bytes: Uint8Array, at = firstInvalidUtf8(bytes)): string {
  return `not valid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at} of ${bytes.length})`;
}

let decodeStrict = (bytes: Uint8Array): string => strict.decode(bytes);

/** The exact text of UTF-8 `bytes`; throws InvalidUtf8Error when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decodeStrict(bytes);
  } catch (e) {
    if (e instanceof TypeError) throw new InvalidUtf8Error(bytes, firstInvalidUtf8(bytes));
    throw e;
  }
}

/** Text of `bytes` with invalid sequences as U+FFFD: only for showing a rejected value. */
export function decodeUtf8Lossy(bytes: Uint8Array): string {
  return lossy.decode(bytes);
}

/**
 * @internal Test seam: replaces the exact decoder (undefined restores it), so a test can prove
 * that a normalising decoder is caught by verification. Never called by production code.
 */
export function setUtf8DecoderForTests(decode: ((bytes: Uint8Array) => string) | undefined): void {
  decodeStrict = decode ?? ((bytes) => strict.decode(bytes));
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // > U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += n + 1;
  }
  return b.length;
}
