import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecodeError } from '../../util/errors.js';
import { decodeColumnarDataBlock, decodeColumnarIndexBlock, decodeColumnarKeyValueBlock, decodeColumnarKeyspanBlock } from './index.js';
import { buildColumnarBlock } from './testing/colblk-builder.js';
import { compareEngine } from './testing/engine-order.js';
import { openFixtureSst, uvarintProp } from './testing/fixture-sst.js';

const STORE = new URL('../../../../shared/fixtures/crdb-stores/frt-v25.4.0/', import.meta.url);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

test('colblk index blocks of the frt-v25.4.0 tables point at contiguous data blocks', async () => {
  for (const name of ['000009.sst', '000013.sst', '000018.sst']) {
    const sst = await openFixtureSst(new URL(name, STORE).pathname);
    assert.equal(sst.indexBlocks.length, 1, 'single-level index (index.type 0)');
    const entries = decodeColumnarIndexBlock(sst.indexBlocks[0]!.data, sst.indexBlocks[0]!.offset);
    assert.equal(BigInt(entries.length), uvarintProp(sst.props.get('rocksdb.num.data.blocks')));
    let next = 0n;
    for (const e of entries) {
      assert.equal(e.offset, next, `${name}: data blocks are laid out back to back from offset 0`);
      next = e.offset + e.length + 5n;
    }
    if (name === '000018.sst') {
      // One block; its properties: MVCCTimeInterval collector (id 0) + obsolete-key collector (id 1).
      assert.equal(entries[0]!.props[0], 0);
      assert.ok(entries[0]!.props.length > 4);
    }
    assert.equal(next, uvarintProp(sst.props.get('rocksdb.data.size')) ?? -1n);
    // Each separator is ≥ the last key of its block and < the next block's first key (engine order).
    for (let i = 0; i < entries.length; i++) {
      const kvs = [...decodeColumnarDataBlock(sst.dataBlocks[i]!.data)];
      const sep = entries[i]!.separator;
      assert.ok(compareEngine(kvs[kvs.length - 1]!.userKey, sep) <= 0, `${name} block ${i}: separator below last key`);
      if (i + 1 < entries.length) {
        const nextFirst = [...decodeColumnarDataBlock(sst.dataBlocks[i + 1]!.data)][0]!.userKey;
        assert.ok(compareEngine(sep, nextFirst) < 0, `${name} block ${i}: separator not below next block's first key`);
      }
    }
  }
});

test('colblk key-value blocks: v7 metaindex and compressed properties block', async () => {
  const sst = await openFixtureSst(new URL('000009.sst', STORE).pathname);
  assert.deepEqual([...sst.meta.keys()], ['fullfilter.rocksdb.BuiltinBloomFilter', 'pebble.blob_ref_index', 'rocksdb.properties']);
  assert.equal(dec(sst.props.get('rocksdb.comparator')!), 'cockroach_comparator');
  assert.equal(dec(sst.props.get('rocksdb.merge.operator')!), 'cockroach_merge_operator');
  assert.equal(dec(sst.props.get('rocksdb.property.collectors')!), '[MVCCTimeInterval,obsolete-key]');
  assert.equal(uvarintProp(sst.props.get('rocksdb.num.entries')), 1511n);
  // Keys of a KV block are sorted and unique.
  const ph = sst.meta.get('rocksdb.properties')!;
  const kv = decodeColumnarKeyValueBlock(sst.readBlock(ph.offset, ph.length), ph.offset);
  assert.equal(kv.length, sst.props.size);
  for (let i = 1; i < kv.length; i++) assert.ok(Buffer.compare(kv[i - 1]![0], kv[i]![0]) < 0);
});

test('colblk keyspan block: spans, gaps and keys (hand-built, Pebble layout)', () => {
  // Spans [a,c) with 2 keys, [c,e) with 1, gap [e,f), [f,g) with 1 key.
  const bounds = ['a', 'c', 'e', 'f', 'g'].map(enc);
  const header = Uint8Array.of(bounds.length, 0, 0, 0);
  const trailers = [(9n << 8n) | 21n, (7n << 8n) | 19n, (5n << 8n) | 15n, (3n << 8n) | 15n];
  const block = buildColumnarBlock(header, 4, [
    { type: 'bytes', values: bounds },
    { type: 'uint', values: [0n, 2n, 3n, 3n, 4n] },
    { type: 'uint', values: trailers },
    { type: 'bytes', values: [enc('@5'), enc(''), enc(''), enc('')] },
    { type: 'bytes', values: [enc('v1'), enc(''), enc(''), enc('')] },
  ]);
  const got = decodeColumnarKeyspanBlock(block, 100).map((k) => ({
    start: dec(k.start),
    end: dec(k.end),
    seqNum: k.seqNum,
    kind: k.kind,
    suffix: dec(k.suffix),
    value: dec(k.value),
  }));
  assert.deepEqual(got, [
    { start: 'a', end: 'c', seqNum: 9n, kind: 21, suffix: '@5', value: 'v1' },
    { start: 'a', end: 'c', seqNum: 7n, kind: 19, suffix: '', value: '' },
    { start: 'c', end: 'e', seqNum: 5n, kind: 15, suffix: '', value: '' },
    { start: 'f', end: 'g', seqNum: 3n, kind: 15, suffix: '', value: '' },
  ]);
  // Boundary indices that do not cover all keys are rejected.
  const bad = buildColumnarBlock(header, 4, [
    { type: 'bytes', values: bounds },
    { type: 'uint', values: [0n, 2n, 3n, 3n, 3n] },
    { type: 'uint', values: trailers },
    { type: 'bytes', values: [enc(''), enc(''), enc(''), enc('')] },
    { type: 'bytes', values: [enc(''), enc(''), enc(''), enc('')] },
  ]);
  assert.throws(
    () => decodeColumnarKeyspanBlock(bad, 100),
    (e: DecodeError) => e.name === 'DecodeError' && /cover 3 of 4/.test(e.message),
  );
  assert.deepEqual(
    decodeColumnarKeyspanBlock(
      buildColumnarBlock(Uint8Array.of(0, 0, 0, 0), 0, [
        { type: 'bytes', values: [] },
        { type: 'uint', values: [] },
        { type: 'uint', values: [] },
        { type: 'bytes', values: [] },
        { type: 'bytes', values: [] },
      ]),
    ),
    [],
  );
});

test('colblk data block: hand-built crdb1 block with duplicates, bundles, logical and lock-table versions', () => {
  // Roach keys: 17 rows → two PrefixBytes bundles of 16. Built by hand in Pebble's layout:
  // shared prefix "k", bundle 0 prefix "" … encoded with the layout rules of prefix_bytes.go.
  const roach = ['ka', 'ka', 'kb', 'kb', 'kb', 'kc', 'kd', 'ke', 'kf', 'kg', 'kh', 'ki', 'kj', 'kk', 'kl', 'km', 'kn'];
  const bundle0 = roach.slice(0, 16);
  // PrefixBytes: shared "k" (end 1), bundle-0 prefix "" (end 1), suffixes; bundle-1 prefix "n", its row suffix "".
  const pieces: string[] = ['k', ''];
  let prev = '';
  for (const r of bundle0) {
    pieces.push(r === prev ? '' : r.slice(1));
    prev = r;
  }
  pieces.push('n', '');
  const data: number[] = [];
  const ends: bigint[] = [];
  for (const p of pieces) {
    data.push(...enc(p));
    ends.push(BigInt(data.length));
  }
  // PrefixBytes page: bundle shift byte, then offsets (n + bundles + 1 = 20 entries), then data.
  const walls = roach.map((_, i) => (i === 1 ? 0n : i === 2 ? 0n : BigInt(1_700_000_000_000_000_000 + i)));
  const logical = roach.map((_, i) => (i === 3 ? 7n : 0n));
  const untyped = roach.map((_, i) => (i === 2 ? Uint8Array.from([0x02, ...new Uint8Array(16)]) : new Uint8Array(0)));
  walls[2] = 0n;
  const prefixPage: number[] = [4]; // log2(16)
  prefixPage.push(1); // offsets: width 1, no delta (the page starts 8-aligned here, so no padding)
  for (const e of ends) prefixPage.push(Number(e));
  prefixPage.push(...data);
  const header = Uint8Array.of(3, 64, 0, 0, 0);
  const block = buildColumnarBlock(header, roach.length, [
    { type: 'prefix', page: prefixPage },
    { type: 'uint', values: walls },
    { type: 'uint', values: logical },
    { type: 'bytes', values: untyped },
    { type: 'uint', values: roach.map((_, i) => (BigInt(100 - i) << 8n) | 1n) },
    { type: 'bool', values: roach.map(() => false) },
    { type: 'bytes', values: roach.map((_, i) => (i === 4 ? Uint8Array.of(0x40, 0, 5, 0, 1) : enc(`v${i}`))) },
    { type: 'bool', values: roach.map((_, i) => i === 4) },
    { type: 'bool', values: roach.map(() => false) },
  ]);
  const kvs = [...decodeColumnarDataBlock(block, 0)];
  assert.equal(kvs.length, 17);
  const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');
  assert.equal(hex(kvs[0]!.userKey), hex(Uint8Array.from([...enc('ka'), 0, ...be64(walls[0]!), 9])));
  assert.equal(hex(kvs[1]!.userKey), hex(Uint8Array.from([...enc('ka'), 0])), 'duplicate roach key, unversioned');
  assert.equal(hex(kvs[2]!.userKey), hex(Uint8Array.from([...enc('kb'), 0, ...untyped[2]!, 18])), 'lock-table style untyped version');
  assert.equal(hex(kvs[3]!.userKey), hex(Uint8Array.from([...enc('kb'), 0, ...be64(walls[3]!), 0, 0, 0, 7, 13])), 'wall + logical');
  assert.equal(kvs[4]!.valuePrefix, 0x40);
  assert.equal(hex(kvs[4]!.value), '0005000' + '1');
  assert.equal(dec(kvs[5]!.value), 'v5');
  assert.equal(kvs[5]!.valuePrefix, undefined);
  assert.equal(dec(kvs[16]!.userKey.subarray(0, 2)), 'kn', 'second bundle: shared + bundle prefix + empty first suffix');
  assert.equal(kvs[16]!.seqNum, 84n);
  assert.equal(kvs[16]!.kind, 1);
});

function be64(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 7; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}
