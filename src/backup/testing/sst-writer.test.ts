import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSst } from '../../sst/reader.js';
import { bytesReader } from '../../storage/range-reader.js';
import { writeSst } from './sst-writer.js';

function engineKey(i: number, wall?: bigint): Uint8Array {
  const roach = new TextEncoder().encode(`key-${String(i).padStart(5, '0')}`);
  if (wall === undefined) return Uint8Array.from([...roach, 0]);
  const k = new Uint8Array(roach.length + 1 + 8 + 1);
  k.set(roach);
  new DataView(k.buffer).setBigUint64(roach.length + 1, wall, false);
  k[k.length - 1] = 9;
  return k;
}

test('writeSst output reads back through the project SST reader (multi-block, snappy and raw)', async () => {
  for (const compression of ['snappy', 'none'] as const) {
    const entries = [];
    for (let i = 0; i < 500; i++) {
      entries.push({ key: engineKey(i, 2000n), value: new TextEncoder().encode(`v2-${i}`.repeat(5)) });
      entries.push({ key: engineKey(i, 1000n), value: new TextEncoder().encode(`v1-${i}`) });
    }
    entries.push({ key: engineKey(7), value: Uint8Array.of(1, 2, 3) });
    const bytes = writeSst(entries.reverse(), { compression, blockSize: 1024 });
    const sst = await openSst(bytesReader('t.sst', bytes));
    assert.equal(sst.info.format.startsWith('rocksdb'), true, sst.info.format);
    const got = [];
    for await (const kv of sst.entries()) got.push(kv);
    assert.equal(got.length, 1001);
    const dec = new TextDecoder();
    // Order: key-00000@2000, key-00000@1000, …, key-00007 (unversioned) before its versions.
    assert.equal(dec.decode(got[0]!.value), 'v2-0'.repeat(5));
    assert.equal(dec.decode(got[1]!.value), 'v1-0');
    assert.deepEqual(got[14]!.value, Uint8Array.of(1, 2, 3));
    assert.equal(dec.decode(got[1000]!.value), 'v1-499');
    assert.equal(sst.info.properties.get('rocksdb.num.entries'), 1001n);
    await sst.close();
  }
});
