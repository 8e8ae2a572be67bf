import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, fromHex } from '../util/bytes.js';
import { encodeBytesKey, encodeFloatKey, encodeUvarintAscending, encodeVarintAscending, encodeVarintDescending } from './ordered.js';
import { prettyKey } from './pretty-key.js';

const B = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const cat = (...xs: Uint8Array[]): Uint8Array => concatBytes(xs);
const table = (id: number): Uint8Array => encodeUvarintAscending(id);
const tenant = (id: number): Uint8Array => cat(B(0xfe), encodeUvarintAscending(id));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// Expected strings from crdb: pkg/keys/printer_test.go TestPrettyPrint (keys rebuilt from the same
// encoders: TablePrefix = uvarint(id), tenant prefix 0xFE + uvarint, Meta1/Meta2 = 0x02/0x03,
// NodeLivenessKey = 0x04 "\x00liveness-" uvarint(node)).
test('prettyKey matches CockroachDB TestPrettyPrint', () => {
  const cases: [Uint8Array, string][] = [
    [B(), '/Min'],
    [B(0xff, 0xff), '/Max'],
    [table(111), '/Table/111'],
    [cat(table(42), encodeUvarintAscending(1)), '/Table/42/1'],
    [cat(table(42), utf8('foo')), '/Table/42/"foo"'],
    [cat(table(42), encodeFloatKey(233.221112)), '/Table/42/233.221112'],
    [cat(table(42), encodeFloatKey(-233.221112, true)), '/Table/42/233.221112'],
    [cat(table(42), encodeFloatKey(Infinity)), '/Table/42/+Inf'],
    [cat(table(42), encodeFloatKey(NaN)), '/Table/42/NaN'],
    [cat(table(42), encodeVarintAscending(1222), encodeBytesKey(utf8('handsome man'))), '/Table/42/1222/"handsome man"'],
    [cat(table(42), encodeVarintDescending(1222)), '/Table/42/-1223'],
    [cat(table(42), encodeBytesKey(B(1, 2, 8, 255))), '/Table/42/"\\x01\\x02\\b\\xff"'],
    [cat(table(42), encodeBytesKey(B(1, 2, 8, 255), true), utf8('bar')), '/Table/42/"\\x01\\x02\\b\\xff"/"bar"'],
    [cat(table(42), B(0x00)), '/Table/42/NULL'],
    [cat(table(42), B(0xff)), '/Table/42/NULL'],
    [cat(table(42), B(0x01)), '/Table/42/!NULL'],
    [cat(table(42), B(0xfe)), '/Table/42/#'],
    // EncodeDecimalAscending(12.34) / Descending (decimal.go): 2a 19 44 00 / 24 e6 bb 00
    [cat(table(42), B(0x2a, 0x19, 0x44, 0x00)), '/Table/42/12.34'],
    [cat(table(42), B(0x24, 0xe6, 0xbb, 0x00)), '/Table/42/-12.34'],
    // EncodeTimeAscending(2016-03-30T13:40:35.053725008Z) and its descending form read ascending.
    [
      cat(table(42), B(0x14), encodeVarintAscending(1459345235), encodeVarintAscending(53725008)),
      '/Table/42/2016-03-30T13:40:35.053725008Z',
    ],
    [
      cat(table(42), B(0x14), encodeVarintDescending(1459345235), encodeVarintDescending(53725008)),
      '/Table/42/1923-10-04T10:19:23.946274991Z',
    ],
    // MakeBitArrayFromInt64(8, 58, 7) = B00111010
    [cat(table(42), B(0x3a, 0xfd, 0x3a, 0, 0, 0, 0, 0, 0, 0, 0, 0x90)), '/Table/42/B00111010'],
    // EncodeDurationAscending(1 mon 1 day 1s)
    [
      cat(
        table(42),
        B(0x16),
        encodeVarintAscending(31n * 86_400_000_000_000n + 1_000_000_000n),
        encodeVarintAscending(1),
        encodeVarintAscending(1),
      ),
      '/Table/42/1 mon 1 day 00:00:01',
    ],
    [cat(table(55), B(0x89, 0x88, 0x88)), '/Table/55/1/0/0'],
    [tenant(5), '/Tenant/5'],
    [cat(tenant(5), table(42), encodeUvarintAscending(1)), '/Tenant/5/Table/42/1'],
    [cat(tenant(5), table(42), encodeBytesKey(utf8('handsome man'))), '/Tenant/5/Table/42/"handsome man"'],
    [B(0x02), '/Meta1/""'],
    [cat(B(0x03), utf8('foo')), '/Meta2/"foo"'],
    [B(0x02, 0xff, 0xff), '/Meta1/Max'],
    [cat(B(0x03), table(42), utf8('foo')), '/Meta2/Table/42/"foo"'],
    [cat(B(0x04), utf8('\x00liveness-'), encodeUvarintAscending(10033)), '/System/NodeLiveness/10033'],
    [cat(B(0x01, 0x73), utf8('storeIdent')), '/Local/Store/storeIdent'],
  ];
  for (const [key, want] of cases) assert.equal(prettyKey(key), want);
});

test('prettyKey: docs/formats.md §4.8 worked example and undecodable tails', () => {
  assert.equal(prettyKey(fromHex('f0898d88')), '/Table/104/1/5/0');
  assert.equal(prettyKey(fromHex('f66e89')), '/Table/110/1');
  // A truncated datum prints the rest quoted instead of throwing.
  assert.equal(prettyKey(fromHex('f0891261')), '/Table/104/1/"\\x12a"');
});
