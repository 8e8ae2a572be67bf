import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader } from '../util/byte-reader.js';
import { readFloat64BE } from './ordered.js';
import { decodeZigzag, decodeZigzagNum } from './primitives.js';

/** Go `binary.PutVarint`: zigzag, then LEB128. */
function putVarint(v: bigint): Uint8Array {
  let u = v < 0n ? (-v << 1n) - 1n : v << 1n;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Uint8Array.from(out);
}

test('zigzag varints: the number fast path (≤ 7 bytes) and the bigint path agree with Go binary.Varint', () => {
  const values = [0n, 1n, -1n, 63n, -64n, 64n, 1000n, -1000n, (1n << 48n) - 1n, -(1n << 48n), 1n << 48n, -(1n << 48n) - 1n];
  values.push(BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MIN_SAFE_INTEGER), (1n << 63n) - 1n, -(1n << 63n));
  for (const v of values) {
    const b = putVarint(v);
    const r = new ByteReader(b, 'value');
    assert.equal(decodeZigzag(r), v, `decodeZigzag ${v}`);
    assert.equal(r.pos, b.length);
    const rn = new ByteReader(b, 'value');
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      assert.ok(Object.is(decodeZigzagNum(rn), Number(v)), `decodeZigzagNum ${v}`);
      assert.equal(rn.pos, b.length);
    } else assert.throws(() => decodeZigzagNum(rn), /does not fit a safe integer/);
  }
  assert.throws(() => decodeZigzagNum(new ByteReader(Uint8Array.of(0x80, 0x80), 'value')), /truncated varint/);
});

test('readFloat64BE reads big-endian IEEE bits exactly (−0, ±Infinity, NaN, subnormals) from any offset', () => {
  for (const f of [0, -0, 1.5, -2.25e-300, 5e-324, Number.MAX_VALUE, Infinity, -Infinity, NaN, 37.7749295, -122.4194155]) {
    const b = new Uint8Array(11);
    new DataView(b.buffer).setFloat64(3, f, false);
    const r = new ByteReader(b.subarray(1), 'value', 0, 2);
    assert.ok(Object.is(readFloat64BE(r), f), String(f));
    assert.equal(r.pos, 10);
  }
  assert.throws(() => readFloat64BE(new ByteReader(new Uint8Array(7), 'value')), /truncated float64/);
});
