import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlType, type SqlType } from '../model/sql-type.js';
import { ByteReader } from '../util/byte-reader.js';
import { concatBytes, fromHex } from '../util/bytes.js';
import { isDecodeError } from '../util/errors.js';
import type { Datum } from './datum.js';
import { decodeKeyDatum, skipKeyDatum, type KeyDirection } from './key-decode.js';
import { checkedRaw } from './testing/exact-text.js';
import {
  encodeBytesKey,
  encodeFloatKey,
  encodeUvarintAscending,
  encodeUvarintDescending,
  encodeVarintAscending,
  encodeVarintDescending,
} from './ordered.js';

/*
 * Key vectors are assembled from the ordered-int/bytes/float primitives whose bytes are pinned to
 * CockroachDB's own tables in ordered.test.ts, following the layouts of
 * crdb: pkg/util/encoding/encoding.go (encodeTime, encodeTimeTZ, EncodeDurationAscending,
 * EncodeBitArrayAscending, EncodeGeoAscending, EncodeBox2DAscending) and
 * pkg/sql/rowenc/keyside/encode.go + array.go. Bit-array bytes come verbatim from
 * encoding_test.go TestEncodeBitArray.
 */

const B = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const cat = (...xs: Uint8Array[]): Uint8Array => concatBytes(xs);
const vi = (v: bigint | number, dir: KeyDirection): Uint8Array => (dir === 'asc' ? encodeVarintAscending(v) : encodeVarintDescending(v));
const comp = (b: Uint8Array): Uint8Array => b.map((x) => ~x & 0xff);

function dec(bytes: Uint8Array, t: SqlType, dir: KeyDirection): Datum {
  const r = new ByteReader(bytes, 'key');
  const d = decodeKeyDatum(r, t, dir);
  assert.equal(r.pos, bytes.length, `${t.family} ${dir}: must consume the whole encoding`);
  // skipKeyDatum must agree on the length without type information.
  const s = new ByteReader(bytes, 'key');
  // A tuple is its elements back to back (no marker): one skip per element.
  for (let i = 0; i < (t.family === 'tuple' ? t.tupleContents!.length : 1); i++) skipKeyDatum(s);
  assert.equal(s.pos, bytes.length, `${t.family} ${dir}: skip length`);
  return d;
}

const enumType = sqlType('enum', {
  udt: {
    typeId: 100,
    schema: 'public',
    name: 'mood',
    enumMembers: [
      { physical: B(0x40), label: 'sad', writable: true },
      { physical: B(0x80), label: 'happy', writable: true },
    ],
  },
});

interface Case {
  name: string;
  type: SqlType;
  enc: (dir: KeyDirection) => Uint8Array;
  want: Datum;
}

const ewkb = fromHex('0101000020E6100000000000000000F03F0000000000000040'); // POINT(1 2) SRID 4326
const spatialProto = cat(B(0x08, 0x02, 0x12, ewkb.length), ewkb, B(0x18, 0xe6, 0x21));
const curve = B(1, 2, 3, 4, 5, 6, 7, 8);
const escapedProto = encodeBytesKey(spatialProto).subarray(1); // body + 0x00 0x01

const cases: Case[] = [
  { name: 'bool', type: sqlType('bool'), enc: (d) => vi(1, d), want: { kind: 'bool', value: true } },
  { name: 'int8 min', type: sqlType('int', { width: 64 }), enc: (d) => vi(-(1n << 63n), d), want: { kind: 'int', value: -(1n << 63n) } },
  { name: 'int4', type: sqlType('int', { width: 32 }), enc: (d) => vi(-12345, d), want: { kind: 'int', value: -12345n } },
  { name: 'oid', type: sqlType('oid'), enc: (d) => vi(1184, d), want: { kind: 'int', value: 1184n } },
  {
    name: 'pg_lsn',
    type: sqlType('pglsn'),
    enc: (d) => (d === 'asc' ? encodeUvarintAscending(0x16b3748n) : encodeUvarintDescending(0x16b3748n)),
    want: { kind: 'int', value: 0x16b3748n },
  },
  {
    name: 'float',
    type: sqlType('float', { width: 64 }),
    enc: (d) => encodeFloatKey(-1.5, d === 'desc'),
    want: { kind: 'float', value: -1.5 },
  },
  {
    name: 'decimal',
    type: sqlType('decimal'),
    // crdb decimal_test.go: 1.1 → 2a 03 14 00; descending of 1.1 == ascending of -1.1 → 24 fc eb 00.
    enc: (d) => (d === 'asc' ? B(0x2a, 0x03, 0x14, 0x00) : B(0x24, 0xfc, 0xeb, 0x00)),
    want: { kind: 'decimal', value: '1.1' },
  },
  {
    name: 'string',
    type: sqlType('string'),
    enc: (d) => encodeBytesKey(new TextEncoder().encode('héllo\u0000x'), d === 'desc'),
    want: { kind: 'string', value: 'héllo\u0000x' },
  },
  {
    name: 'refcursor',
    type: sqlType('refcursor'),
    enc: (d) => encodeBytesKey(new TextEncoder().encode('c1'), d === 'desc'),
    want: { kind: 'string', value: 'c1' },
  },
  {
    name: 'bytes',
    type: sqlType('bytes'),
    enc: (d) => encodeBytesKey(B(0, 0xff, 1), d === 'desc'),
    want: { kind: 'bytes', value: B(0, 0xff, 1) },
  },
  { name: 'date', type: sqlType('date'), enc: (d) => vi(-719528, d), want: { kind: 'date', days: -719528n } },
  {
    name: 'date +infinity',
    type: sqlType('date'),
    enc: (d) => vi((1n << 63n) - 1n, d),
    want: { kind: 'date', days: (1n << 63n) - 1n, infinity: 1 },
  },
  {
    name: 'date -infinity',
    type: sqlType('date'),
    enc: (d) => vi(-(1n << 63n), d),
    want: { kind: 'date', days: -(1n << 63n), infinity: -1 },
  },
  { name: 'time', type: sqlType('time'), enc: (d) => vi(86_400_000_000, d), want: { kind: 'time', micros: 86_400_000_000n } },
  {
    name: 'timetz (UTC-8 stored as +28800)',
    type: sqlType('timetz'),
    enc: (d) => cat(B(0x3c), vi(43_200_000_000 + 28_800_000_000, d), vi(28800, d)),
    want: { kind: 'timetz', micros: 43_200_000_000n, offsetSecs: -28800 },
  },
  {
    name: 'timestamp',
    type: sqlType('timestamp'),
    enc: (d) => cat(B(0x14), vi(1_700_000_000, d), vi(123_456_000, d)),
    want: { kind: 'timestamp', seconds: 1_700_000_000n, nanos: 123_456_000 },
  },
  {
    name: 'timestamptz before 1970',
    type: sqlType('timestamptz'),
    enc: (d) => cat(B(0x14), vi(-1, d), vi(500_000_000, d)),
    want: { kind: 'timestamptz', seconds: -1n, nanos: 500_000_000 },
  },
  {
    name: 'interval 1 mon 2 days 3s',
    type: sqlType('interval'),
    enc: (d) => cat(B(0x16), vi(30n * 86_400_000_000_000n + 2n * 86_400_000_000_000n + 3_000_000_000n, d), vi(1, d), vi(2, d)),
    want: { kind: 'interval', months: 1n, days: 2n, nanos: 3_000_000_000n },
  },
  {
    name: 'uuid',
    type: sqlType('uuid'),
    enc: (d) => encodeBytesKey(fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11'), d === 'desc'),
    want: { kind: 'uuid', value: fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11') },
  },
  {
    name: 'inet',
    type: sqlType('inet'),
    enc: (d) => encodeBytesKey(B(0, 24, 192, 168, 0, 0), d === 'desc'), // ipaddr.ToBuffer: family 0 (v4), mask, addr
    want: { kind: 'inet', family: 4, maskBits: 24, addr: B(192, 168, 0, 0) },
  },
  {
    name: 'enum',
    type: enumType,
    enc: (d) => encodeBytesKey(B(0x80), d === 'desc'),
    want: { kind: 'enum', label: 'happy', physical: B(0x80) },
  },
  {
    name: 'bit "01"',
    type: sqlType('bit'),
    // crdb encoding_test.go TestEncodeBitArray: ba("01") → 3a fd 40 00.. 00 8a
    enc: (d) =>
      d === 'asc'
        ? B(0x3a, 0xfd, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0x8a)
        : cat(B(0x3b), encodeUvarintDescending(0x4000000000000000n), B(0xff), encodeUvarintDescending(2)),
    want: { kind: 'bit', bits: '01' },
  },
  {
    name: 'bit 65 ones',
    type: sqlType('bit'),
    // crdb encoding_test.go: Not(MakeZeroBitArray(65))
    enc: (d) =>
      d === 'asc'
        ? B(0x3a, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x89)
        : cat(B(0x3b), encodeUvarintDescending((1n << 64n) - 1n), encodeUvarintDescending(1n << 63n), B(0xff), encodeUvarintDescending(1)),
    want: { kind: 'bit', bits: '1'.repeat(65) },
  },
  {
    name: 'bit empty',
    type: sqlType('bit'),
    enc: (d) => (d === 'asc' ? B(0x3a, 0x00, 0x88) : B(0x3b, 0xff, 0x88)),
    want: { kind: 'bit', bits: '' },
  },
  {
    name: 'int array with NULL',
    type: sqlType('array', { arrayContents: sqlType('int') }),
    enc: (d) => (d === 'asc' ? cat(B(0x3f), vi(1, d), B(0x01), vi(3, d), B(0x00)) : cat(B(0x40), vi(1, d), B(0xfe), vi(3, d), B(0xff))),
    want: {
      kind: 'array',
      elemType: sqlType('int'),
      elements: [{ kind: 'int', value: 1n }, null, { kind: 'int', value: 3n }],
    },
  },
  {
    name: 'tuple (int, string)',
    type: sqlType('tuple', { tupleContents: [sqlType('int'), sqlType('string')] }),
    enc: (d) => cat(vi(7, d), encodeBytesKey(new TextEncoder().encode('x'), d === 'desc')),
    want: {
      kind: 'tuple',
      elements: [
        { kind: 'int', value: 7n },
        { kind: 'string', value: 'x' },
      ],
    },
  },
  {
    name: 'box2d',
    type: sqlType('box2d'),
    enc: (d) => cat(B(0x41), ...[1, 3, 2, 4].map((f) => encodeFloatKey(f, d === 'desc'))),
    want: { kind: 'box2d', loX: 1, hiX: 3, loY: 2, hiY: 4 },
  },
  {
    name: 'geometry',
    type: sqlType('geometry'),
    enc: (d) => (d === 'asc' ? cat(B(0x3d), curve, escapedProto) : cat(B(0x3e), comp(curve), comp(escapedProto))),
    want: { kind: 'geo', ewkb, srid: 4326, geography: false },
  },
];

for (const c of cases) {
  for (const dir of ['asc', 'desc'] as const) {
    test(`key ${c.name} (${dir})`, () => {
      assert.deepEqual(checkedRaw(dec(c.enc(dir), c.type, dir)), c.want);
    });
  }
}

test('key NULL is 0x00 ascending and 0xFF descending for every type', () => {
  // (A tuple key is its elements; the elements carry their own NULLs.)
  for (const c of cases.filter((x) => x.type.family !== 'tuple')) {
    assert.equal(dec(B(0x00), c.type, 'asc'), null);
    assert.equal(dec(B(0xff), c.type, 'desc'), null);
  }
});

test('FLOAT -0 in a key decodes as 0 (sign lives in the composite value)', () => {
  assert.deepEqual(dec(encodeFloatKey(-0), sqlType('float'), 'asc'), { kind: 'float', value: 0 });
});

test('key decoding errors: unknown enum member, truncation, wrong marker', () => {
  const r = (b: Uint8Array): ByteReader => new ByteReader(b, 'key', 100);
  assert.throws(
    () => decodeKeyDatum(r(encodeBytesKey(B(0x99))), enumType, 'asc'),
    (e: unknown) => isDecodeError(e) && /no member with physical representation 0x99/.test(String(e)) && /offset 100/.test(String(e)),
  );
  assert.throws(() => decodeKeyDatum(r(B(0x14, 0x89)), sqlType('timestamp'), 'asc'), /truncated/);
  assert.throws(() => decodeKeyDatum(r(B(0x12, 0x61)), sqlType('string'), 'asc'), /terminator/);
  assert.throws(() => decodeKeyDatum(r(B(0x12, 0x61, 0, 1)), sqlType('string'), 'desc'), /marker/);
  assert.throws(() => decodeKeyDatum(r(B(0x3f, 0x89)), sqlType('array', { arrayContents: sqlType('int') }), 'asc'), /truncated/);
  assert.throws(() => decodeKeyDatum(r(encodeBytesKey(B(1, 2))), sqlType('uuid'), 'asc'), /expected 16/);
  assert.throws(() => skipKeyDatum(r(B(0x60))), /unknown key marker 0x60/); // 0x45–0x54 are JSON keys (json-key.ts)
});

test('skipKeyDatum walks a concatenation of every key datum above', () => {
  const parts = cases.filter((c) => c.type.family !== 'tuple').map((c) => c.enc('asc'));
  const all = cat(...parts);
  const rr = new ByteReader(all, 'key');
  for (const p of parts) {
    const start = rr.pos;
    skipKeyDatum(rr);
    assert.equal(rr.pos - start, p.length);
  }
  assert.ok(rr.done);
  void encodeUvarintAscending;
});
