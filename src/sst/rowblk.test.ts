import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRowBlockPairs, KeyArena, PackedRowBlockIter } from './rowblk.js';
import { isDecodeError } from '../util/errors.js';

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};

/** A LevelDB row block (one restart point) from keys in order, prefix-compressed against the previous key. */
function buildBlock(entries: Array<[Uint8Array, Uint8Array]>, restartEvery = 16): Uint8Array {
  const bytes: number[] = [];
  const restarts: number[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  entries.forEach(([k, v], i) => {
    let shared = 0;
    if (i % restartEvery === 0) restarts.push(bytes.length);
    else while (shared < prev.length && shared < k.length && prev[shared] === k[shared]) shared++;
    bytes.push(...varint(shared), ...varint(k.length - shared), ...varint(v.length), ...k.subarray(shared), ...v);
    prev = k;
  });
  for (const r of restarts) bytes.push(r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, r >>> 24);
  const n = restarts.length;
  bytes.push(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
  return Uint8Array.from(bytes);
}

test('PackedRowBlockIter yields every key and value of the block; kept key views stay valid across arena chunks', () => {
  const enc = new TextEncoder();
  const entries: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < 4000; i++) {
    // 40-byte keys sharing ~34 bytes with their predecessor, a few long ones (>48 and > one 64 KiB chunk).
    let key = enc.encode(`/Table/53/1/${'x'.repeat(20)}/${String(i).padStart(6, '0')}`);
    if (i === 1500) key = enc.encode(`/Table/53/1/${'x'.repeat(20)}/${String(i).padStart(6, '0')}${'y'.repeat(100)}`);
    if (i === 2500) key = enc.encode(`/Table/53/1/${'x'.repeat(20)}/${String(i).padStart(6, '0')}${'z'.repeat(70_000)}`);
    entries.push([key, enc.encode(`v${i}`)]);
  }
  const block = buildBlock(entries);
  const arena = new KeyArena();
  const packed = new PackedRowBlockIter(block, arena, 1000);
  const kept: Uint8Array[] = [];
  let n = 0;
  let lastOffset = -1;
  const chunks = new Set<ArrayBufferLike>();
  while (packed.next()) {
    const k = packed.keyBuf.subarray(packed.keyOff, packed.keyOff + packed.keyLen);
    assert.deepEqual(k, entries[n]![0], `key ${n}`);
    assert.deepEqual(block.subarray(packed.valueStart, packed.valueEnd), entries[n]![1]);
    assert.ok(packed.entryOffset > lastOffset);
    lastOffset = packed.entryOffset;
    if (packed.keyBuf !== block) chunks.add(packed.keyBuf.buffer);
    kept.push(k);
    n++;
  }
  assert.equal(n, entries.length);
  assert.ok(chunks.size >= 3, `keys spread over ${chunks.size} arena chunks`);
  kept.forEach((k, i) => assert.deepEqual(k, entries[i]![0], `kept key ${i} unchanged`));
  assert.deepEqual(decodeRowBlockPairs(block, 1000), entries, 'decodeRowBlockPairs gives the same pairs');
});

test('PackedRowBlockIter: corrupt entries are DecodeErrors at the entry offset', () => {
  const block = buildBlock([[Uint8Array.of(1, 2, 3), Uint8Array.of(9)]]);
  // First entry claims a shared prefix although there is no previous key.
  const bad = Uint8Array.from(block);
  bad[0] = 2;
  assert.throws(
    () => {
      const it = new PackedRowBlockIter(bad, new KeyArena(), 500);
      while (it.next());
    },
    (e: unknown) => isDecodeError(e) && e.offset === 500,
  );
  // Value length running past the entries.
  const long = Uint8Array.from(block);
  long[2] = 100;
  assert.throws(() => {
    const it = new PackedRowBlockIter(long, new KeyArena(), 0);
    while (it.next());
  }, isDecodeError);
});
