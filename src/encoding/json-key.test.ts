import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlType } from '../model/sql-type.js';
import { ByteReader } from '../util/byte-reader.js';
import { concatBytes, fromHex } from '../util/bytes.js';
import { isDecodeError } from '../util/errors.js';
import { decodeJsonbText } from './jsonb.js';
import { decodeJsonKeyText, skipJsonKey } from './json-key.js';
import { decodeKeyDatum, skipKeyDatum } from './key-decode.js';
import { encodeUvarintAscending, encodeVarintAscending } from './ordered.js';
import { prettyKey } from './pretty-key.js';

/*
 * Expected bytes are assembled from CockroachDB's own constants and test tables:
 *  - markers: crdb pkg/util/encoding/encoding.go const block
 *      jsonEmptyArrayKeyMarker = voidMarker + 1 (0x45) … jsonObjectKeyMarker (0x4C);
 *      jsonEmptyArrayKeyDescendingMarker = jsonObjectKeyMarker + 8 (0x54) … jsonObjectKeyDescendingMarker (0x4D);
 *      jsonKeyTerminator = 0x00, jsonKeyDescendingTerminator = 0xFF
 *  - layout: pkg/util/json/json.go EncodeForwardIndex (marker, EncodeString{Asc,Desc} or EncodeDecimal{Asc,Desc}, terminator;
 *      arrays/objects: marker, EncodeJSONValueLength = EncodeVarint{Ascending,Descending}(len), items, terminator)
 *  - string bodies: pkg/util/encoding/encoding_test.go TestEncodeDecodeUnsafeString and
 *      TestEncodeDecodeUnsafeStringDescending (verbatim)
 *  - number bodies: pkg/util/encoding/decimal_test.go TestEncodeDecimal (verbatim ascending bytes);
 *      descending = ascending bytes of the negated value, because decimal.go encodeDecimal computes
 *      `neg := d.Negative != invert` (zero stays 0x27)
 *  - counts: EncodeVarintAscending(n) = 0x88+n for small n; EncodeVarintDescending(n) =
 *      EncodeVarintAscending(^n) = 0x87, byte(^n)
 */

const B = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const cat = (...xs: Uint8Array[]): Uint8Array => concatBytes(xs);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const comp = (b: Uint8Array): Uint8Array => b.map((x) => ~x & 0xff);
const h = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''));

function decode(bytes: Uint8Array, desc: boolean): string {
  const r = new ByteReader(bytes, 'key');
  const text = decodeJsonKeyText(r, desc);
  assert.equal(r.pos, bytes.length, 'must consume the whole encoding');
  const s = new ByteReader(bytes, 'key');
  skipJsonKey(s);
  assert.equal(s.pos, bytes.length, 'skip length');
  return text;
}

// JSON string = marker + EncodeString* body + terminator.
const jstrA = (body: Uint8Array): Uint8Array => cat(B(0x47), body, B(0x00));
const jstrD = (body: Uint8Array): Uint8Array => cat(B(0x52), body, B(0xff));
// JSON number = marker + EncodeDecimal* body + terminator.
const jnumA = (dec: Uint8Array): Uint8Array => cat(B(0x48), dec, B(0x00));
const jnumD = (negDec: Uint8Array): Uint8Array => cat(B(0x51), negDec, B(0xff));
// Simple ASCII strings (no 0x00): EncodeStringAscending = 0x12 s 0x00 0x01; Descending = 0x13 ^s 0xFF 0xFE.
const sA = (s: string): Uint8Array => jstrA(cat(B(0x12), utf8(s), B(0x00, 0x01)));
const sD = (s: string): Uint8Array => jstrD(cat(B(0x13), comp(utf8(s)), B(0xff, 0xfe)));

test('scalars: null, true, false in both directions', () => {
  assert.equal(decode(B(0x46), false), 'null');
  assert.equal(decode(B(0x53), true), 'null');
  assert.equal(decode(B(0x49), false), 'false');
  assert.equal(decode(B(0x50), true), 'false');
  assert.equal(decode(B(0x4a), false), 'true');
  assert.equal(decode(B(0x4f), true), 'true');
});

test('strings: Go TestEncodeDecodeUnsafeString vectors, empty, escapes, UTF-8', () => {
  const cases: [asc: Uint8Array, desc: Uint8Array, text: string][] = [
    // {"hello", 0x12 'h' 'e' 'l' 'l' 'o' 0x00 0x01} / {"hello", 0x13 ^h ^e ^l ^l ^o 0xff 0xfe}
    [h('12 68656c6c6f 0001'), cat(B(0x13), comp(utf8('hello')), B(0xff, 0xfe)), '"hello"'],
    // {"b\x00\x00a", 0x12 'b' 0x00 0xff 0x00 0xff 'a' 0x00 0x01} / {0x13 ^b 0xff 0x00 0xff 0x00 ^a 0xff 0xfe}
    [h('12 62 00ff 00ff 61 0001'), B(0x13, 0x9d, 0xff, 0x00, 0xff, 0x00, 0x9e, 0xff, 0xfe), '"b\\u0000\\u0000a"'],
    // {"\x00\x01a", 0x12 0x00 0xff 1 'a' 0x00 0x01} / {0x13 0xff 0x00 0xfe ^a 0xff 0xfe}
    [h('12 00ff 01 61 0001'), B(0x13, 0xff, 0x00, 0xfe, 0x9e, 0xff, 0xfe), '"\\u0000\\u0001a"'],
    // {"b\x00", 0x12 'b' 0x00 0xff 0x00 0x01} / {0x13 ^b 0xff 0x00 0xff 0xfe}
    [h('12 62 00ff 0001'), B(0x13, 0x9d, 0xff, 0x00, 0xff, 0xfe), '"b\\u0000"'],
    // Empty string: marker then the bare terminator (encodeBytesAscendingWithTerminator with no data).
    [h('12 0001'), h('13 fffe'), '""'],
  ];
  for (const [asc, desc, text] of cases) {
    assert.equal(decode(jstrA(asc), false), text);
    assert.equal(decode(jstrD(desc), true), text);
  }
  // PostgreSQL escape_json: \" \\ \n \t, other controls as \u00XX, everything else raw UTF-8.
  const raw = 'a"b\\c\nd\te\u001fé😀';
  assert.equal(decode(sA(raw), false), '"a\\"b\\\\c\\nd\\te\\u001fé😀"');
  assert.equal(decode(sD(raw), true), '"a\\"b\\\\c\\nd\\te\\u001fé😀"');
});

test('numbers: Go TestEncodeDecimal vectors as JSON numbers, both directions', () => {
  const cases: [asc: string, negatedAsc: string, text: string][] = [
    ['27', '27', '0'], // apd.New(0, 0) → 0x27 (±0 encode identically)
    ['2a 02 00', '24 fd 00', '1'], // apd.New(1, 0) / apd.New(-1, 0)
    ['24 fd 00', '2a 02 00', '-1'],
    ['2a 03 14 00', '24 fc eb 00', '1.1'], // "1.1" / "-1.1"
    ['2a 1a 00', '24 e5 00', '13'], // apd.New(13, 0) / apd.New(-13, 0)
    ['24 ea e6 ba 8e 62 4b 00', '', '-10.123456789'], // "-10.123456789"
    ['29 14 00', '25 eb 00', '0.1'], // apd.New(1, -1) / apd.New(-1, -1)
    ['25 fc d7 00', '', '-0.012'], // "-.012"
    ['28 87 fd 16 00', '26 8a e9 00', '0.000011'], // apd.New(11, -6) / apd.New(-11, -6)
    ['26 89 e9 00', '28 87 fe 16 00', '-0.0011'], // apd.New(-11, -4) / apd.New(11, -4)
  ];
  for (const [asc, neg, text] of cases) {
    assert.equal(decode(jnumA(h(asc)), false), text, `asc ${text}`);
    if (neg) assert.equal(decode(jnumD(h(neg)), true), text, `desc ${text}`);
  }
  // Large: apd.New(13, 1000), apd.New(130, 999), apd.New(1300, 998) all encode as
  // 34 f7 01 f5 1a 00 — the key keeps the value, not the scale (composite rows carry the exact form).
  assert.equal(decode(jnumA(h('34 f7 01 f5 1a 00')), false), `13${'0'.repeat(1000)}`);
  assert.equal(decode(jnumD(h('1a 86 fe 0a e5 00')), true), `13${'0'.repeat(1000)}`); // apd.New(-13, 1000)
  assert.equal(decode(jnumA(h('1a 86 fe 0a e5 00')), false), `-13${'0'.repeat(1000)}`);
  // apd.New(99122839898321208, 99999)
  assert.equal(decode(jnumA(h('34 f7 c3 58 c7 19 39 4f b3 a7 2b 29 a0 00')), false), `99122839898321208${'0'.repeat(99999)}`);
  // TestDecimalMandE {"9223372036854775807", E=10, M=13 2d 43 91 07 89 6d 9b 75 0e}: medium marker 0x29+10.
  assert.equal(decode(jnumA(h('33 13 2d 43 91 07 89 6d 9b 75 0e 00')), false), '9223372036854775807');
});

test('empty array and empty object in both directions', () => {
  // EncodeJSONArrayKeyMarker(len 0) → jsonEmptyArrayKeyMarker, EncodeVarintAscending(0) = 0x88, terminator.
  assert.equal(decode(h('45 88 00'), false), '[]');
  // Descending: 0x54, EncodeVarintDescending(0) = EncodeVarintAscending(-1) = 87 ff, terminator 0xff.
  assert.equal(decode(h('54 87ff ff'), true), '[]');
  assert.equal(decode(h('4c 88 00'), false), '{}');
  assert.equal(decode(h('4d 87ff ff'), true), '{}');
});

// RFC "JSONB Key Encoding" examples, bytes per json.go EncodeForwardIndex.
const NESTED_ASC = cat(
  h('4c 8a'), // object, 2 pairs
  sA('a'),
  cat(h('4b 89'), jnumA(h('2a 02 00')), h('00')), // [1]
  sA('b'),
  cat(h('4c 89'), sA('c'), jnumA(h('27')), h('00')), // {"c": 0}
  h('00'),
);
const NESTED_DESC = cat(
  h('4d 87fd'), // object desc, EncodeVarintDescending(2) = 87 fd
  sD('a'),
  cat(h('4e 87fe'), jnumD(h('24 fd 00')), h('ff')), // [1]: EncodeVarintDescending(1) = 87 fe; 1 desc = bytes of -1
  sD('b'),
  cat(h('4d 87fe'), sD('c'), jnumD(h('27')), h('ff')),
  h('ff'),
);

test('nested arrays and objects in both directions', () => {
  assert.equal(decode(NESTED_ASC, false), '{"a": [1], "b": {"c": 0}}');
  assert.equal(decode(NESTED_DESC, true), '{"a": [1], "b": {"c": 0}}');
  // [1, 11, "a"] (RFC shape; 11 = apd.New(11, 0) → 2a 16 00)
  const arr = cat(h('4b 8b'), jnumA(h('2a 02 00')), jnumA(h('2a 16 00')), sA('a'), h('00'));
  assert.equal(decode(arr, false), '[1, 11, "a"]');
  // [[], [null, [true]]]
  const deep = cat(h('4b 8a 45 88 00'), h('4b 8a 46'), h('4b 89 4a 00'), h('00 00'));
  assert.equal(decode(deep, false), '[[], [null, [true]]]');
});

test('renders exactly like the value-side JSONB of the same document (crdb testdata/encoded)', () => {
  const j = (s: string): Uint8Array => B(...(JSON.parse(s.replace(/ /g, ',')) as number[]));
  const pairs: [value: Uint8Array, key: Uint8Array][] = [
    // object.json {"asd":"sdf", "dfg":"fgh"}
    [
      j('[64 0 0 2 16 0 0 3 16 0 0 3 16 0 0 3 16 0 0 3 97 115 100 100 102 103 115 100 102 102 103 104]'),
      cat(h('4c 8a'), sA('asd'), sA('sdf'), sA('dfg'), sA('fgh'), h('00')),
    ],
    // array_heterogeneous.json [null, 1, "1", {}]
    [
      j('[128 0 0 4 128 0 0 0 32 0 0 4 16 0 0 1 80 0 0 4 3 52 137 1 49 64 0 0 0]'),
      cat(h('4b 8c 46'), jnumA(h('2a 02 00')), sA('1'), h('4c 88 00'), h('00')),
    ],
    // object_extreme_numbers.json { "min": -1.0e+28, "max": 1.0e+28 }: keys bytewise in the key
    // ("max" < "min"); 1e28 = 0.01·100^15 → decimalPosLarge 0x34, uvarint 15 = 0x97, M = 02;
    // −1e28 → decimalNegLarge 0x1a, EncodeUvarintDescending(15) = 87 f0, M complemented = fd.
    [
      j('[64 0 0 2 144 0 0 3 16 0 0 3 160 0 0 10 32 0 0 4 109 97 120 109 105 110 3 52 165 10 3 26 165 10]'),
      cat(h('4c 8a'), sA('max'), jnumA(h('34 97 02 00')), sA('min'), jnumA(h('1a 87 f0 fd 00')), h('00')),
    ],
    // string_escaped_control_character.json ["\u0012"]
    [j('[128 0 0 1 16 0 0 1 18]'), cat(h('4b 89'), jstrA(h('12 12 0001')), h('00'))],
    // {"aa": true, "b": 1}: CockroachDB orders keys bytewise, PostgreSQL prints shorter keys first.
    [
      cat(h('40000002 10000002 10000001 40000000 20000004'), utf8('aab'), B(3, 0x34, 0x89, 0x01)),
      cat(h('4c 8a'), sA('aa'), h('4a'), sA('b'), jnumA(h('2a 02 00')), h('00')),
    ],
  ];
  for (const [value, key] of pairs) {
    const expected = decodeJsonbText(value);
    assert.equal(decode(key, false), expected);
  }
  assert.equal(decode(pairs[4]![1], false), '{"b": 1, "aa": true}');
});

// crdb pkg/util/json/json_test.go TestJSONOrdering: each source sorts strictly before the next.
const ORDERED = [
  '[]',
  'null',
  '"a"',
  '"aa"',
  '"b"',
  '"bb"',
  '1',
  '2',
  '100',
  'false',
  'true',
  '[1]',
  '[2]',
  '[1, 2]',
  '[1, 3]',
  '{}',
  '{"a": 1}',
  '{"a": 2}',
  '{"aa": 1}',
  '{"b": 1}',
  '{"b": 2}',
  '{"a": 2, "c": 3}',
  '{"a": 3, "b": 3}',
];
// Decimal key bodies (E, base-100 M) per decimal_test.go TestDecimalMandE: 1 → E1 M02, 2 → E1 M04,
// 3 → E1 M06, 100 → E2 M02. Positive medium = 0x29+E, M, 0x00; negative = 0x25−E, ^M, 0x00.
const MANDE: Record<number, [number, number]> = { 1: [1, 0x02], 2: [1, 0x04], 3: [1, 0x06], 100: [2, 0x02] };

function encodeForward(v: unknown, desc: boolean): Uint8Array {
  const mk = (asc: number): Uint8Array => B(desc ? 0x99 - asc : asc);
  const term = B(desc ? 0xff : 0x00);
  const count = (n: number): Uint8Array => encodeVarintAscending(desc ? -n - 1 : n);
  if (v === null) return mk(0x46);
  if (v === false) return mk(0x49);
  if (v === true) return mk(0x4a);
  if (typeof v === 'string') return desc ? sD(v) : sA(v);
  if (typeof v === 'number') {
    const [e, m] = MANDE[v]!;
    return cat(mk(0x48), desc ? B(0x25 - e, ~m & 0xff, 0x00) : B(0x29 + e, m, 0x00), term);
  }
  if (Array.isArray(v)) {
    return cat(mk(v.length === 0 ? 0x45 : 0x4b), count(v.length), ...v.map((x) => encodeForward(x, desc)), term);
  }
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body = entries.map(([k, x]) => cat(encodeForward(k, desc), encodeForward(x, desc)));
  return cat(mk(0x4c), count(entries.length), ...body, term);
}

test('ordering guarantee: TestJSONOrdering sources sort by their key bytes, reversed when descending', () => {
  for (const desc of [false, true]) {
    const encs = ORDERED.map((s) => encodeForward(JSON.parse(s), desc));
    for (let i = 0; i < encs.length; i++) {
      assert.equal(decode(encs[i]!, desc), ORDERED[i]);
      if (i === 0) continue;
      const c = Buffer.compare(Buffer.from(encs[i - 1]!), Buffer.from(encs[i]!));
      assert.equal(c, desc ? 1 : -1, `${desc ? 'desc' : 'asc'}: ${ORDERED[i - 1]} vs ${ORDERED[i]}`);
    }
  }
});

test('decodeKeyDatum json column: SQL NULL, both directions, followed by another key column', () => {
  const json = sqlType('json');
  const int = sqlType('int');
  for (const [bytes, dir] of [
    [cat(NESTED_ASC, encodeVarintAscending(7)), 'asc'],
    [cat(NESTED_DESC, encodeVarintAscending(7)), 'desc'],
  ] as const) {
    const r = new ByteReader(bytes, 'key');
    assert.deepEqual(decodeKeyDatum(r, json, dir), { kind: 'json', text: '{"a": [1], "b": {"c": 0}}' });
    assert.deepEqual(decodeKeyDatum(r, int, 'asc'), { kind: 'int', value: 7n });
    assert.ok(r.done);
  }
  assert.equal(decodeKeyDatum(new ByteReader(B(0x00), 'key'), json, 'asc'), null);
  assert.equal(decodeKeyDatum(new ByteReader(B(0xff), 'key'), json, 'desc'), null);
  // skipKeyDatum (used for key columns that are not decoded) steps over a JSON column of either direction.
  for (const lead of [NESTED_ASC, NESTED_DESC]) {
    const r = new ByteReader(cat(lead, encodeVarintAscending(7)), 'key');
    skipKeyDatum(r);
    assert.deepEqual(decodeKeyDatum(r, int, 'asc'), { kind: 'int', value: 7n });
  }
});

test('truncated input anywhere → DecodeError with an offset', () => {
  const vectors: [Uint8Array, boolean][] = [
    [NESTED_ASC, false],
    [NESTED_DESC, true],
    [sA('hello'), false],
    [sD('hello'), true],
    [jnumA(h('24 ea e6 ba 8e 62 4b 00')), false],
    [h('45 88 00'), false],
    [h('54 87ff ff'), true],
  ];
  for (const [bytes, desc] of vectors) {
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(
        () => decodeJsonKeyText(new ByteReader(bytes.subarray(0, cut), 'key', 500), desc),
        (e: unknown) => isDecodeError(e) && e.offset !== undefined && e.offset >= 500 && /at offset \d+/.test(e.message),
        `cut at ${cut} of ${bytes.length}`,
      );
    }
  }
});

test('corrupt input → DecodeError naming the offset', () => {
  const fails = (bytes: Uint8Array, desc: boolean, re: RegExp, offset: number): void => {
    assert.throws(
      () => decodeJsonKeyText(new ByteReader(bytes, 'key', 100), desc),
      (e: unknown) => isDecodeError(e) && e.offset === 100 + offset && re.test(e.detail),
    );
  };
  fails(B(0x46), true, /ascending inside a descending/, 0); // asc null in a desc column
  fails(B(0x53), false, /descending inside an ascending/, 0);
  fails(B(0x12, 0x61, 0x00, 0x01), false, /did not find a JSON key marker/, 0);
  fails(cat(h('4c 89'), h('46'), h('46 00')), false, /object key is not a string/, 2); // {null: null}
  fails(cat(sA('a').subarray(0, 5), B(0x01)), false, /missing JSON key terminator after string/, 5);
  fails(jnumA(h('18')), false, /holds NaN/, 1); // decimalNaN inside a JSON number
  fails(h('4b 8a 46 00'), false, /claims 2 elements but holds 1/, 0);
  fails(h('45 89 46 00'), false, /0x45 with 1 elements/, 0);
  fails(h('4b 88 00'), false, /0x4b with 0 elements/, 0);
  fails(h('4c fd 7f ff ff ff ff ff ff ff 00'), false, /impossible length/, 1);
  fails(h('54 87ff fe'), true, /did not find a JSON key marker/, 3); // wrong terminator in desc empty array
  // Deep nesting is refused, not a stack overflow.
  const deep = cat(...Array.from({ length: 1200 }, () => h('4b 89')), h('46'), ...Array.from({ length: 1200 }, () => h('00')));
  assert.throws(() => decodeJsonKeyText(new ByteReader(deep, 'key'), false), isDecodeError);
});

test('prettyKey prints a JSON key column as CockroachDB does (raw, strconv.Quote of the rest)', () => {
  // crdb encoding.go prettyPrintFirstValue has no JSON forward-key case: the default branch
  // returns strconv.Quote(string(b)) for the remaining bytes.
  const key = cat(encodeUvarintAscending(42), sA('a'));
  assert.equal(prettyKey(key), '/Table/42/"G\\x12a\\x00\\x01\\x00"');
});
