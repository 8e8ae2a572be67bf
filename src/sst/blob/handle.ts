import { ByteReader } from '../../util/byte-reader.js';

/** An inline blob handle as stored in an SST value after a 0x40-kind ValuePrefix byte. */
export interface BlobHandle {
  /** Index into the table's blob references (from the MANIFEST), not a file number. */
  referenceId: number;
  valueLength: number;
  blockId: number;
  valueId: number;
}

/**
 * Decodes an inline blob handle (`pebble: sstable/blob/handle.go` `InlineHandle`;
 * docs/formats.md §6.8): LEB128 reference ID ‖ value length ‖ block ID ‖ value ID, each a uint32.
 * `value` is what follows the ValuePrefix byte; `base` is its file offset for error messages.
 */
export function decodeBlobHandle(value: Uint8Array, base = 0): BlobHandle {
  const r = new ByteReader(value, 'blob', base);
  const referenceId = u32(r, 'reference ID');
  const valueLength = u32(r, 'value length');
  const blockId = u32(r, 'block ID');
  const valueId = u32(r, 'value ID');
  return { referenceId, valueLength, blockId, valueId };
}

function u32(r: ByteReader, what: string): number {
  const at = r.pos;
  const v = r.uvarint();
  if (v > 0xffffffff) r.fail(`blob handle ${what} ${v} exceeds 32 bits`, at);
  return v;
}
