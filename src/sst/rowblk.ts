import { DecodeError } from '../util/errors.js';

/** All (key, value) pairs of a small row block (metaindex, properties, index). */
export function decodeRowBlockPairs(block: Uint8Array, base = 0): Array<[Uint8Array, Uint8Array]> {
  const it = new PackedRowBlockIter(block, new KeyArena(), base);
  const out: Array<[Uint8Array, Uint8Array]> = [];
  while (it.next()) out.push([it.keyBuf.subarray(it.keyOff, it.keyOff + it.keyLen), block.subarray(it.valueStart, it.valueEnd)]);
  return out;
}

/** Bytes per key arena chunk of `PackedRowBlockIter` (keys rebuilt from shared prefixes live here). */
const ARENA_CHUNK = 64 * 1024;

/** A growable sequence of byte chunks that rebuilt keys are written into (shared by a table's blocks). */
export class KeyArena {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;

  /** Room for `n` more bytes at `pos`, starting a new chunk when needed (old chunks stay valid). */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.buf = new Uint8Array(Math.max(ARENA_CHUNK, n));
    this.pos = 0;
  }
}

/**
 * Forward iterator over a LevelDB-style row block (`pebble: sstable/rowblk/rowblk_iter.go`;
 * docs/formats.md §6.4): entries `shared ‖ unshared ‖ valueLen` (LEB128) ‖ key delta ‖ value, then
 * `numRestarts` uint32 LE restart offsets (MSB is a Pebble v3+ flag, ignored here) and the uint32
 * LE count. The current key is `keyBuf[keyOff, keyOff+keyLen)`
 * and the value `block[valueStart, valueEnd)`, without allocating. A key that shares no prefix
 * is located in the block itself; one that does is rebuilt into the `KeyArena` (one allocation per
 * 64 KiB, not per key). Both stay valid after the iterator moves on, so views of them may be kept.
 */
export class PackedRowBlockIter {
  keyBuf: Uint8Array;
  keyOff = 0;
  keyLen = 0;
  valueStart = 0;
  valueEnd = 0;
  /** Offset of the current entry within the block. */
  entryOffset = 0;
  private pos = 0;
  private readonly end: number;

  constructor(
    private readonly block: Uint8Array,
    private readonly arena: KeyArena,
    private readonly base = 0,
  ) {
    this.keyBuf = block;
    if (block.length < 4) this.fail('block shorter than its restart count', 0);
    const numRestarts =
      (block[block.length - 4]! | (block[block.length - 3]! << 8) | (block[block.length - 2]! << 16) | (block[block.length - 1]! << 24)) >>>
      0;
    const end = block.length - 4 - 4 * numRestarts;
    if (numRestarts === 0 && block.length > 4) this.fail('row block has no restart points', block.length - 4);
    if (end < 0) this.fail(`restart count ${numRestarts} does not fit the ${block.length}-byte block`, block.length - 4);
    this.end = end;
  }

  /** Advances to the next entry; false at the end of the block. */
  next(): boolean {
    const b = this.block;
    let p = this.pos;
    if (p >= this.end) return false;
    this.entryOffset = p;
    let shared = 0,
      unshared = 0,
      valueLen = 0;
    let c = b[p++]!;
    if (c < 0x80) shared = c;
    else {
      [shared, p] = this.slowVarint(p - 1);
    }
    c = b[p++]!;
    if (c < 0x80) unshared = c;
    else {
      [unshared, p] = this.slowVarint(p - 1);
    }
    c = b[p++]!;
    if (c < 0x80) valueLen = c;
    else {
      [valueLen, p] = this.slowVarint(p - 1);
    }
    const vStart = p + unshared;
    const vEnd = vStart + valueLen;
    if (vEnd > this.end) this.fail('entry runs past the end of the block entries', this.entryOffset);
    if (shared === 0) {
      this.keyBuf = b;
      this.keyOff = p;
      this.keyLen = unshared;
    } else {
      if (shared > this.keyLen) this.fail(`entry shares ${shared} bytes with a ${this.keyLen}-byte previous key`, this.entryOffset);
      const len = shared + unshared;
      const a = this.arena;
      const prev = this.keyBuf;
      const prevOff = this.keyOff;
      a.reserve(len);
      const dst = a.buf;
      const off = a.pos;
      if (prev === dst)
        dst.copyWithin(off, prevOff, prevOff + shared); // same chunk: memmove, no view
      else if (shared < 48) for (let i = 0; i < shared; i++) dst[off + i] = prev[prevOff + i]!;
      else dst.set(prev.subarray(prevOff, prevOff + shared), off);
      if (unshared < 48) for (let i = 0; i < unshared; i++) dst[off + shared + i] = b[p + i]!;
      else dst.set(b.subarray(p, vStart), off + shared);
      a.pos = off + len;
      this.keyBuf = dst;
      this.keyOff = off;
      this.keyLen = len;
    }
    this.valueStart = vStart;
    this.valueEnd = vEnd;
    this.pos = vEnd;
    return true;
  }

  private slowVarint(p: number): [number, number] {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= this.end) this.fail('truncated varint in block entry', p);
      const c = this.block[p++]!;
      result += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) return [result, p];
    }
    return this.fail('varint longer than 5 bytes in block entry', p);
  }

  private fail(detail: string, at: number): never {
    throw new DecodeError('block', detail, undefined, this.base + at);
  }
}
