import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader } from '../util/byte-reader.js';
import { isDecodeError } from '../util/errors.js';
import { decodeDecimalKey, decodeNonsortingDecimal } from './decimal.js';
import {
  decodeBytesKey,
  decodeFloatKey,
  decodeUvarintAscending,
  decodeUvarintDescending,
  decodeVarintAscending,
  decodeVarintDescending,
  encodeBytesKey,
  encodeFloatKey,
  encodeUvarintAscending,
  encodeUvarintDescending,
  encodeVarintAscending,
  encodeVarintDescending,
} from './ordered.js';

const B = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const rd = (b: Uint8Array): ByteReader => new ByteReader(b, 'key');
const MIN64 = -(1n << 63n);
const MAX64 = (1n << 63n) - 1n;
const MAXU64 = (1n << 64n) - 1n;

function full<T>(b: Uint8Array, f: (r: ByteReader) => T): T {
  const r = rd(b);
  const v = f(r);
  assert.equal(r.pos, b.length, 'decoder must consume exactly the encoding');
  return v;
}

// crdb: pkg/util/encoding/encoding_test.go TestEncodeDecodeVarint
const VARINT_ASC: [bigint, number[]][] = [
  [MIN64, [0x80, 0x80, 0, 0, 0, 0, 0, 0, 0]],
  [MIN64 + 1n, [0x80, 0x80, 0, 0, 0, 0, 0, 0, 0x01]],
  [-(1n << 8n), [0x86, 0xff, 0x00]],
  [-1n, [0x87, 0xff]],
  [0n, [0x88]],
  [1n, [0x89]],
  [109n, [0xf5]],
  [112n, [0xf6, 0x70]],
  [1n << 8n, [0xf7, 0x01, 0x00]],
  [MAX64, [0xfd, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
];
// crdb: encoding_test.go TestEncodeDecodeVarintDescending
const VARINT_DESC: [bigint, number[]][] = [
  [MIN64, [0xfd, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  [MIN64 + 1n, [0xfd, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]],
  [-(1n << 8n), [0xf6, 0xff]],
  [-110n, [0xf5]],
  [-1n, [0x88]],
  [0n, [0x87, 0xff]],
  [1n, [0x87, 0xfe]],
  [1n << 8n, [0x86, 0xfe, 0xff]],
  [MAX64, [0x80, 0x80, 0, 0, 0, 0, 0, 0, 0]],
];
// crdb: encoding_test.go TestEncodeDecodeUvarint / TestEncodeDecodeUvarintDescending
const UVARINT_ASC: [bigint, number[]][] = [
  [0n, [0x88]],
  [1n, [0x89]],
  [109n, [0xf5]],
  [110n, [0xf6, 0x6e]],
  [1n << 8n, [0xf7, 0x01, 0x00]],
  [MAXU64, [0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
];
const UVARINT_DESC: [bigint, number[]][] = [
  [0n, [0x88]],
  [1n, [0x87, 0xfe]],
  [1n << 8n, [0x86, 0xfe, 0xff]],
  [MAXU64 - 1n, [0x80, 0, 0, 0, 0, 0, 0, 0, 0x01]],
  [MAXU64, [0x80, 0, 0, 0, 0, 0, 0, 0, 0]],
];

test('ordered varints decode CockroachDB test vectors, both directions', () => {
  for (const [v, enc] of VARINT_ASC) {
    assert.equal(full(B(...enc), decodeVarintAscending), v);
    assert.deepEqual([...encodeVarintAscending(v)], enc);
  }
  for (const [v, enc] of VARINT_DESC) {
    assert.equal(full(B(...enc), decodeVarintDescending), v);
    assert.deepEqual([...encodeVarintDescending(v)], enc);
  }
  for (const [v, enc] of UVARINT_ASC) {
    assert.equal(full(B(...enc), decodeUvarintAscending), v);
    assert.deepEqual([...encodeUvarintAscending(v)], enc);
  }
  for (const [v, enc] of UVARINT_DESC) {
    assert.equal(full(B(...enc), decodeUvarintDescending), v);
    assert.deepEqual([...encodeUvarintDescending(v)], enc);
  }
});

test('ordered varints reject overflow, truncation and bad tags', () => {
  // crdb: encoding_test.go TestDecodeInvalid "DecodeVarint, overflows int64"
  assert.throws(() => decodeVarintAscending(rd(B(0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))), /overflows int64/);
  assert.throws(
    () => decodeUvarintAscending(rd(B(0xf7, 0x01))),
    (e: unknown) => isDecodeError(e) && /truncated/.test(String(e)),
  );
  assert.throws(() => decodeUvarintAscending(rd(B(0x12))), /invalid tag/);
  assert.throws(() => decodeVarintAscending(rd(B())), /truncated/);
});

// crdb: encoding_test.go TestEncodeDecodeBytes / TestEncodeDecodeBytesDescending
const a = 0x61;
const b = 0x62;
const BYTES_ASC: [number[], number[]][] = [
  [
    [0, 1, a],
    [0x12, 0x00, 0xff, 1, a, 0x00, 0x01],
  ],
  [
    [0, a],
    [0x12, 0x00, 0xff, a, 0x00, 0x01],
  ],
  [
    [0, 0xff, a],
    [0x12, 0x00, 0xff, 0xff, a, 0x00, 0x01],
  ],
  [[a], [0x12, a, 0x00, 0x01]],
  [
    [b, 0],
    [0x12, b, 0x00, 0xff, 0x00, 0x01],
  ],
  [
    [b, 0, 0, a],
    [0x12, b, 0x00, 0xff, 0x00, 0xff, a, 0x00, 0x01],
  ],
  [
    [b, 0xff],
    [0x12, b, 0xff, 0x00, 0x01],
  ],
  [[...Buffer.from('hello')], [0x12, ...Buffer.from('hello'), 0x00, 0x01]],
];
const n = (x: number): number => ~x & 0xff;
const BYTES_DESC: [number[], number[]][] = [
  [[...Buffer.from('hello')], [0x13, ...[...Buffer.from('hello')].map(n), 0xff, 0xfe]],
  [
    [b, 0xff],
    [0x13, n(b), 0x00, 0xff, 0xfe],
  ],
  [
    [b, 0, 0, a],
    [0x13, n(b), 0xff, 0x00, 0xff, 0x00, n(a), 0xff, 0xfe],
  ],
  [
    [b, 0],
    [0x13, n(b), 0xff, 0x00, 0xff, 0xfe],
  ],
  [
    [0, 0xff, a],
    [0x13, 0xff, 0x00, 0x00, n(a), 0xff, 0xfe],
  ],
  [
    [0, 1, a],
    [0x13, 0xff, 0x00, 0xfe, n(a), 0xff, 0xfe],
  ],
];

test('escaped bytes decode CockroachDB test vectors, both directions, leaving the remainder', () => {
  for (const [v, enc] of BYTES_ASC) {
    const r = rd(B(...enc, 0x72, 0x65));
    assert.deepEqual([...decodeBytesKey(r, false)], v);
    assert.equal(r.remaining, 2);
    assert.deepEqual([...encodeBytesKey(B(...v))], enc);
  }
  for (const [v, enc] of BYTES_DESC) {
    assert.deepEqual([...full(B(...enc), (r) => decodeBytesKey(r, true))], v);
    assert.deepEqual([...encodeBytesKey(B(...v), true)], enc);
  }
});

test('escaped bytes: CockroachDB TestDecodeInvalid cases fail with DecodeError', () => {
  // crdb: encoding_test.go TestDecodeInvalid
  const cases: [number[], boolean, RegExp][] = [
    [[a], false, /marker/],
    [[0x12, a], false, /terminator/],
    [[0x12, a, 0x00], false, /malformed escape/],
    [[0x12, a, 0x00, 0x00], false, /unknown escape/],
    [[0x12, a, 0x00, 0x02], false, /unknown escape/],
    [[0x13, n(a)], true, /terminator/],
    [[0x13, n(a), 0xff], true, /malformed escape/],
    [[0x13, n(a), 0xff, 0xff], true, /unknown escape/],
    [[0x13, n(a), 0xff, 0xfd], true, /unknown escape/],
  ];
  for (const [enc, desc, re] of cases) {
    assert.throws(
      () => decodeBytesKey(rd(B(...enc)), desc),
      (e: unknown) => isDecodeError(e) && re.test(String(e)),
    );
  }
});

// crdb: pkg/util/encoding/float_test.go TestEncodeFloatOrdered (ascending bytes).
const FLOATS: [number, number[]][] = [
  [-Infinity, [0x03, 0x00, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  [-Number.MAX_VALUE, [0x03, 0x00, 0x10, 0, 0, 0, 0, 0, 0]],
  [-10000.0, [0x03, 0x3f, 0x3c, 0x77, 0xff, 0xff, 0xff, 0xff, 0xff]],
  [-1.0, [0x03, 0x40, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  [-0.00123, [0x03, 0x40, 0xab, 0xd9, 0x01, 0x8e, 0x75, 0x79, 0x28]],
  [-5e-324, [0x03, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]],
  [0, [0x04]],
  [5e-324, [0x05, 0, 0, 0, 0, 0, 0, 0, 0x01]],
  [0.00123, [0x05, 0x3f, 0x54, 0x26, 0xfe, 0x71, 0x8a, 0x86, 0xd7]],
  [1.0, [0x05, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]],
  [12.345, [0x05, 0x40, 0x28, 0xb0, 0xa3, 0xd7, 0x0a, 0x3d, 0x71]],
  [10000, [0x05, 0x40, 0xc3, 0x88, 0, 0, 0, 0, 0]],
  [Number.MAX_VALUE, [0x05, 0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  [Infinity, [0x05, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0]],
];

test('float keys decode CockroachDB test vectors; descending = ascending encoding of -f', () => {
  for (const [v, enc] of FLOATS) {
    assert.equal(
      full(B(...enc), (r) => decodeFloatKey(r, false)),
      v,
    );
    assert.deepEqual([...encodeFloatKey(v)], enc);
    // EncodeFloatDescending(f) = EncodeFloatAscending(-f) (float.go), so the same bytes read
    // descending give -v.
    const d = full(B(...enc), (r) => decodeFloatKey(r, true));
    assert.equal(d, v === 0 ? 0 : -v);
  }
  assert.ok(Number.isNaN(full(B(0x02), (r) => decodeFloatKey(r, false))));
  assert.ok(Number.isNaN(full(B(0x06), (r) => decodeFloatKey(r, true))));
  assert.throws(() => decodeFloatKey(rd(B(0x05, 0x3f)), false), /truncated/);
  assert.throws(() => decodeFloatKey(rd(B(0x07)), false), /unknown float key marker/);
});

// crdb: pkg/util/encoding/decimal_test.go TestEncodeDecimal (ascending bytes; value via apd.New(coeff, exp)).
const DEC_KEYS: [string, number[]][] = [
  ['NaN', [0x18]],
  ['-Infinity', [0x19]],
  [`-99122${'0'.repeat(99999)}`, [0x1a, 0x86, 0x3c, 0xad, 0x38, 0xe6, 0xd7, 0x00]],
  [`-13${'0'.repeat(1000)}`, [0x1a, 0x86, 0xfe, 0x0a, 0xe5, 0x00]],
  [`-13${'0'.repeat(101)}`, [0x1a, 0x87, 0xcb, 0xfc, 0xc3, 0x00]],
  ['-13', [0x24, 0xe5, 0x00]],
  ['-10.123456789', [0x24, 0xea, 0xe6, 0xba, 0x8e, 0x62, 0x4b, 0x00]],
  ['-10', [0x24, 0xeb, 0x00]],
  ['-1.1', [0x24, 0xfc, 0xeb, 0x00]],
  ['-1', [0x24, 0xfd, 0x00]],
  ['-0.8', [0x25, 0x5f, 0x00]],
  ['-0.054321', [0x25, 0xf4, 0xa8, 0xd5, 0x00]],
  ['-0.0011', [0x26, 0x89, 0xe9, 0x00]],
  ['-0.000011', [0x26, 0x8a, 0xe9, 0x00]],
  ['0', [0x27]],
  ['0.000011', [0x28, 0x87, 0xfd, 0x16, 0x00]],
  ['0.0011', [0x28, 0x87, 0xfe, 0x16, 0x00]],
  ['0.1', [0x29, 0x14, 0x00]],
  ['0.8', [0x29, 0xa0, 0x00]],
  ['1', [0x2a, 0x02, 0x00]],
  ['1.1', [0x2a, 0x03, 0x14, 0x00]],
  ['13', [0x2a, 0x1a, 0x00]],
  [`13${'0'.repeat(1000)}`, [0x34, 0xf7, 0x01, 0xf5, 0x1a, 0x00]],
  [`99122839898321208${'0'.repeat(99999)}`, [0x34, 0xf7, 0xc3, 0x58, 0xc7, 0x19, 0x39, 0x4f, 0xb3, 0xa7, 0x2b, 0x29, 0xa0, 0x00]],
  ['Infinity', [0x35]],
];

const neg = (s: string): string => (s === '0' || s === 'NaN' ? s : s.startsWith('-') ? s.slice(1) : `-${s}`);

test('decimal keys decode CockroachDB test vectors exactly; descending bytes of -x read back as x', () => {
  for (const [v, enc] of DEC_KEYS) {
    assert.equal(
      full(B(...enc), (r) => decodeDecimalKey(r, false)),
      v,
    );
    // encodeDecimal(d, invert=true) == encodeDecimal(-d, false) for every non-zero, non-NaN value (decimal.go).
    assert.equal(
      full(B(...enc), (r) => decodeDecimalKey(r, true)),
      neg(v),
    );
  }
  assert.equal(
    full(B(0x36), (r) => decodeDecimalKey(r, true)),
    'NaN',
  );
  // crdb: encoding_test.go TestDecodeInvalid "Decimal, malformed uvarint"
  assert.throws(() => decodeDecimalKey(rd(B(0x34)), false), /truncated/);
  assert.throws(() => decodeDecimalKey(rd(B(0x2a, 0x02)), false), /terminator/);
});

// crdb: pkg/util/encoding/decimal_test.go TestNonsortingEncodeDecimal
const DEC_VALUES: [string, number[]][] = [
  ['NaN', [0x18]],
  ['-Infinity', [0x19]],
  [`-99122${'0'.repeat(99999)}`, [0x1a, 0xf8, 0x01, 0x86, 0xa4, 0x01, 0x83, 0x32]],
  [`-13${'0'.repeat(1000)}`, [0x1a, 0xf7, 0x03, 0xea, 0x0d]],
  [`-130${'0'.repeat(999)}`, [0x1a, 0xf7, 0x03, 0xea, 0x82]],
  ['-13', [0x1a, 0x8a, 0x0d]],
  ['-1', [0x1a, 0x89, 0x01]],
  ['-0.8', [0x25, 0x08]],
  ['-0.0011', [0x26, 0x8a, 0x0b]],
  ['-0.000011', [0x26, 0x8c, 0x0b]],
  ['0', [0x1a, 0x89]], // "-0": PostgreSQL NUMERIC has no negative zero
  ['0', [0x27]],
  ['0.000011', [0x28, 0x8c, 0x0b]],
  ['0.1', [0x29, 0x01]],
  ['0.12345', [0x29, 0x30, 0x39]],
  ['1', [0x34, 0x89, 0x01]],
  ['255', [0x34, 0x8b, 0xff]],
  ['256', [0x34, 0x8b, 0x01, 0x00]],
  [`1300${'0'.repeat(998)}`, [0x34, 0xf7, 0x03, 0xea, 0x05, 0x14]],
  [`99122839898321208${'0'.repeat(99999)}`, [0x34, 0xf8, 0x01, 0x86, 0xb0, 0x01, 0x60, 0x27, 0xb2, 0x9d, 0x44, 0x71, 0x38]],
  ['Infinity', [0x35]],
];

test('nonsorting decimals decode CockroachDB test vectors, keeping exact digits', () => {
  for (const [v, enc] of DEC_VALUES) {
    assert.equal(
      full(B(...enc), (r) => decodeNonsortingDecimal(r, enc.length)),
      v,
    );
  }
  // Scale survives: 1.50 = coefficient 150, exponent -2 → PosMedium e=... (0.150 × 10^1 → e = 1: PosLarge).
  assert.equal(
    full(B(0x34, 0x89, 0x96), (r) => decodeNonsortingDecimal(r, 3)),
    '1.50',
  );
  // "0.00" has an empty coefficient: PosSmall, |e| = 1 → exponent -1 - NumDigits(0) = -2.
  assert.equal(
    full(B(0x28, 0x89), (r) => decodeNonsortingDecimal(r, 2)),
    '0.00',
  );
  assert.throws(() => decodeNonsortingDecimal(rd(B(0x34, 0x89)), 5), /truncated/);
  assert.throws(() => decodeNonsortingDecimal(rd(B(0x50)), 1), /unknown nonsorting decimal marker/);
});
