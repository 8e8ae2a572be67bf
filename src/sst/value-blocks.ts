import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import type { BlockHandle } from './block-handle.js';
import { readBlockHandle } from './block-handle.js';

/**
 * Value blocks, Pebble table format v3+ (`pebble: sstable/valblk/valblk.go`; docs/formats.md
 * §6.6). A SET whose value prefix has kind 0x80 stores a value handle instead of the value:
 * LEB128 valueLen ‖ blockNum ‖ offsetInBlock. Block locations come from the `pebble.value_index`
 * meta block: fixed-width LE tuples (blockNum, offset, length) whose widths follow the block handle
 * in the metaindex value.
 */
export interface ValueIndexHandle {
  readonly handle: BlockHandle;
  readonly blockNumWidth: number;
  readonly offsetWidth: number;
  readonly lengthWidth: number;
}

export interface ValueHandle {
  readonly valueLen: number;
  readonly blockNum: number;
  readonly offsetInBlock: number;
}

/** Decodes the metaindex value of `pebble.value_index`. */
export function decodeValueIndexHandle(v: Uint8Array, base = 0): ValueIndexHandle {
  const r = new ByteReader(v, 'sst', base);
  const handle = readBlockHandle(r);
  if (r.remaining !== 3) r.fail(`value index handle has ${r.remaining} width bytes, expected 3`);
  const blockNumWidth = r.u8();
  const offsetWidth = r.u8();
  const lengthWidth = r.u8();
  for (const w of [blockNumWidth, offsetWidth, lengthWidth]) if (w < 1 || w > 8) r.fail(`bad value index width ${w}`);
  return { handle, blockNumWidth, offsetWidth, lengthWidth };
}

/** Decodes the value index block into the handles of value blocks 0, 1, … */
export function decodeValueIndex(block: Uint8Array, h: ValueIndexHandle, base = 0): BlockHandle[] {
  const row = h.blockNumWidth + h.offsetWidth + h.lengthWidth;
  if (block.length % row !== 0) {
    throw new DecodeError('sst', `value index block of ${block.length} bytes is not a multiple of its ${row}-byte rows`, undefined, base);
  }
  const out: BlockHandle[] = [];
  for (let p = 0, i = 0; p < block.length; p += row, i++) {
    const bn = leUint(block, p, h.blockNumWidth);
    if (bn !== i) throw new DecodeError('sst', `value index row ${i} names block ${bn}`, undefined, base + p);
    out.push({
      offset: leUint(block, p + h.blockNumWidth, h.offsetWidth),
      length: leUint(block, p + h.blockNumWidth + h.offsetWidth, h.lengthWidth),
    });
  }
  return out;
}

function leUint(b: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + b[at + i]!;
  if (!Number.isSafeInteger(v)) throw new DecodeError('sst', 'value index entry exceeds 2^53', undefined, at);
  return v;
}

/** Decodes a value handle (the bytes after a 0x80-kind value prefix). */
export function decodeValueHandle(v: Uint8Array, base = 0): ValueHandle {
  const r = new ByteReader(v, 'sst', base);
  const valueLen = r.uvarint();
  const blockNum = r.uvarint();
  const offsetInBlock = r.uvarint();
  return { valueLen, blockNum, offsetInBlock };
}

/** Value prefix byte (`pebble: sstable/block/kv.go` `ValuePrefix`). */
export const ValuePrefixKind = { Mask: 0xc0, InPlace: 0x00, BlobHandle: 0x40, ValueBlockHandle: 0x80 } as const;
