import { crc32c } from '@node-rs/crc32';
import xxhash from 'xxhash-wasm';

/** Block checksum algorithms named by the footer's checksum-type byte (`pebble: sstable/block/block.go`). */
export const ChecksumType = { None: 0, CRC32C: 1, XXHash: 2, XXHash64: 3 } as const;
export type ChecksumTypeName = 'none' | 'crc32c' | 'xxhash64' | 'xxh3';

const MASK_DELTA = 0xa282ead8;

/** Masked CRC32C as LevelDB/RocksDB/Pebble store it (`pebble: internal/crc`): rotate right 15, add a constant. */
export function maskCrc(c: number): number {
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Masked CRC32C of `a` followed by `b` (b optional) — the block-trailer and footer checksum. */
export function maskedCrc32c(a: Uint8Array, b?: Uint8Array): number {
  let c = crc32c(a);
  if (b !== undefined) c = crc32c(b, c);
  return maskCrc(c >>> 0);
}

type H64 = (input: Uint8Array, seed?: bigint) => bigint;
let h64: H64 | undefined;

/** Loads the xxHash64 implementation (WebAssembly); only tables with checksum type 3 need it. */
export async function loadXXHash64(): Promise<void> {
  if (h64 === undefined) h64 = (await xxhash()).h64Raw;
}

/** Low 32 bits of xxHash64 (seed 0) — Pebble's `ChecksumTypeXXHash64` block checksum. Call loadXXHash64 first. */
export function xxhash64Low32(data: Uint8Array): number {
  if (h64 === undefined) throw new Error('xxhash64 not loaded: call loadXXHash64() first');
  return Number(h64(data, 0n) & 0xffffffffn);
}
