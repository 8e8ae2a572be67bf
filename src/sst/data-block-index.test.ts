import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localFileReader } from '../storage/local-file.js';
import { BLOCK_TRAILER_LEN } from './block-handle.js';
import { comparerFor } from './comparer.js';
import { openSst } from './reader.js';
import type { InternalKV } from './types.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));

async function fixtureSsts(): Promise<string[]> {
  const out: string[] = [];
  for (const store of (await readdir(STORES)).sort()) {
    if (!(await stat(join(STORES, store))).isDirectory()) continue;
    for (const f of (await readdir(join(STORES, store))).sort()) if (f.endsWith('.sst')) out.push(join(STORES, store, f));
  }
  return out;
}

test('dataBlockIndex of every fixture SST agrees with its properties and its data blocks', async () => {
  const files = await fixtureSsts();
  assert.ok(files.length >= 15, `${files.length} fixture SSTs`);
  let multiBlock = 0;
  for (const path of files) {
    const sst = await openSst(localFileReader(path), { unresolvedBlobValue: () => new Uint8Array(0) });
    try {
      const idx = await sst.dataBlockIndex!();
      const props = sst.info.properties;
      // Writer-recorded totals (RocksDB and Pebble `rocksdb.data.size` count the block trailers).
      assert.equal(BigInt(idx.length), props.get('rocksdb.num.data.blocks'), `${path}: block count`);
      assert.equal(BigInt(idx.reduce((n, e) => n + e.length + BLOCK_TRAILER_LEN, 0)), props.get('rocksdb.data.size'), `${path}: data size`);
      const cmp = comparerFor(props.get('rocksdb.comparator') as string | undefined).compare;
      for (let i = 1; i < idx.length; i++) {
        assert.ok(idx[i]!.offset > idx[i - 1]!.offset, `${path}: offsets ascend`);
        assert.ok(cmp(idx[i - 1]!.separator, idx[i]!.separator) < 0, `${path}: separators ascend`);
      }
      // One batch per data block: each block's keys lie between its separator and the previous one.
      const blocks: InternalKV[][] = [];
      for await (const b of sst.entryBatches!()) blocks.push(b);
      assert.equal(blocks.length, idx.length, `${path}: one batch per indexed block`);
      blocks.forEach((b, i) => {
        assert.ok(cmp(b[b.length - 1]!.userKey, idx[i]!.separator) <= 0, `${path}: block ${i} ends at or before its separator`);
        if (i > 0)
          assert.ok(cmp(idx[i - 1]!.separator, b[0]!.userKey) <= 0, `${path}: block ${i} starts at or after the previous separator`);
      });
      // Bounds select the blocks a scan would visit.
      if (idx.length >= 3) {
        multiBlock++;
        const k = Math.floor(idx.length / 2);
        const sep = idx[k]!.separator;
        assert.deepEqual(await sst.dataBlockIndex!({ start: sep }), idx.slice(k), `${path}: start bound`);
        assert.deepEqual(await sst.dataBlockIndex!({ end: sep }), idx.slice(0, k + 1), `${path}: end bound`);
      }
    } finally {
      await sst.close();
    }
  }
  assert.ok(multiBlock > 5, 'several multi-block tables checked');
});
