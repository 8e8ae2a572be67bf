import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecodeError } from '../../util/errors.js';
import { decodeBlobHandle } from '../blob/handle.js';
import { decodeColumnarDataBlock, type ColumnarKV } from './index.js';
import { ColumnarBlock } from './block.js';
import { compareEngine, splitEngineKey } from './testing/engine-order.js';
import { openFixtureSst, uvarintProp, type FixtureSst } from './testing/fixture-sst.js';

const STORE = new URL('../../../../shared/fixtures/crdb-stores/frt-v25.4.0/', import.meta.url);
const TABLES = ['000009.sst', '000013.sst', '000018.sst'];

async function allKVs(sst: FixtureSst): Promise<ColumnarKV[][]> {
  return sst.dataBlocks.map((b) => [...decodeColumnarDataBlock(b.data, b.offset)]);
}

for (const name of TABLES) {
  test(`colblk data blocks of frt-v25.4.0/${name} match the table properties`, async () => {
    const sst = await openFixtureSst(new URL(name, STORE).pathname);
    assert.equal(sst.version, 7);
    assert.equal(new TextDecoder().decode(sst.props.get('pebble.colblk.schema')), 'crdb1');
    const blocks = await allKVs(sst);
    const kvs = blocks.flat();
    assert.equal(BigInt(sst.dataBlocks.length), uvarintProp(sst.props.get('rocksdb.num.data.blocks')));
    assert.equal(BigInt(kvs.length), uvarintProp(sst.props.get('rocksdb.num.entries')));

    // rocksdb.raw.key.size sums internal keys (user key + 8-byte trailer): proves every
    // reconstructed engine key has the right length.
    let keySize = 0n;
    let valueSize = 0n;
    let blobValues = 0n;
    let deletes = 0n;
    let merges = 0n;
    for (const kv of kvs) {
      keySize += BigInt(kv.userKey.length + 8);
      if (kv.valuePrefix !== undefined) {
        assert.equal(kv.valuePrefix & 0xc0, 0x40, 'only blob handles are external in this store');
        valueSize += BigInt(decodeBlobHandle(kv.value).valueLength);
        blobValues++;
      } else {
        valueSize += BigInt(kv.value.length);
      }
      if (kv.kind === 0 || kv.kind === 7 || kv.kind === 23) deletes++;
      if (kv.kind === 2) merges++;
      assert.ok([0, 1, 2, 7, 18, 23].includes(kv.kind), `unexpected kind ${kv.kind}`);
      assert.ok([0, 9, 13].includes(kv.userKey[kv.userKey.length - 1]!), 'version length byte');
    }
    assert.equal(keySize, uvarintProp(sst.props.get('rocksdb.raw.key.size')));
    assert.equal(valueSize, uvarintProp(sst.props.get('rocksdb.raw.value.size')));
    assert.equal(deletes, uvarintProp(sst.props.get('rocksdb.deleted.keys')));
    assert.equal(merges, uvarintProp(sst.props.get('rocksdb.merge.operands')));
    assert.equal(blobValues, uvarintProp(sst.props.get('pebble.num.values.in.blob-files')) ?? 0n);

    // Internal-key order across the whole table: engine keys ascending, versions newest first,
    // equal user keys by descending sequence number.
    for (let i = 1; i < kvs.length; i++) {
      const a = kvs[i - 1]!;
      const b = kvs[i]!;
      const c = compareEngine(a.userKey, b.userKey);
      assert.ok(
        c < 0 || (c === 0 && a.seqNum > b.seqNum),
        `row ${i}: ${Buffer.from(a.userKey).toString('hex')}#${a.seqNum} !< ${Buffer.from(b.userKey).toString('hex')}#${b.seqNum}`,
      );
    }
  });
}

test('colblk data block: known first keys of 000009.sst and 000013.sst', async () => {
  const t9 = await openFixtureSst(new URL('000009.sst', STORE).pathname);
  const first9 = [...decodeColumnarDataBlock(t9.dataBlocks[0]!.data, t9.dataBlocks[0]!.offset)][0]!;
  // /Local/Range… is not here: 000009 starts at the system span 0x01 0x69 0x89 ("\x01i\x89rlgc-") unversioned.
  assert.equal(Buffer.from(first9.userKey).toString('hex'), '016989726c67632d00');
  assert.equal(first9.kind, 1);
  assert.equal(first9.valuePrefix, 0x40);

  const t13 = await openFixtureSst(new URL('000013.sst', STORE).pathname);
  const kvs = [...decodeColumnarDataBlock(t13.dataBlocks[0]!.data, t13.dataBlocks[0]!.offset)];
  // Rows 1 and 2 share the roach key prefix "\x03\x04\x00liveness-" and carry MVCC wall times.
  assert.equal(Buffer.from(kvs[1]!.userKey).toString('hex'), '0304006c6976656e6573732d00189c457d924e43a009');
  assert.equal(Buffer.from(kvs[2]!.userKey).toString('hex'), '0304006c6976656e6573732e00189c457d924e43a009');
  assert.equal(kvs[1]!.valuePrefix, undefined);
  // Some row has a 13-byte version (wall + logical), rebuilt from the logical column.
  assert.ok(t13.dataBlocks.some((b) => [...decodeColumnarDataBlock(b.data)].some((kv) => kv.userKey[kv.userKey.length - 1] === 13)));
});

test('colblk data block: iteration is lazy and re-iterable', async () => {
  const sst = await openFixtureSst(new URL('000018.sst', STORE).pathname);
  const it = decodeColumnarDataBlock(sst.dataBlocks[0]!.data);
  let n = 0;
  for (const _ of it) if (++n === 3) break;
  assert.equal(n, 3);
  assert.equal([...it].length, 164);
});

test('colblk data block: corrupt bytes give a DecodeError with layer and offset', async () => {
  const sst = await openFixtureSst(new URL('000018.sst', STORE).pathname);
  const good = sst.dataBlocks[0]!.data;
  const base = sst.dataBlocks[0]!.offset;

  const badVersion = Uint8Array.from(good);
  badVersion[5] = 7; // columnar header version byte (after the 5-byte crdb1 custom header)
  assert.throws(
    () => decodeColumnarDataBlock(badVersion, base + 1000),
    (e: DecodeError) =>
      e.name === 'DecodeError' && e.layer === 'block' && /data block version 7/.test(e.message) && e.offset === base + 1000 + 5,
  );

  const badPage = Uint8Array.from(good);
  // Column 6 (values) page start: push it past the block end.
  const colHeader = 5 + 7 + 6 * 5 + 1;
  new DataView(badPage.buffer).setUint32(colHeader, good.length + 100, true);
  assert.throws(
    () => decodeColumnarDataBlock(badPage, base),
    (e: Error) => e.name === 'DecodeError' && /column 6/.test(e.message),
  );

  assert.throws(
    () => decodeColumnarDataBlock(good.subarray(0, 30), base),
    (e: Error) => e.name === 'DecodeError',
  );
  assert.throws(
    () => decodeColumnarDataBlock(good.subarray(0, good.length - 40), base),
    (e: Error) => e.name === 'DecodeError',
  );
});

test('colblk PrefixBytes random access agrees with forward iteration (000013.sst)', async () => {
  const sst = await openFixtureSst(new URL('000013.sst', STORE).pathname);
  let rows = 0;
  for (const b of sst.dataBlocks) {
    const bd = new ColumnarBlock(b.data, 5, b.offset, 'data block');
    const roach = bd.prefixBytes(0);
    assert.equal(roach.bundleShift, 4, 'CockroachDB uses bundles of 16');
    const kvs = [...decodeColumnarDataBlock(b.data, b.offset)];
    for (let r = kvs.length - 1; r >= 0; r--) {
      const { roach: expected } = splitEngineKey(kvs[r]!.userKey);
      assert.deepEqual(roach.at(r), Uint8Array.from(expected));
      rows++;
    }
  }
  assert.equal(rows, 4618);
});
