import { compressionName } from '../compress/index.js';
import type { RangeReader } from '../storage/range-reader.js';
import { DecodeError } from '../util/errors.js';
import { BLOCK_TRAILER_LEN, type BlockHandle } from './block-handle.js';
import { decodeBlock } from './block-read.js';
import type { ChecksumTypeName } from './checksum.js';

/**
 * Reads blocks of one table through a RangeReader: bounds check against the data region, optional
 * read-ahead (one ranged read covers several consecutive data blocks — fewer syscalls locally,
 * far fewer requests on S3), checksum verification and decompression. Memory is bounded by the
 * read-ahead window plus one decompressed block.
 */
export class BlockSource {
  /** Read-ahead windows by lane (data blocks and value blocks are scanned side by side). */
  private readonly windows = new Map<string, { start: number; bytes: Uint8Array }>();
  /** Compression codecs seen in block trailers so far. */
  readonly seenCompression = new Set<string>();
  blocksRead = 0;
  bytesRead = 0;

  constructor(
    private readonly reader: RangeReader,
    readonly dataEnd: number,
    private readonly checksumType: ChecksumTypeName,
    private readonly verify: boolean,
  ) {}

  /**
   * The block (trailer checked and removed, decompressed). `readahead` > 0 reads that many bytes
   * at once into the window of lane `what`, serving later blocks of that lane from it.
   */
  async read(h: BlockHandle, what: string, readahead = 0, lane = what): Promise<Uint8Array> {
    const end = h.offset + h.length + BLOCK_TRAILER_LEN;
    if (end > this.dataEnd) {
      throw new DecodeError(
        'sst',
        `${what} block [${h.offset}, ${end}) lies beyond the end of the table data (${this.dataEnd})`,
        undefined,
        h.offset,
        'the file is truncated or corrupt',
      );
    }
    let raw: Uint8Array;
    const win = this.windows.get(lane);
    if (win !== undefined && h.offset >= win.start && end <= win.start + win.bytes.length) {
      raw = win.bytes.subarray(h.offset - win.start, end - win.start);
    } else if (readahead > 0) {
      const wEnd = Math.min(this.dataEnd, Math.max(end, h.offset + readahead));
      const bytes = await this.reader.read(h.offset, wEnd);
      this.windows.set(lane, { start: h.offset, bytes });
      raw = bytes.subarray(0, end - h.offset);
    } else {
      raw = await this.reader.read(h.offset, end);
    }
    this.blocksRead++;
    this.bytesRead += raw.length;
    const { data, indicator } = decodeBlock(raw, h, this.checksumType, this.verify);
    this.seenCompression.add(compressionName(indicator));
    return data;
  }

  /** Serves later reads of `lane` that fall inside `bytes` (read at file offset `start`) from memory. */
  seed(lane: string, start: number, bytes: Uint8Array): void {
    this.windows.set(lane, { start, bytes });
  }

  /** Drops one lane's window, or all of them (after a scan). */
  drop(lane: string): void {
    this.windows.delete(lane);
  }

  /** Drops the read-ahead windows (after a scan). */
  release(): void {
    this.windows.clear();
  }
}
