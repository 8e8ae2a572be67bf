import { DecodeError } from '../../util/errors.js';
import { ColumnarBlock } from '../colblk/block.js';

/**
 * Blob-file index block (`pebble: sstable/blob/blocks.go` `indexBlockDecoder`): custom header =
 * number of virtual blocks M (u32 LE); columns 0 virtual blocks (Uint, M rows: low 32 bits = physical
 * block index, high 32 bits = value-ID offset), 1 offsets (Uint, rows+1 entries: file offset where
 * each physical block starts, the last one = end of the last block incl. its 5-byte trailer).
 */
export interface BlobIndex {
  readonly blockCount: number;
  readonly virtualBlockCount: number;
  /** File offset and length (excluding trailer) of physical block i. */
  blockHandle(i: number): { offset: number; length: number };
  /** Maps a handle's block ID to (physical block, value-ID offset); identity when there are no virtual blocks. */
  remap(blockId: number): { block: number; valueIdOffset: number };
}

export function decodeBlobIndexBlock(block: Uint8Array, base = 0): BlobIndex {
  if (block.length < 4) {
    throw new DecodeError(
      'blob',
      `${block.length}-byte blob index block is too short`,
      undefined,
      base,
      'the blob file is corrupt; re-copy the store directory',
    );
  }
  const m = new DataView(block.buffer, block.byteOffset, block.byteLength).getUint32(0, true);
  const bd = new ColumnarBlock(block, 4, base, 'blob index block');
  const rows = bd.rows;
  const virtual = bd.uints(0, m);
  const offsets = bd.uints(1, rows + 1);
  return {
    blockCount: rows,
    virtualBlockCount: m,
    blockHandle(i: number) {
      const s = offsets.num(i);
      const e = offsets.num(i + 1);
      if (e < s + 5) bd.fail(`blob block ${i} spans [${s}, ${e}), shorter than a block trailer`, 0);
      return { offset: s, length: e - s - 5 };
    },
    remap(blockId: number) {
      if (m === 0) return { block: blockId, valueIdOffset: 0 };
      if (blockId >= m) bd.fail(`blob block ID ${blockId} is past the ${m} virtual blocks`, 0);
      const v = virtual.at(blockId);
      return { block: Number(v & 0xffffffffn), valueIdOffset: Number(v >> 32n) };
    },
  };
}
