import { compressionName, decompressBlock } from '../compress/index.js';
import { DecodeError, isDecodeError } from '../util/errors.js';
import { BLOCK_TRAILER_LEN, type BlockHandle } from './block-handle.js';
import { maskedCrc32c, xxhash64Low32, type ChecksumTypeName } from './checksum.js';

/**
 * Checks and strips a block's 5-byte trailer (compression indicator ‖ uint32 LE checksum over
 * block bytes + indicator; `pebble: sstable/block/block.go` `ValidateChecksum`; docs/formats.md
 * §6.3), then decompresses. `raw` is the block plus its trailer, read at `h.offset`. Errors carry
 * absolute file offsets (the caller adds the file name).
 */
export function decodeBlock(
  raw: Uint8Array,
  h: BlockHandle,
  checksumType: ChecksumTypeName,
  verify: boolean,
): { data: Uint8Array; indicator: number } {
  if (raw.length !== h.length + BLOCK_TRAILER_LEN) {
    throw new DecodeError(
      'block',
      `block needs ${h.length + BLOCK_TRAILER_LEN} bytes, got ${raw.length}`,
      undefined,
      h.offset,
      'the file is truncated',
    );
  }
  const indicator = raw[h.length]!;
  if (verify && checksumType !== 'none') {
    const stored = (raw[h.length + 1]! | (raw[h.length + 2]! << 8) | (raw[h.length + 3]! << 16) | (raw[h.length + 4]! << 24)) >>> 0;
    const covered = raw.subarray(0, h.length + 1);
    let computed: number;
    if (checksumType === 'crc32c') computed = maskedCrc32c(covered);
    else if (checksumType === 'xxhash64') computed = xxhash64Low32(covered);
    else throw new DecodeError('block', `checksum type ${checksumType} is not supported`, undefined, h.offset);
    if (stored !== computed) {
      throw new DecodeError(
        'block',
        'block checksum mismatch',
        undefined,
        h.offset,
        `stored ${stored.toString(16).padStart(8, '0')}, computed ${computed.toString(16).padStart(8, '0')}; the file is corrupt, truncated or encrypted (pass the encryption key if the backup or store is encrypted)`,
      );
    }
  }
  const payload = raw.subarray(0, h.length);
  try {
    return { data: decompressBlock(indicator, payload), indicator };
  } catch (e) {
    if (isDecodeError(e)) {
      throw new DecodeError(
        e.layer,
        `${e.detail} (${compressionName(indicator)} block of ${h.length} bytes)`,
        undefined,
        h.offset + (e.offset ?? 0),
        e.hint,
        { cause: e },
      );
    }
    throw e;
  }
}
