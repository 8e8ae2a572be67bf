import { crc32c } from '@node-rs/crc32';
import { DecodeError, type DecodeLayer } from '../util/errors.js';
import { concatBytes } from '../util/bytes.js';

/**
 * LevelDB/RocksDB/Pebble record log ("log" format) used by WALs and MANIFESTs
 * (docs/formats.md §6.10; pebble `record/record.go`, rocksdb `db/log_reader.cc`).
 *
 * The file is a sequence of 32 KiB blocks; chunks never span blocks and a block tail shorter than a
 * header is zero-filled. Chunk header (all little-endian):
 *   legacy (types 1–4, 7 B):      maskedCRC32C(4) ‖ length(2) ‖ type(1)
 *   recyclable (types 5–8, 11 B): … ‖ logNumber(4)
 *   WAL-sync (types 9–12, 19 B):  … ‖ logNumber(4) ‖ syncOffset(8)
 * The CRC covers type ‖ [logNumber ‖ syncOffset] ‖ payload. Type mod 4 gives the position:
 * FULL, FIRST, MIDDLE, LAST.
 */

export const WAL_BLOCK_SIZE = 32 * 1024;
const LEGACY_HEADER = 7;
const RECYCLABLE_HEADER = 11;
const WALSYNC_HEADER = 19;
const MASK_DELTA = 0xa282ead8;

/** LevelDB's CRC mask (`crc.Value()` in pebble/internal/crc). */
export function maskCrc(c: number): number {
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** One logical record: the concatenated payloads of its chunks. */
export interface LogRecord {
  /** File offset of the record's first chunk header. */
  readonly offset: number;
  readonly payload: Uint8Array;
}

export interface ReadRecordsOptions {
  /** File name for error messages. */
  readonly file?: string;
  /** Layer named in errors: 'wal' (default) or 'manifest'. */
  readonly layer?: DecodeLayer;
  /**
   * The file's log number (its file number). Recyclable chunks carrying another number belong to a
   * recycled previous log and end the log; number + 1 is Pebble's EOF trailer.
   */
  readonly logNumber?: number;
  /**
   * When false, damage at the tail (a record running past the end of the file, a bad checksum in
   * the last chunk) is a DecodeError too. MANIFEST readers use this; WAL readers keep the default
   * (true): a torn WAL tail is the normal result of a crash.
   */
  readonly tolerateTornTail?: boolean;
  /** Called when the log ends at a torn or recycled tail, or when a stray fragment is dropped. */
  readonly onWarning?: (detail: string, offset: number) => void;
}

type ChunkResult =
  | { kind: 'chunk'; pos: 1 | 2 | 3 | 4; start: number; end: number; next: number; header: number }
  | { kind: 'skip'; next: number }
  | { kind: 'end' }
  | { kind: 'bad'; detail: string; offset: number };

function headerSize(type: number): number {
  if (type >= 1 && type <= 4) return LEGACY_HEADER;
  if (type >= 5 && type <= 8) return RECYCLABLE_HEADER;
  if (type >= 9 && type <= 12) return WALSYNC_HEADER;
  return 0;
}

function allZero(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

/** Decodes the chunk at `off` (pure; no record assembly). */
function readChunk(b: Uint8Array, off: number, logNumber: number | undefined): ChunkResult {
  const blockEnd = Math.min(b.length, (Math.floor(off / WAL_BLOCK_SIZE) + 1) * WAL_BLOCK_SIZE);
  if (off >= b.length) return { kind: 'end' };
  if (blockEnd - off < LEGACY_HEADER) {
    if (allZero(b, off, blockEnd)) return { kind: 'skip', next: blockEnd };
    return { kind: 'bad', detail: 'non-zero bytes in a block trailer too short for a chunk header', offset: off };
  }
  const dv = new DataView(b.buffer, b.byteOffset + off, LEGACY_HEADER);
  const checksum = dv.getUint32(0, true);
  const length = dv.getUint16(4, true);
  const type = b[off + 6]!;
  if (type === 0) {
    // Zeroed space: a padded block tail, preallocated space, or the end of the log.
    if (checksum === 0 && length === 0 && allZero(b, off, blockEnd)) return { kind: 'skip', next: blockEnd };
    return { kind: 'bad', detail: `invalid chunk type 0 (checksum ${checksum}, length ${length})`, offset: off };
  }
  const hs = headerSize(type);
  if (hs === 0) return { kind: 'bad', detail: `invalid chunk type ${type}`, offset: off };
  if (off + hs > blockEnd) return { kind: 'bad', detail: `chunk header of type ${type} crosses a block boundary`, offset: off };
  if (hs > LEGACY_HEADER && logNumber !== undefined) {
    const ln = new DataView(b.buffer, b.byteOffset + off + 7, 4).getUint32(0, true);
    const want = logNumber >>> 0;
    if (ln !== want) {
      if (ln === (want + 1) >>> 0) return { kind: 'end' };
      return { kind: 'bad', detail: `recycled chunk (log number ${ln}, file is log ${want})`, offset: off };
    }
  }
  const start = off + hs;
  const end = start + length;
  if (end > blockEnd) return { kind: 'bad', detail: `chunk of ${length} bytes runs past its block or the file end`, offset: off };
  const got = maskCrc(crc32c(b.subarray(off + 6, end)));
  if (got !== checksum) {
    return { kind: 'bad', detail: `chunk checksum mismatch (stored ${checksum.toString(16)}, computed ${got.toString(16)})`, offset: off };
  }
  return { kind: 'chunk', pos: (((type - 1) % 4) + 1) as 1 | 2 | 3 | 4, start, end, next: end, header: off };
}

/** True if some block after `off` begins with a valid chunk of this log (then a failure is mid-log). */
function validDataFollows(b: Uint8Array, off: number, logNumber: number | undefined): boolean {
  for (let blk = (Math.floor(off / WAL_BLOCK_SIZE) + 1) * WAL_BLOCK_SIZE; blk < b.length; blk += WAL_BLOCK_SIZE) {
    const r = readChunk(b, blk, logNumber);
    if (r.kind === 'chunk') return true;
    if (r.kind === 'end') return false;
  }
  return false;
}

/**
 * Yields the records of a whole log file held in memory (WALs and MANIFESTs are bounded).
 * A damaged chunk at the tail (torn write, preallocated zeros, recycled log, Pebble EOF trailer)
 * ends the log; damage followed by further valid chunks throws a DecodeError naming file and offset.
 */
export function* readLogRecords(bytes: Uint8Array, opts: ReadRecordsOptions = {}): Generator<LogRecord> {
  const { file, logNumber } = opts;
  let off = 0;
  let parts: Uint8Array[] = [];
  let recStart = -1;
  const fail = (detail: string, at: number): void => {
    if (opts.tolerateTornTail === false) {
      throw new DecodeError(opts.layer ?? 'wal', `${detail} (the file is truncated or damaged)`, file, at, 'restore the file from a copy');
    }
    if (validDataFollows(bytes, at, logNumber)) {
      throw new DecodeError(opts.layer ?? 'wal', detail, file, at, 'the log is corrupt in the middle; restore the file from a copy');
    }
    opts.onWarning?.(`${detail}; treated as the end of the log`, at);
  };
  for (;;) {
    const r = readChunk(bytes, off, logNumber);
    if (r.kind === 'end') break;
    if (r.kind === 'skip') {
      off = r.next;
      continue;
    }
    if (r.kind === 'bad') {
      fail(r.detail, r.offset);
      break;
    }
    const piece = bytes.subarray(r.start, r.end);
    switch (r.pos) {
      case 1:
        if (recStart >= 0) opts.onWarning?.('FULL chunk inside a fragmented record; partial record dropped', recStart);
        parts = [];
        recStart = -1;
        yield { offset: r.header, payload: piece };
        break;
      case 2:
        if (recStart >= 0) opts.onWarning?.('FIRST chunk inside a fragmented record; partial record dropped', recStart);
        parts = [piece];
        recStart = r.header;
        break;
      case 3:
        if (recStart < 0) opts.onWarning?.('MIDDLE chunk without a FIRST chunk; skipped', r.header);
        else parts.push(piece);
        break;
      case 4:
        if (recStart < 0) {
          opts.onWarning?.('LAST chunk without a FIRST chunk; skipped', r.header);
          break;
        }
        parts.push(piece);
        yield { offset: recStart, payload: concatBytes(parts) };
        parts = [];
        recStart = -1;
        break;
    }
    off = r.next;
  }
  if (recStart >= 0) {
    if (opts.tolerateTornTail === false) {
      throw new DecodeError(
        opts.layer ?? 'wal',
        'log ends inside a fragmented record (the file is truncated)',
        file,
        recStart,
        'restore the file from a copy',
      );
    }
    opts.onWarning?.('log ends inside a fragmented record; partial record dropped', recStart);
  }
}
