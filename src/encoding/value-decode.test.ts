import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlType, type SqlType } from '../model/sql-type.js';
import { ByteReader } from '../util/byte-reader.js';
import { concatBytes, fromHex } from '../util/bytes.js';
import { isDecodeError } from '../util/errors.js';
import type { Datum } from './datum.js';
import { decodeJsonbText } from './jsonb.js';
import { encodeFloatKey, encodeVarintAscending } from './ordered.js';
import { computeValueChecksum, decodeLegacyValue, decodeRoachValue, verifyValueChecksum } from './roach-value.js';
import { decodeTSQueryText, decodeTSVectorText } from './tsearch.js';
import { checkedRaw } from './testing/exact-text.js';
import { encodeNonsortingUvarint } from './testing/nonsorting-uvarint.js';
import { decodeArrayBody, decodeTupleMember } from './value-decode.js';
import { decodeValueTag, skipValue } from './value-tag.js';

const B = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const cat = (...xs: Uint8Array[]): Uint8Array => concatBytes(xs);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const nsu = encodeNonsortingUvarint;
/** Go `binary.PutVarint` (zigzag LEB128). */
function zz(v: bigint | number): Uint8Array {
  let u = BigInt(v) >= 0n ? BigInt(v) * 2n : -BigInt(v) * 2n - 1n;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return B(...out);
}
/** `EncodeValueTag` (encoding.go). */
function tag(colDelta: number, type: number): Uint8Array {
  if (type >= 15) return cat(nsu(colDelta * 16 + 15), nsu(type));
  return nsu(colDelta * 16 + type);
}
const f64 = (f: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, f, false);
  return b;
};
const lp = (b: Uint8Array): Uint8Array => cat(nsu(b.length), b);

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
const ewkb = fromHex('0101000020E6100000000000000000F03F0000000000000040');
const spatialProto = cat(B(0x08, 0x01, 0x12, ewkb.length), ewkb, B(0x18, 0xe6, 0x21));
// crdb: pkg/util/json/testdata/encoded/object_basic.json.bytes = {"asd":"sdf"}
const JSON_OBJECT_BASIC = B(64, 0, 0, 1, 16, 0, 0, 3, 16, 0, 0, 3, 97, 115, 100, 115, 100, 102);
// tsvector 'a':1A,2 'b' laid out per crdb: pkg/util/tsearch/encoding.go EncodeTSVector
const TSVECTOR = B(0, 0, 0, 2, 1, 0x61, 0, 2, 0xc0, 0x01, 0x00, 0x02, 1, 0x62, 0, 0);

interface VCase {
  name: string;
  type: SqlType;
  /** Tuple member: encoding type + payload (encoding.go Encode*Value / valueside.Encode). */
  tuple: [number, Uint8Array];
  /** Legacy roachpb.Value: ValueType tag + payload (valueside.MarshalLegacy / roachpb Value.Set*), if the type has one. */
  legacy?: [number, Uint8Array];
  want: Datum;
}

const ts = cat(B(0x14), encodeVarintAscending(1_700_000_000), encodeVarintAscending(123_456_789));

const cases: VCase[] = [
  { name: 'bool true', type: sqlType('bool'), tuple: [10, B()], legacy: [1, zz(1)], want: { kind: 'bool', value: true } },
  { name: 'bool false', type: sqlType('bool'), tuple: [11, B()], legacy: [1, zz(0)], want: { kind: 'bool', value: false } },
  {
    name: 'int8',
    type: sqlType('int'),
    tuple: [3, zz(-(1n << 63n))],
    legacy: [1, zz(-(1n << 63n))],
    want: { kind: 'int', value: -(1n << 63n) },
  },
  { name: 'int small', type: sqlType('int'), tuple: [3, zz(7)], legacy: [1, zz(7)], want: { kind: 'int', value: 7n } },
  { name: 'oid', type: sqlType('oid'), tuple: [3, zz(1184)], legacy: [1, zz(1184)], want: { kind: 'int', value: 1184n } },
  {
    name: 'pg_lsn',
    type: sqlType('pglsn'),
    tuple: [3, zz(0x16b3748)],
    legacy: [1, zz(0x16b3748)],
    want: { kind: 'int', value: 0x16b3748n },
  },
  { name: 'float -0', type: sqlType('float'), tuple: [4, f64(-0)], legacy: [2, f64(-0)], want: { kind: 'float', value: -0 } },
  { name: 'float NaN', type: sqlType('float'), tuple: [4, f64(NaN)], legacy: [2, f64(NaN)], want: { kind: 'float', value: NaN } },
  {
    name: 'decimal 1.50',
    type: sqlType('decimal'),
    // Tuple member: LEB128 length + nonsorting decimal; legacy: nonsorting decimal without length.
    tuple: [5, B(3, 0x34, 0x89, 0x96)],
    legacy: [5, B(0x34, 0x89, 0x96)],
    want: { kind: 'decimal', value: '1.50' },
  },
  {
    name: 'string',
    type: sqlType('string'),
    tuple: [6, lp(utf8('hi ☃'))],
    legacy: [3, utf8('hi ☃')],
    want: { kind: 'string', value: 'hi ☃' },
  },
  {
    name: 'collated string',
    type: sqlType('collatedstring', { locale: 'de' }),
    tuple: [6, lp(utf8('Straße'))],
    legacy: [3, utf8('Straße')],
    want: { kind: 'string', value: 'Straße' },
  },
  {
    name: 'bytes',
    type: sqlType('bytes'),
    tuple: [6, lp(B(0, 1, 0xff))],
    legacy: [3, B(0, 1, 0xff)],
    want: { kind: 'bytes', value: B(0, 1, 0xff) },
  },
  { name: 'date', type: sqlType('date'), tuple: [3, zz(19000)], legacy: [1, zz(19000)], want: { kind: 'date', days: 19000n } },
  {
    name: 'date infinity',
    type: sqlType('date'),
    tuple: [3, zz((1n << 63n) - 1n)],
    legacy: [1, zz((1n << 63n) - 1n)],
    want: { kind: 'date', days: (1n << 63n) - 1n, infinity: 1 },
  },
  {
    name: 'time',
    type: sqlType('time'),
    tuple: [3, zz(3_600_000_001)],
    legacy: [1, zz(3_600_000_001)],
    want: { kind: 'time', micros: 3_600_000_001n },
  },
  {
    name: 'timetz',
    type: sqlType('timetz'),
    tuple: [19, cat(zz(43_200_000_000), zz(28800))],
    legacy: [12, cat(B(0x3c), encodeVarintAscending(72_000_000_000), encodeVarintAscending(28800))],
    want: { kind: 'timetz', micros: 43_200_000_000n, offsetSecs: -28800 },
  },
  {
    name: 'timestamp',
    type: sqlType('timestamp'),
    tuple: [8, cat(zz(1_700_000_000), zz(123_456_789))],
    legacy: [4, ts],
    want: { kind: 'timestamp', seconds: 1_700_000_000n, nanos: 123_456_789 },
  },
  {
    name: 'timestamptz',
    type: sqlType('timestamptz'),
    tuple: [8, cat(zz(1_700_000_000), zz(123_456_789))],
    legacy: [4, ts],
    want: { kind: 'timestamptz', seconds: 1_700_000_000n, nanos: 123_456_789 },
  },
  {
    name: 'interval',
    type: sqlType('interval'),
    tuple: [9, cat(zz(14), zz(-3), zz(-1_500_000_000))],
    legacy: [
      6,
      cat(
        B(0x16),
        encodeVarintAscending(14n * 30n * 86_400_000_000_000n - 3n * 86_400_000_000_000n - 1_500_000_000n),
        encodeVarintAscending(14),
        encodeVarintAscending(-3),
      ),
    ],
    want: { kind: 'interval', months: 14n, days: -3n, nanos: -1_500_000_000n },
  },
  {
    name: 'uuid',
    type: sqlType('uuid'),
    tuple: [12, fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11')],
    legacy: [3, fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11')],
    want: { kind: 'uuid', value: fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11') },
  },
  {
    name: 'inet v6',
    type: sqlType('inet'),
    tuple: [14, cat(B(1, 64), fromHex('20010db8000000000000000000000001'))],
    legacy: [3, cat(B(1, 64), fromHex('20010db8000000000000000000000001'))],
    want: { kind: 'inet', family: 6, maskBits: 64, addr: fromHex('20010db8000000000000000000000001') },
  },
  { name: 'enum', type: enumType, tuple: [6, lp(B(0x40))], legacy: [3, B(0x40)], want: { kind: 'enum', label: 'sad', physical: B(0x40) } },
  {
    name: 'jsonb',
    type: sqlType('json'),
    tuple: [15, lp(JSON_OBJECT_BASIC)],
    legacy: [3, JSON_OBJECT_BASIC],
    want: { kind: 'json', text: '{"asd": "sdf"}' },
  },
  {
    name: 'string[]',
    type: sqlType('array', { arrayContents: sqlType('string') }),
    // crdb: valueside/array_test.go "string array"
    tuple: [13, lp(B(1, 6, 3, 3, 102, 111, 111, 3, 98, 97, 114, 3, 98, 97, 122))],
    legacy: [3, B(1, 6, 3, 3, 102, 111, 111, 3, 98, 97, 114, 3, 98, 97, 122)],
    want: {
      kind: 'array',
      elemType: sqlType('string'),
      elements: ['foo', 'bar', 'baz'].map((value) => ({ kind: 'string', value }) as const),
    },
  },
  {
    name: 'bit',
    type: sqlType('bit'),
    tuple: [17, cat(nsu(3), B(0xa0, 0, 0, 0, 0, 0, 0, 0))],
    legacy: [11, cat(nsu(3), B(0xa0, 0, 0, 0, 0, 0, 0, 0))],
    want: { kind: 'bit', bits: '101' },
  },
  {
    name: 'geography',
    type: sqlType('geography'),
    tuple: [20, lp(spatialProto)],
    legacy: [13, spatialProto],
    want: { kind: 'geo', ewkb, srid: 4326, geography: true },
  },
  {
    name: 'box2d',
    type: sqlType('box2d'),
    tuple: [24, cat(...[-1, 3, 0, 4.5].map((f) => encodeFloatKey(f)))],
    legacy: [14, cat(...[-1, 3, 0, 4.5].map((f) => encodeFloatKey(f)))],
    want: { kind: 'box2d', loX: -1, hiX: 3, loY: 0, hiY: 4.5 },
  },
  { name: 'tsvector', type: sqlType('tsvector'), tuple: [27, lp(TSVECTOR)], want: { kind: 'tsvector', text: "'a':1A,2 'b'" } },
  {
    name: 'tsquery',
    type: sqlType('tsquery'),
    // 'a' & !'b':* — prefix order: AND, 'a', NOT, 'b' (tsearch/encoding.go encodeTSNode)
    tuple: [26, lp(B(0, 0, 0, 4, 2, 2, 1, 0, 0, 1, 0x61, 2, 1, 1, 0, 1, 1, 0x62))],
    want: { kind: 'tsquery', text: "'a' & !'b':*" },
  },
  {
    name: 'vector',
    type: sqlType('pgvector'),
    // vector.Encode: uint32 dims + float32 BE
    tuple: [44, lp(B(0, 0, 0, 3, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0, 0xc0, 0x40, 0, 0))],
    want: { kind: 'vector', values: Float32Array.of(1, 2, -3) },
  },
  {
    name: 'tuple (int, NULL, string)',
    type: sqlType('tuple', { tupleContents: [sqlType('int'), sqlType('int'), sqlType('string')] }),
    // valueside/tuple.go: count, then each element Encode(NoColumnID, …)
    tuple: [16, cat(nsu(3), tag(0, 3), zz(5), tag(0, 1), tag(0, 6), lp(utf8('x')))],
    want: { kind: 'tuple', elements: [{ kind: 'int', value: 5n }, null, { kind: 'string', value: 'x' }] },
  },
];

function decodeMember(bytes: Uint8Array, t: SqlType): Datum {
  const r = new ByteReader(bytes, 'value');
  const tg = decodeValueTag(r);
  const d = decodeTupleMember(r, t, tg.type);
  assert.equal(r.pos, bytes.length, 'member fully consumed');
  const s = new ByteReader(bytes, 'value');
  skipValue(s, decodeValueTag(s).type);
  assert.equal(s.pos, bytes.length, 'skipValue agrees on the length');
  return checkedRaw(d);
}

for (const c of cases) {
  test(`value ${c.name}: tuple member`, () => {
    const bytes = cat(tag(3, c.tuple[0]), c.tuple[1]);
    const r = new ByteReader(bytes, 'value');
    assert.deepEqual(decodeValueTag(r), { colIdDelta: 3, type: c.tuple[0] });
    assert.deepEqual(decodeMember(bytes, c.type), c.want);
  });
  if (c.legacy) {
    const [lt, payload] = c.legacy;
    test(`value ${c.name}: legacy roachpb.Value`, () => {
      assert.deepEqual(checkedRaw(decodeLegacyValue(cat(B(0, 0, 0, 0, lt), payload), c.type)), c.want);
    });
  }
}

test('arrays: crdb valueside/array_test.go vectors incl. NULL bitmaps and BOOL elements', () => {
  const int = sqlType('int');
  const arr = (elem: SqlType) => sqlType('array', { arrayContents: elem });
  const ints = (...xs: (number | null)[]): Datum[] => xs.map((x) => (x === null ? null : { kind: 'int', value: BigInt(x) }));
  const vectors: [Uint8Array, SqlType, Datum[]][] = [
    [B(1, 3, 0), arr(int), []],
    [B(1, 3, 1, 2), arr(int), ints(1)],
    [B(1, 3, 3, 2, 4, 6), arr(int), ints(1, 2, 3)],
    [B(17, 3, 1, 1), arr(int), ints(null)],
    [B(17, 3, 3, 6, 2), arr(int), ints(1, null, null)],
    [B(17, 3, 8, 6, 2, 4, 6, 8, 10, 12), arr(int), ints(1, null, null, 2, 3, 4, 5, 6)],
    [B(17, 3, 9, 6, 1, 2, 4, 6, 8, 10, 12), arr(int), ints(1, null, null, 2, 3, 4, 5, 6, null)],
    [
      B(1, 10, 2, 10, 11),
      arr(sqlType('bool')),
      [
        { kind: 'bool', value: true },
        { kind: 'bool', value: false },
      ],
    ],
  ];
  for (const [bytes, t, elements] of vectors) {
    const r = new ByteReader(bytes, 'value');
    const d = decodeArrayBody(r, t);
    assert.ok(r.done);
    assert.deepEqual(checkedRaw(d), { kind: 'array', elemType: t.arrayContents, elements });
  }
});

test('JSONB: crdb pkg/util/json/testdata/encoded vectors render as PostgreSQL jsonb text', () => {
  const j = (s: string): Uint8Array => B(...JSON.parse(s.replace(/ /g, ',')));
  // object.json ({"asd":"sdf", "dfg":"fgh"})
  assert.equal(
    decodeJsonbText(j('[64 0 0 2 16 0 0 3 16 0 0 3 16 0 0 3 16 0 0 3 97 115 100 100 102 103 115 100 102 102 103 104]')),
    '{"asd": "sdf", "dfg": "fgh"}',
  );
  // array_heterogeneous.json ([null, 1, "1", {}]) — first JEntry uses the offset flag
  assert.equal(decodeJsonbText(j('[128 0 0 4 128 0 0 0 32 0 0 4 16 0 0 1 80 0 0 4 3 52 137 1 49 64 0 0 0]')), '[null, 1, "1", {}]');
  // object_extreme_numbers.json ({ "min": -1.0e+28, "max": 1.0e+28 }) — NUMERIC text, PG key order
  assert.equal(
    decodeJsonbText(j('[64 0 0 2 144 0 0 3 16 0 0 3 160 0 0 10 32 0 0 4 109 97 120 109 105 110 3 52 165 10 3 26 165 10]')),
    `{"max": 1${'0'.repeat(28)}, "min": -1${'0'.repeat(28)}}`,
  );
  // string_escaped_control_character.json (["\u0012"])
  assert.equal(decodeJsonbText(j('[128 0 0 1 16 0 0 1 18]')), '["\\u0012"]');
  // number_real_fraction_exponent.json ([123.456e78])
  assert.equal(decodeJsonbText(j('[128 0 0 1 32 0 0 6 5 52 217 1 226 64]')), `[123456${'0'.repeat(75)}]`);
  // docs/formats.md §5.6 object_simple ({"a": []})
  assert.equal(decodeJsonbText(fromHex('40000001 10000001 50000004 61 80000000')), '{"a": []}');
});

test('JSONB keys are re-ordered the PostgreSQL way (length, then bytes)', () => {
  // {"aa": true, "b": 1} laid out per json/encode.go; CockroachDB stores keys bytewise ("aa" < "b"),
  // PostgreSQL prints shorter keys first.
  const exact = cat(fromHex('40000002 10000002 10000001 40000000 20000004'), utf8('aab'), B(3, 0x34, 0x89, 0x01));
  assert.equal(decodeJsonbText(exact), '{"b": 1, "aa": true}');
  // Truncated anywhere → DecodeError.
  for (let cut = 0; cut < exact.length; cut++) assert.throws(() => decodeJsonbText(exact.subarray(0, cut)), isDecodeError);
});

test('tsvector / tsquery text forms', () => {
  assert.equal(decodeTSVectorText(TSVECTOR), "'a':1A,2 'b'");
  // 'it''s' (quote doubling) with weight C at position 3
  assert.equal(decodeTSVectorText(cat(B(0, 0, 0, 1), lp(utf8("it's")), B(0, 1, 0x40, 0x03))), "'it''s':3C");
  // ('a' | 'b') & 'c' <2> 'd'
  const q = cat(
    B(0, 0, 0, 7),
    B(2, 2), // AND
    B(2, 3), // OR
    B(1, 0, 0),
    lp(utf8('a')),
    B(1, 0, 0),
    lp(utf8('b')),
    B(2, 4, 0, 2), // PHRASE <2>
    B(1, 8, 0),
    lp(utf8('c')),
    B(1, 0, 0),
    lp(utf8('d')),
  );
  assert.equal(decodeTSQueryText(q), "( 'a' | 'b' ) & 'c':A <2> 'd'");
  assert.equal(decodeTSQueryText(B(0, 0, 0, 0)), '');
  assert.throws(() => decodeTSQueryText(B(0, 0, 0, 1, 2, 2, 1, 0, 0, 1, 0x61)), /too many nodes/);
});

test('roachpb.Value checksum: CRC-32 IEEE over key ‖ bytes[4:], 0 folded to 1', () => {
  // Standard check value: CRC-32/IEEE("123456789") = 0xCBF43926.
  const key = utf8('12345');
  const value = cat(B(0xcb, 0xf4, 0x39, 0x26), utf8('6789'));
  assert.equal(computeValueChecksum(key, value), 0xcbf43926);
  assert.equal(verifyValueChecksum(key, value), true);
  assert.equal(verifyValueChecksum(utf8('12346'), value), false);
  assert.equal(verifyValueChecksum(key, cat(B(0, 0, 0, 0), utf8('6789'))), true); // unset
});

test('value errors: unknown encoding type, truncation, legacy tag mismatch, unknown enum member', () => {
  assert.throws(
    () => skipValue(new ByteReader(B(), 'value'), 99),
    (e: unknown) => isDecodeError(e) && /unknown value encoding type 99/.test(String(e)),
  );
  assert.throws(() => decodeMember(cat(tag(1, 6), B(5, 0x61)), sqlType('string')), /truncated/);
  assert.throws(() => decodeMember(cat(tag(1, 3)), sqlType('int')), /truncated/);
  assert.throws(
    () => decodeLegacyValue(B(0, 0, 0, 0, 3, 1), sqlType('int')),
    (e: unknown) => isDecodeError(e) && /tag BYTES, expected INT/.test(String(e)),
  );
  assert.throws(() => decodeMember(cat(tag(1, 6), lp(B(0x11))), enumType), /no member with physical representation 0x11/);
  assert.throws(() => decodeMember(cat(tag(1, 3)), sqlType('bool')), /encoding type 3 does not match column type bool/);
  assert.throws(() => decodeMember(cat(tag(1, 6), lp(utf8('x'))), sqlType('int')), /encoding type 6 does not match column type int/);
  assert.throws(
    () => decodeMember(cat(tag(1, 33), B(0)), sqlType('int')),
    (e: unknown) => isDecodeError(e) && /unknown value encoding type 33/.test(String(e)),
  );
  assert.throws(() => decodeRoachValue(B(0, 0, 0)), /truncated/);
  assert.equal(decodeLegacyValue(B(), sqlType('int')), null);
});
