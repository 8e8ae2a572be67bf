import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { fromHex } from '../util/bytes.js';
import { isLoadError } from '../util/errors.js';
import { copyEscape, formatCopyText, formatFloat4, formatFloat8, formatInet, formatInterval } from './format.js';

/*
 * Expected strings are PostgreSQL's own text output (float8out/float4out with the PG 12+ shortest
 * digits, date_out/timestamp_out with DateStyle=ISO, interval_out with IntervalStyle=postgres,
 * inet_out, array_out, record_out) as documented in the PostgreSQL manual (§8.x "Output" examples),
 * then COPY text escaping (PostgreSQL docs, COPY "Text Format").
 */

const T = {
  int: sqlType('int', { width: 64 }),
  f8: sqlType('float', { width: 64 }),
  f4: sqlType('float', { width: 32 }),
  text: sqlType('string'),
};

test('float8 / float4 text: shortest round-trip, PostgreSQL exponent thresholds', () => {
  const f8: [number, string][] = [
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [1e14, '100000000000000'],
    [1e15, '1e+15'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e300, '1.5e+300'],
    [-2.5, '-2.5'],
    [123456789012345680, '1.2345678901234568e+17'],
    [5e-324, '5e-324'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ];
  for (const [v, s] of f8) assert.equal(formatFloat8(v), s, String(v));
  const f4: [number, string][] = [
    [Math.fround(0.1), '0.1'],
    [Math.fround(3.14159265), '3.1415927'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [Math.fround(1e-5), '1e-05'],
  ];
  for (const [v, s] of f4) assert.equal(formatFloat4(v), s, String(v));
  // Every float8 text must parse back to the identical double.
  for (const v of [Math.PI, 1e-310, 2 ** 53 + 2, 9.999999999999999e22]) assert.equal(Number(formatFloat8(v)), v);
});

test('datum → COPY field for every kind', () => {
  const cases: [Datum, Parameters<typeof formatCopyText>[1], string][] = [
    [null, T.int, '\\N'],
    [{ kind: 'bool', value: true }, sqlType('bool'), 't'],
    [{ kind: 'int', value: -(1n << 63n) }, T.int, '-9223372036854775808'],
    [{ kind: 'int', value: 0x16b3748n }, sqlType('pglsn'), '0/16B3748'],
    [{ kind: 'int', value: (5n << 32n) | 0xan }, sqlType('pglsn'), '5/A'],
    [{ kind: 'float', value: NaN }, T.f8, 'NaN'],
    [{ kind: 'float', value: Math.fround(0.1) }, T.f4, '0.1'],
    [{ kind: 'decimal', value: '-12.3400' }, sqlType('decimal'), '-12.3400'],
    [{ kind: 'decimal', value: 'Infinity' }, sqlType('decimal'), 'Infinity'],
    [{ kind: 'string', value: 'a\tb\nc\rd\\e' }, T.text, 'a\\tb\\nc\\rd\\\\e'],
    [{ kind: 'bytes', value: fromHex('00ff10') }, sqlType('bytes'), '\\\\x00ff10'],
    [{ kind: 'date', days: 0n }, sqlType('date'), '1970-01-01'],
    [{ kind: 'date', days: -719528n }, sqlType('date'), '0001-01-01 BC'],
    [{ kind: 'date', days: 2932896n }, sqlType('date'), '9999-12-31'],
    [{ kind: 'date', days: 0n, infinity: 1 }, sqlType('date'), 'infinity'],
    [{ kind: 'date', days: 0n, infinity: -1 }, sqlType('date'), '-infinity'],
    [{ kind: 'time', micros: 86_400_000_000n }, sqlType('time'), '24:00:00'],
    [{ kind: 'time', micros: 3_600_000_001n }, sqlType('time'), '01:00:00.000001'],
    [{ kind: 'timetz', micros: 43_200_000_000n, offsetSecs: -28800 }, sqlType('timetz'), '12:00:00-08'],
    [{ kind: 'timetz', micros: 0n, offsetSecs: 19800 }, sqlType('timetz'), '00:00:00+05:30'],
    [{ kind: 'timestamp', seconds: 1_700_000_000n, nanos: 123_456_789 }, sqlType('timestamp'), '2023-11-14 22:13:20.123457'],
    [{ kind: 'timestamp', seconds: 1_700_000_000n, nanos: 999_999_500 }, sqlType('timestamp'), '2023-11-14 22:13:21'],
    [{ kind: 'timestamptz', seconds: -1n, nanos: 500_000_000 }, sqlType('timestamptz'), '1969-12-31 23:59:59.5+00'],
    [{ kind: 'timestamptz', seconds: -62_167_219_200n, nanos: 0 }, sqlType('timestamptz'), '0001-01-01 00:00:00+00 BC'],
    [{ kind: 'timestamp', seconds: 0n, nanos: 0, infinity: 1 }, sqlType('timestamp'), 'infinity'],
    [{ kind: 'interval', months: 14n, days: -3n, nanos: -1_500_000_000n }, sqlType('interval'), '1 year 2 mons -3 days -00:00:01.5'],
    [{ kind: 'uuid', value: fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11') }, sqlType('uuid'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [{ kind: 'inet', family: 4, maskBits: 24, addr: fromHex('c0a80000') }, sqlType('inet'), '192.168.0.0/24'],
    [{ kind: 'json', text: '{"a": "x\\ny"}' }, sqlType('json'), '{"a": "x\\\\ny"}'],
    [{ kind: 'enum', label: 'happy', physical: fromHex('80') }, sqlType('enum'), 'happy'],
    [{ kind: 'bit', bits: '0101' }, sqlType('bit'), '0101'],
    [
      { kind: 'geo', ewkb: fromHex('0101000020e6100000000000000000f03f0000000000000040'), srid: 4326, geography: true },
      sqlType('geography'),
      '0101000020E6100000000000000000F03F0000000000000040',
    ],
    [{ kind: 'box2d', loX: 1, hiX: 3, loY: 2, hiY: 4.5 }, sqlType('box2d'), 'BOX(1 2,3 4.5)'],
    [{ kind: 'tsvector', text: "'a':1A 'it''s'" }, sqlType('tsvector'), "'a':1A 'it''s'"],
    [{ kind: 'vector', values: Float32Array.of(1, 0.1, -3) }, sqlType('pgvector'), '[1,0.1,-3]'],
  ];
  for (const [d, t, want] of cases)
    assert.equal(
      formatCopyText(d, t),
      want,
      JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
});

test('interval: IntervalStyle=postgres forms', () => {
  assert.equal(formatInterval(0n, 0n, 0n), '00:00:00');
  assert.equal(formatInterval(-1n, 1n, 0n), '-1 mons +1 day');
  assert.equal(formatInterval(1n, 1n, 1_000_000_000n), '1 mon 1 day 00:00:01');
  assert.equal(formatInterval(0n, 0n, 100n * 3_600_000_000_000n + 1_500n), '100:00:00.000002');
  assert.equal(formatInterval(-24n, 0n, 0n), '-2 years');
});

test('inet: IPv6 compression and embedded IPv4 as PostgreSQL prints them', () => {
  assert.equal(formatInet(6, 64, fromHex('20010db8000000000000000000000001')), '2001:db8::1/64');
  assert.equal(formatInet(6, 128, fromHex('00000000000000000000ffff01020304')), '::ffff:1.2.3.4');
  assert.equal(formatInet(6, 128, fromHex('00000000000000000000000000000000')), '::');
  assert.equal(formatInet(6, 128, fromHex('00000000000000000000000000000001')), '::1');
  assert.equal(formatInet(6, 128, fromHex('20010db8000100000001000000000000')), '2001:db8:1:0:1::');
  assert.equal(formatInet(4, 32, fromHex('0a000001')), '10.0.0.1');
});

test('arrays and tuples: PostgreSQL array_out / record_out quoting, then COPY escaping', () => {
  const text = sqlType('string');
  const s = (value: string): Datum => ({ kind: 'string', value });
  const arr: Datum = {
    kind: 'array',
    elemType: text,
    elements: [s('foo'), s('b r'), s(''), null, s('null'), s('a"b'), s('c\\d'), s('{x}')],
  };
  // array_out: {foo,"b r","",NULL,"null","a\"b","c\\d","{x}"}; COPY doubles each backslash.
  assert.equal(formatCopyText(arr, sqlType('array', { arrayContents: text })), '{foo,"b r","",NULL,"null","a\\\\"b","c\\\\\\\\d","{x}"}');
  const byteaArr: Datum = { kind: 'array', elemType: sqlType('bytes'), elements: [{ kind: 'bytes', value: fromHex('01') }] };
  assert.equal(formatCopyText(byteaArr, sqlType('array', { arrayContents: sqlType('bytes') })), '{"\\\\\\\\x01"}');
  assert.equal(formatCopyText({ kind: 'array', elemType: text, elements: [] }, sqlType('array', { arrayContents: text })), '{}');
  const tupT = sqlType('tuple', { tupleContents: [sqlType('int'), text, text, text] });
  const tup: Datum = { kind: 'tuple', elements: [{ kind: 'int', value: 5n }, null, s('x y'), s('q"\\')] };
  // record_out: (5,,"x y","q""\\") — quotes and backslashes doubled inside quotes.
  assert.equal(formatCopyText(tup, tupT), '(5,,"x y","q""\\\\\\\\")');
});

test('COPY escaping and NUL handling', () => {
  assert.equal(copyEscape('plain'), 'plain');
  assert.equal(copyEscape('\\N'), '\\\\N');
  assert.throws(() => formatCopyText({ kind: 'string', value: 'a\u0000b' }, sqlType('string')), isLoadError);
});
