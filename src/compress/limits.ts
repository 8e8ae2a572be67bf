/**
 * Bounds on decompressed sizes, so that a crafted block (a "decompression bomb") fails at once
 * with one line instead of allocating or inflating gigabytes.
 */

/**
 * Largest decompressed SST block accepted (256 MiB). Pebble cuts data blocks at about 32 KiB; a
 * block grows past that only to hold one large KV, and CockroachDB refuses writes larger than
 * `kv.raft.command.max_size` (64 MiB by default), so a real block stays far below this.
 */
export const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

/**
 * Snappy's best ratio: a 3-byte copy element (tag 10, 2-byte offset) emits at most 64 bytes, and
 * no element emits more per input byte, so `n` compressed bytes decode to at most `n·64/3` bytes.
 */
export function maxSnappyOutput(compressedLength: number): number {
  return Math.min(MAX_BLOCK_BYTES, Math.ceil((compressedLength * 64) / 3));
}
