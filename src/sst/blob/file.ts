import { decompressBlock } from '../../compress/index.js';
import type { RangeReader } from '../../storage/range-reader.js';
import { DecodeError, isDecodeError } from '../../util/errors.js';
import { ColumnarBlock } from '../colblk/block.js';
import type { RawBytes } from '../colblk/raw-bytes.js';
import { decodeColumnarKeyValueBlock } from '../colblk/key-value-block.js';
import { BLOB_FOOTER_V2_LEN, decodeBlobFooter, maskedCrc32c, type BlobFooter } from './footer.js';
import { decodeBlobIndexBlock, type BlobIndex } from './index-block.js';

/** Where a value lives inside one blob file (a blob handle minus its reference ID). */
export interface BlobValueRef {
  blockId: number;
  valueId: number;
  valueLength: number;
}

export interface BlobFile {
  readonly name: string;
  /** Number of physical value blocks. */
  readonly blockCount: number;
  readonly footer: BlobFooter;
  /** The value a handle points to; a view into a cached decompressed block (do not mutate). */
  readValue(h: BlobValueRef): Promise<Uint8Array>;
  /** Properties block entries of v2 files (e.g. `compression_stats`); empty for v1. */
  readProperties(): Promise<Map<string, Uint8Array>>;
}

const TRAILER_LEN = 5;
const CACHE_BLOCKS = 8;
const HINT = 'the blob file is truncated or corrupt; re-copy the store directory (blob files must be copied with their SSTs)';

/**
 * Opens a Pebble blob file (`pebble: sstable/blob/blob.go` `FileReader`; docs/formats.md §6.8):
 * reads and checks the footer and index block; value blocks are read, checksummed, decompressed and
 * cached (a few blocks) on demand.
 */
export async function openBlobFile(reader: RangeReader): Promise<BlobFile> {
  const name = reader.name;
  const wrap = (e: unknown): unknown => (isDecodeError(e) ? e.inFile(name) : e);
  try {
    const size = await reader.size();
    const tailLen = Math.min(size, BLOB_FOOTER_V2_LEN);
    if (tailLen < 8) throw new DecodeError('blob', `blob file is only ${size} bytes, too short for a footer`, name, 0, HINT);
    const footer = decodeBlobFooter(await reader.read(size - tailLen, size), size);
    const dataEnd = size - footer.footerLength;
    if (footer.checksumType !== 0 && footer.checksumType !== 1) {
      throw new DecodeError(
        'blob',
        `blob checksum type ${footer.checksumType} is not supported (only CRC32C)`,
        name,
        size - footer.footerLength + 20,
        'CockroachDB writes CRC32C; the file may be corrupt',
      );
    }

    const readBlock = blockReader(reader, footer, dataEnd);

    const indexData = await readBlock(footer.indexOffset, footer.indexLength, 'blob index block');
    const index: BlobIndex = decodeBlobIndexBlock(indexData, footer.indexOffset);
    const valueBlock = valueBlockCache(index, readBlock);

    return {
      name,
      blockCount: index.blockCount,
      footer,
      async readValue(h: BlobValueRef): Promise<Uint8Array> {
        try {
          const { block, valueIdOffset } = index.remap(h.blockId);
          if (block >= index.blockCount) {
            throw new DecodeError(
              'blob',
              `blob handle names block ${h.blockId} (physical ${block}) but the file has ${index.blockCount} blocks`,
              name,
              footer.indexOffset,
              'the SST refers to a different or rewritten blob file; check the MANIFEST blob references',
            );
          }
          const values = await valueBlock(block);
          const id = h.valueId + valueIdOffset;
          if (id >= values.rows) {
            throw new DecodeError(
              'blob',
              `blob handle names value ${id} of block ${block}, which has ${values.rows} values`,
              name,
              index.blockHandle(block).offset,
              'the SST refers to a different blob file; check the MANIFEST blob references',
            );
          }
          const v = values.at(id);
          if (v.length !== h.valueLength) {
            throw new DecodeError(
              'blob',
              `blob value ${id} of block ${block} is ${v.length} bytes, the handle says ${h.valueLength}`,
              name,
              index.blockHandle(block).offset,
              'the SST refers to a different blob file; check the MANIFEST blob references',
            );
          }
          return v;
        } catch (e) {
          throw wrap(e);
        }
      },
      async readProperties(): Promise<Map<string, Uint8Array>> {
        const out = new Map<string, Uint8Array>();
        if (footer.properties === undefined) return out;
        try {
          const { offset, length } = footer.properties;
          const data = await readBlock(offset, length, 'blob properties block');
          for (const [k, v] of decodeColumnarKeyValueBlock(data, offset)) out.set(new TextDecoder().decode(k), v);
        } catch (e) {
          throw wrap(e);
        }
        return out;
      },
    };
  } catch (e) {
    throw wrap(e);
  }
}

/** Reads one block (`what` names it in errors) and returns its decompressed contents. */
type BlockReader = (offset: number, length: number, what: string) => Promise<Uint8Array>;

/**
 * A block reader for this file: checks the block lies inside the data region, verifies the
 * trailer checksum (when the footer says CRC32C), then decompresses. Decompression errors get the
 * file name, offset and block description so the user can tell which block failed.
 */
function blockReader(reader: RangeReader, footer: BlobFooter, dataEnd: number): BlockReader {
  const name = reader.name;
  return async (offset: number, length: number, what: string): Promise<Uint8Array> => {
    if (offset + length + TRAILER_LEN > dataEnd) {
      throw new DecodeError('blob', `${what} [${offset}, +${length}) runs past the end of the data (${dataEnd})`, name, offset, HINT);
    }
    const raw = await reader.read(offset, offset + length + TRAILER_LEN);
    const indicator = raw[length]!;
    if (footer.checksumType === 1) {
      const stored = new DataView(raw.buffer, raw.byteOffset + length + 1, 4).getUint32(0, true);
      const computed = maskedCrc32c(raw.subarray(0, length + 1));
      if (stored !== computed) {
        throw new DecodeError(
          'blob',
          `${what} checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`,
          name,
          offset,
          HINT,
        );
      }
    }
    try {
      return decompressBlock(indicator, raw.subarray(0, length));
    } catch (e) {
      throw isDecodeError(e) && e.file === undefined
        ? new DecodeError(e.layer, `${e.detail} (${what})`, name, offset, e.hint, { cause: e })
        : e;
    }
  };
}

/**
 * Value blocks of `index`, decoded to their raw-bytes column, with a small LRU cache
 * (CACHE_BLOCKS): handles tend to point at the same few blocks in a row, so re-reading and
 * decompressing each time would dominate.
 */
function valueBlockCache(index: BlobIndex, readBlock: BlockReader): (block: number) => Promise<RawBytes> {
  const cache = new Map<number, RawBytes>();
  return async (block: number): Promise<RawBytes> => {
    const hit = cache.get(block);
    if (hit !== undefined) {
      cache.delete(block);
      cache.set(block, hit);
      return hit;
    }
    const h = index.blockHandle(block);
    const data = await readBlock(h.offset, h.length, `blob value block ${block}`);
    const bd = new ColumnarBlock(data, 0, h.offset, 'blob value block');
    const values = bd.rawBytes(0);
    if (cache.size >= CACHE_BLOCKS) cache.delete(cache.keys().next().value!);
    cache.set(block, values);
    return values;
  };
}
