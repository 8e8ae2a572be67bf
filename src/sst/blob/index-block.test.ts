import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecodeError } from '../../util/errors.js';
import { buildColumnarBlock } from '../colblk/testing/colblk-builder.js';
import { decodeBlobIndexBlock } from './index-block.js';

test('blob index block: offsets give handles; virtual blocks remap block and value IDs (rewritten files)', () => {
  // Three physical blocks at 0, 120, 300 (end 410); four virtual blocks: 0→0, 1→0 (+32 value IDs), 2→1, 3→2.
  const virtual = [0n, 0n | (32n << 32n), 1n, 2n];
  const block = buildColumnarBlock(Uint8Array.of(4, 0, 0, 0), 3, [
    { type: 'uint', values: virtual },
    { type: 'uint', values: [0n, 120n, 300n, 410n] },
  ]);
  const idx = decodeBlobIndexBlock(block, 5000);
  assert.equal(idx.blockCount, 3);
  assert.equal(idx.virtualBlockCount, 4);
  assert.deepEqual(idx.blockHandle(1), { offset: 120, length: 175 });
  assert.deepEqual(idx.remap(1), { block: 0, valueIdOffset: 32 });
  assert.deepEqual(idx.remap(3), { block: 2, valueIdOffset: 0 });
  assert.throws(
    () => idx.remap(4),
    (e: DecodeError) => e.name === 'DecodeError' && /past the 4 virtual blocks/.test(e.message),
  );

  const plain = decodeBlobIndexBlock(
    buildColumnarBlock(Uint8Array.of(0, 0, 0, 0), 1, [
      { type: 'uint', values: [] },
      { type: 'uint', values: [0n, 64n] },
    ]),
  );
  assert.deepEqual(plain.remap(7), { block: 7, valueIdOffset: 0 }, 'identity without virtual blocks');
  assert.deepEqual(plain.blockHandle(0), { offset: 0, length: 59 });
  assert.throws(
    () => decodeBlobIndexBlock(block.subarray(0, 3), 5000),
    (e: DecodeError) => e.offset === 5000,
  );
});
