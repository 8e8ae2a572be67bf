import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sqlType, type SqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { startTempPostgres } from '../pg-instance/index.js';
import { fromHex } from '../util/bytes.js';
import { formatCopyText, formatPgText } from './format.js';

/*
 * Ground truth from a real PostgreSQL: every field we render is loaded with COPY … FROM STDIN, then
 * read back as the column's output-function text; the text must equal formatPgText (so verify/ can compare renderings),
 * and the load itself must accept every field.
 */

const s = (value: string): Datum => ({ kind: 'string', value });

const mood = sqlType('enum', {
  udt: {
    typeId: 1,
    schema: 'public',
    name: 'mood',
    enumMembers: [{ physical: Uint8Array.of(0x80), label: "it's ok", writable: true }],
  },
});
const pairT = sqlType('tuple', { tupleContents: [sqlType('int'), sqlType('string')] });

const columns: { name: string; pgType: string; type: SqlType; values: Datum[] }[] = [
  { name: 'b', pgType: 'bool', type: sqlType('bool'), values: [{ kind: 'bool', value: false }] },
  { name: 'i', pgType: 'int8', type: sqlType('int'), values: [{ kind: 'int', value: -(1n << 63n) }] },
  {
    name: 'f8',
    pgType: 'float8',
    type: sqlType('float', { width: 64 }),
    values: [0.1, 1e15, 1e-5, -0, NaN, -Infinity, Math.PI, 5e-324].map((value) => ({ kind: 'float', value }) as const),
  },
  {
    name: 'f4',
    pgType: 'float4',
    type: sqlType('float', { width: 32 }),
    values: [0.1, 1e6, 3.14159265, 1e-5].map((v) => ({ kind: 'float', value: Math.fround(v) }) as const),
  },
  {
    name: 'n',
    pgType: 'numeric',
    type: sqlType('decimal'),
    values: ['-12.3400', '0.00', 'NaN', `1${'0'.repeat(40)}`, '0.000000000000000000000001'].map(
      (value) => ({ kind: 'decimal', value }) as const,
    ),
  },
  { name: 't', pgType: 'text', type: sqlType('string'), values: [s('tab\there\nnl\\bs "q" \u00e9 \u2603'), s(''), s('\\N')] },
  { name: 'by', pgType: 'bytea', type: sqlType('bytes'), values: [{ kind: 'bytes', value: fromHex('005c0aff') }] },
  {
    name: 'd',
    pgType: 'date',
    type: sqlType('date'),
    values: [
      { kind: 'date', days: 0n },
      { kind: 'date', days: -719528n },
      { kind: 'date', days: 0n, infinity: 1 },
      { kind: 'date', days: 0n, infinity: -1 },
    ],
  },
  {
    name: 'tm',
    pgType: 'time',
    type: sqlType('time'),
    values: [
      { kind: 'time', micros: 86_400_000_000n },
      { kind: 'time', micros: 3_600_000_001n },
    ],
  },
  {
    name: 'ttz',
    pgType: 'timetz',
    type: sqlType('timetz'),
    values: [
      { kind: 'timetz', micros: 43_200_000_000n, offsetSecs: -28800 },
      { kind: 'timetz', micros: 1n, offsetSecs: 19800 },
    ],
  },
  {
    name: 'ts',
    pgType: 'timestamp',
    type: sqlType('timestamp'),
    values: [
      { kind: 'timestamp', seconds: 1_700_000_000n, nanos: 123_456_000 },
      { kind: 'timestamp', seconds: -62_167_219_200n, nanos: 0 },
      { kind: 'timestamp', seconds: 0n, nanos: 0, infinity: -1 },
    ],
  },
  {
    name: 'tstz',
    pgType: 'timestamptz',
    type: sqlType('timestamptz'),
    values: [{ kind: 'timestamptz', seconds: -1n, nanos: 500_000_000 }],
  },
  {
    name: 'iv',
    pgType: 'interval',
    type: sqlType('interval'),
    values: [
      { kind: 'interval', months: 14n, days: -3n, nanos: -1_500_000_000n },
      { kind: 'interval', months: -1n, days: 1n, nanos: 0n },
      { kind: 'interval', months: 0n, days: 0n, nanos: 360_000_000_000_000n + 7_000n },
    ],
  },
  { name: 'u', pgType: 'uuid', type: sqlType('uuid'), values: [{ kind: 'uuid', value: fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11') }] },
  {
    name: 'ip',
    pgType: 'inet',
    type: sqlType('inet'),
    values: [
      { kind: 'inet', family: 4, maskBits: 24, addr: fromHex('c0a80000') },
      { kind: 'inet', family: 6, maskBits: 64, addr: fromHex('20010db8000000000000000000000001') },
      { kind: 'inet', family: 6, maskBits: 128, addr: fromHex('00000000000000000000ffff01020304') },
    ],
  },
  {
    name: 'j',
    pgType: 'jsonb',
    type: sqlType('json'),
    values: [{ kind: 'json', text: '{"b": [1, 2.50, null], "aa": {"x": "a\\"\\\\\\n"}}' }],
  },
  {
    name: 'ta',
    pgType: 'text[]',
    type: sqlType('array', { arrayContents: sqlType('string') }),
    values: [
      {
        kind: 'array',
        elemType: sqlType('string'),
        elements: [s('foo'), s('b r'), s(''), null, s('NULL'), s('a"b'), s('c\\d'), s('{x},')],
      },
      { kind: 'array', elemType: sqlType('string'), elements: [] },
    ],
  },
  {
    name: 'ba',
    pgType: 'bytea[]',
    type: sqlType('array', { arrayContents: sqlType('bytes') }),
    values: [{ kind: 'array', elemType: sqlType('bytes'), elements: [{ kind: 'bytes', value: fromHex('01') }, null] }],
  },
  {
    name: 'tsa',
    pgType: 'timestamptz[]',
    type: sqlType('array', { arrayContents: sqlType('timestamptz') }),
    values: [
      {
        kind: 'array',
        elemType: sqlType('timestamptz'),
        elements: [
          { kind: 'timestamptz', seconds: 1_700_000_000n, nanos: 0 },
          null,
          { kind: 'timestamptz', seconds: 0n, nanos: 0, infinity: 1 },
        ],
      },
    ],
  },
  {
    name: 'na',
    pgType: 'numeric[]',
    type: sqlType('array', { arrayContents: sqlType('decimal') }),
    values: [
      {
        kind: 'array',
        elemType: sqlType('decimal'),
        elements: [
          { kind: 'decimal', value: '-1.50' },
          { kind: 'decimal', value: 'NaN' },
        ],
      },
    ],
  },
  {
    name: 'ja',
    pgType: 'jsonb[]',
    type: sqlType('array', { arrayContents: sqlType('json') }),
    values: [
      {
        kind: 'array',
        elemType: sqlType('json'),
        elements: [
          { kind: 'json', text: '{"a": "b\\\\c"}' },
          { kind: 'json', text: '1' },
        ],
      },
    ],
  },
  {
    name: 'bla',
    pgType: 'bool[]',
    type: sqlType('array', { arrayContents: sqlType('bool') }),
    values: [{ kind: 'array', elemType: sqlType('bool'), elements: [{ kind: 'bool', value: true }, null, { kind: 'bool', value: false }] }],
  },
  {
    name: 'ia',
    pgType: 'interval[]',
    type: sqlType('array', { arrayContents: sqlType('interval') }),
    values: [{ kind: 'array', elemType: sqlType('interval'), elements: [{ kind: 'interval', months: 1n, days: 0n, nanos: 0n }] }],
  },
  {
    name: 'fa',
    pgType: 'float8[]',
    type: sqlType('array', { arrayContents: sqlType('float', { width: 64 }) }),
    values: [
      {
        kind: 'array',
        elemType: sqlType('float', { width: 64 }),
        elements: [
          { kind: 'float', value: NaN },
          { kind: 'float', value: 1e300 },
        ],
      },
    ],
  },
  {
    name: 'bt',
    pgType: 'varbit',
    type: sqlType('bit'),
    values: [
      { kind: 'bit', bits: '0101' },
      { kind: 'bit', bits: '' },
    ],
  },
  { name: 'lsn', pgType: 'pg_lsn', type: sqlType('pglsn'), values: [{ kind: 'int', value: (5n << 32n) | 0x16b3748n }] },
  { name: 'tv', pgType: 'tsvector', type: sqlType('tsvector'), values: [{ kind: 'tsvector', text: "'a':1A,2 'it''s':3C 'z'" }] },
  { name: 'tq', pgType: 'tsquery', type: sqlType('tsquery'), values: [{ kind: 'tsquery', text: "( 'a' | 'b' ) & 'c':*A <2> 'd'" }] },
  { name: 'e', pgType: 'mood', type: mood, values: [{ kind: 'enum', label: "it's ok", physical: Uint8Array.of(0x80) }] },
  {
    name: 'rec',
    pgType: 'pair',
    type: pairT,
    values: [
      { kind: 'tuple', elements: [{ kind: 'int', value: 5n }, s('q "x" \\')] },
      { kind: 'tuple', elements: [null, s('')] },
    ],
  },
];

test('COPY text fields load into real PostgreSQL and read back identically', { timeout: 120_000 }, async () => {
  const server = await startTempPostgres();
  const client = new pg.Client(server.clientConfig());
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1");
    await client.query(`CREATE TYPE mood AS ENUM ('it''s ok'); CREATE TYPE pair AS (a int8, b text)`);
    for (const c of columns) {
      await client.query(`CREATE TABLE "t_${c.name}" (n int, v ${c.pgType})`);
      const lines = c.values.map((d, i) => `${i}\t${formatCopyText(d, c.type)}\n`).join('') + `${c.values.length}\t\\N\n`;
      await pipeline(Readable.from([lines]), client.query(copyFrom(`COPY "t_${c.name}" FROM STDIN`)));
      // Raw output-function text (no node-pg type parsing; `::text` would differ for bool).
      const { rows } = await client.query<{ v: string | null }>({
        text: `SELECT v FROM "t_${c.name}" ORDER BY n`,
        types: { getTypeParser: () => (x: string) => x },
      });
      assert.equal(rows.length, c.values.length + 1, c.name);
      c.values.forEach((d, i) => {
        assert.equal(rows[i]!.v, formatPgText(d as Exclude<Datum, null>, c.type), `${c.pgType} value ${i}`);
      });
      assert.equal(rows[c.values.length]!.v, null);
    }
  } finally {
    await client.end();
    await server.stop();
  }
});
