import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sqlType, type SqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { fromHex } from '../util/bytes.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { BinaryCopyWriter, BinaryValueError, binaryKind, type BinaryKind } from './binary.js';
import { formatCopyText } from './format.js';

/*
 * Ground truth from a real PostgreSQL: every value is loaded twice into columns of the same type,
 * once as COPY BINARY (binary.ts) and once as COPY text (format.ts, the proven path), and the two
 * must read back identically — PostgreSQL's output text and the stored bytes (`::bytea` of the
 * binary send form via `<type>send`).
 */

const mood = sqlType('enum', { udt: { typeId: 1, schema: 'public', name: 'mood', enumMembers: [] } });
const f = (value: number): Datum => ({ kind: 'float', value });
const n = (value: string): Datum => ({ kind: 'decimal', value });
const ts = (seconds: bigint, nanos = 0, infinity?: 1 | -1): Datum => ({
  kind: 'timestamp',
  seconds,
  nanos,
  ...(infinity ? { infinity } : {}),
});
const tstz = (seconds: bigint, nanos = 0): Datum => ({ kind: 'timestamptz', seconds, nanos });

const CASES: { pgType: string; type: SqlType; values: Datum[] }[] = [
  { pgType: 'smallint', type: sqlType('int', { width: 16 }), values: [-32768n, 32767n, 0n, -1n].map((value) => ({ kind: 'int', value })) },
  {
    pgType: 'integer',
    type: sqlType('int', { width: 32 }),
    values: [-2147483648n, 2147483647n, 7n].map((value) => ({ kind: 'int', value })),
  },
  {
    pgType: 'bigint',
    type: sqlType('int', { width: 64 }),
    values: [-(1n << 63n), (1n << 63n) - 1n, 0n, 1234567890123n].map((value) => ({ kind: 'int', value })),
  },
  {
    pgType: 'double precision',
    type: sqlType('float', { width: 64 }),
    values: [0.1, 1e15, 1e-5, -0, NaN, Infinity, -Infinity, Math.PI, 5e-324, 1.7976931348623157e308, -40.7128].map(f),
  },
  {
    pgType: 'real',
    type: sqlType('float', { width: 32 }),
    values: [0.1, 1e6, 3.14159265, 1e-5, -0, NaN, Infinity, 16777217, 1e-45, 3.4e38].map(f),
  },
  {
    pgType: 'boolean',
    type: sqlType('bool'),
    values: [
      { kind: 'bool', value: true },
      { kind: 'bool', value: false },
    ],
  },
  {
    pgType: 'uuid',
    type: sqlType('uuid'),
    values: [
      { kind: 'uuid', value: fromHex('00112233445566778899aabbccddeeff') },
      { kind: 'uuid', value: new Uint8Array(16) },
    ],
  },
  {
    pgType: 'bytea',
    type: sqlType('bytes'),
    values: [
      { kind: 'bytes', value: fromHex('005c0aff0d09') },
      { kind: 'bytes', value: new Uint8Array(0) },
    ],
  },
  {
    pgType: 'text',
    type: sqlType('string', { oid: 25 }),
    values: ['tab\there\nnl\\bs "q" é ☃ 😀', '', '\\N', 'x'.repeat(70_000)].map((value) => ({ kind: 'string', value })),
  },
  {
    pgType: 'varchar(5)',
    type: sqlType('string', { oid: 1043, width: 5 }),
    values: ['abcde', 'ü☃😀', ''].map((value) => ({ kind: 'string', value })),
  },
  {
    pgType: 'jsonb',
    type: sqlType('json'),
    values: ['{"a": [1, 2.50, {"b": null}], "c": "\\u00e9\\t"}', '"x"', '[]', '1e400', '{"k": "😀"}'].map((text) => ({
      kind: 'json',
      text,
    })),
  },
  {
    pgType: 'date',
    type: sqlType('date'),
    values: [0n, -719528n, -2440588n, 10957n, 2932896n, 5_000_000n]
      .map((days): Datum => ({ kind: 'date', days }))
      .concat([
        { kind: 'date', days: 0n, infinity: 1 },
        { kind: 'date', days: 0n, infinity: -1 },
      ]),
  },
  {
    pgType: 'timestamp',
    type: sqlType('timestamp'),
    values: [
      ts(0n),
      ts(946684800n),
      ts(946684799n, 999_999_500),
      ts(946684799n, 999_999_499),
      ts(-1n, 500),
      ts(-1n, 499),
      ts(1582934400n, 123_456_789),
      ts(-62135596800n - 86400n * 366n, 1000), // 1 BC
      ts(-210866803200n), // 4714-11-24 BC, the first PostgreSQL day
      ts(9224318016000n - 1n, 999_999_000), // 294276-12-31 23:59:59.999999, the last
      ts(8_000_000_000n, 1000), // year 2223: µs since 2000 still below 2^53
      ts(20_000_000_000n, 7000), // year 2603: through bigint
      ts(0n, 0, 1),
      ts(0n, 0, -1),
    ],
  },
  {
    pgType: 'timestamp(3)',
    type: sqlType('timestamp', { precision: 3, timePrecisionIsSet: true }),
    values: [ts(1n, 123_456_789), ts(1n, 999_500_000), ts(-1n, 999_499_000)],
  },
  {
    pgType: 'timestamptz',
    type: sqlType('timestamptz'),
    values: [tstz(1700000000n, 1), tstz(-1000000000n, 999_999_999), tstz(946684800n)],
  },
  {
    pgType: 'timestamptz(0)',
    type: sqlType('timestamptz', { precision: 0, timePrecisionIsSet: true }),
    values: [tstz(1700000000n, 500_000_000), tstz(1700000000n, 499_999_999)],
  },
  {
    pgType: 'numeric',
    type: sqlType('decimal'),
    values: [
      '-12.3400',
      '0.00',
      '-0.00',
      '0',
      'NaN',
      `1${'0'.repeat(40)}`,
      '0.000000000000000000000001',
      '12345678.9',
      '9999.9999',
      '10000',
      '-0.0001',
      '100000000.00000001',
      'Infinity',
      '-Infinity',
    ].map(n),
  },
  {
    pgType: 'numeric(10,2)',
    type: sqlType('decimal', { precision: 10, width: 2 }),
    values: ['12.345', '12.355', '-0.005', '99999999.99', '1'].map(n),
  },
  { pgType: 'numeric(5)', type: sqlType('decimal', { precision: 5 }), values: ['12345', '1.5', '-2.5'].map(n) },
  {
    pgType: 'mood',
    type: mood,
    values: [
      { kind: 'enum', label: "it's ok", physical: Uint8Array.of(0x80) },
      { kind: 'enum', label: 'sad ☹', physical: Uint8Array.of(0x81) },
    ],
  },
];

async function copyBinary(client: pg.ClientBase, table: string, kinds: BinaryKind[], rows: Datum[][]): Promise<void> {
  const w = new BinaryCopyWriter();
  w.header();
  for (const r of rows) w.row(r, kinds);
  w.trailer();
  await pipeline(Readable.from([w.take()]), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)));
}

async function copyText(client: pg.ClientBase, table: string, types: SqlType[], rows: Datum[][]): Promise<void> {
  const text = rows.map((r) => r.map((d, i) => formatCopyText(d, types[i]!)).join('\t') + '\n').join('');
  await pipeline(Readable.from([Buffer.from(text)]), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
}

test('binaryKind: which PostgreSQL types are sent as binary, and which stay text', () => {
  for (const c of CASES) assert.ok(binaryKind(c.pgType, c.type), `${c.pgType} has a binary form`);
  const textOnly: [string, SqlType][] = [
    ['char(3)', sqlType('string', { oid: 1042, width: 3 })],
    ['"char"', sqlType('string', { oid: 18 })],
    ['name', sqlType('string', { oid: 19 })],
    ['interval', sqlType('interval')],
    ['time', sqlType('time')],
    ['inet', sqlType('inet')],
    ['text[]', sqlType('array', { arrayContents: sqlType('string') })],
    ['text COLLATE "de"', sqlType('collatedstring', { locale: 'de' })],
    ['text', sqlType('int')], // a type the converter changed: text, not int8 bytes
  ];
  for (const [pgType, type] of textOnly) assert.equal(binaryKind(pgType, type), undefined, pgType);
});

test('COPY BINARY stores exactly what COPY text stores, type by type (real PostgreSQL)', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'binary');
  await client.query(`CREATE TYPE mood AS ENUM ('it''s ok', 'sad ☹')`);
  for (const [k, c] of CASES.entries()) {
    const kind = binaryKind(c.pgType, c.type)!;
    await client.query(`CREATE TABLE b${k} (i integer, v ${c.pgType}); CREATE TABLE t${k} (i integer, v ${c.pgType})`);
    const rows: Datum[][] = c.values.map((v, i) => [{ kind: 'int', value: BigInt(i) }, v]);
    rows.push([{ kind: 'int', value: BigInt(rows.length) }, null]);
    await copyBinary(client, `b${k}`, ['int4', kind], rows);
    await copyText(client, `t${k}`, [sqlType('int', { width: 32 }), c.type], rows);
    // Output text and the binary send form (exact bits: -0, NaN payloads aside, numeric dscale).
    const read = async (table: string) =>
      (
        await client.query<{ out: string | null; bits: string | null }>(
          `SELECT concat(v) AS out, encode(${sendFn(c.pgType)}(v), 'hex') AS bits FROM ${table} ORDER BY i`,
        )
      ).rows;
    const [b, tx] = [await read(`b${k}`), await read(`t${k}`)];
    assert.equal(b.length, rows.length, `${c.pgType}: every row loaded`);
    assert.deepEqual(b, tx, `${c.pgType}: binary and text loads agree`);
  }
});

/** The type's binary send function (stored representation, as bytes). */
function sendFn(pgType: string): string {
  const base = pgType.replace(/\(.*\)$/, '');
  const fns: Record<string, string> = {
    smallint: 'int2send',
    integer: 'int4send',
    bigint: 'int8send',
    'double precision': 'float8send',
    real: 'float4send',
    boolean: 'boolsend',
    uuid: 'uuid_send',
    bytea: 'byteasend',
    text: 'textsend',
    varchar: 'varcharsend',
    jsonb: 'jsonb_send',
    date: 'date_send',
    timestamp: 'timestamp_send',
    timestamptz: 'timestamptz_send',
    numeric: 'numeric_send',
    mood: 'enum_send',
  };
  return fns[base] ?? assert.fail(`no send function for ${pgType}`);
}

test('the writer’s bytes do not depend on where its buffer grows (every field kind crossing the end)', () => {
  // Each case's values after a bytea of 0–12 bytes, written with buffers starting at 1–64 bytes:
  // the buffer then grows inside every kind of field at every offset, and the bytes must equal
  // those of a buffer that never grows. (A fixed-width field once wrote into the replaced buffer:
  // a RangeError, or for a boolean a silently lost byte.)
  for (const c of CASES) {
    const kind = binaryKind(c.pgType, c.type)!;
    const rows: Datum[][] = c.values.flatMap((v, i) =>
      Array.from({ length: 13 }, (_, pad): Datum[] => [{ kind: 'bytes', value: new Uint8Array(pad).fill(i) }, v]),
    );
    const write = (initialBytes?: number): Buffer => {
      const w = new BinaryCopyWriter(initialBytes);
      w.header();
      for (const r of rows) w.row(r, ['bytea', kind]);
      w.trailer();
      return w.take();
    };
    const expected = write();
    for (let size = 1; size <= 64; size++) assert.deepEqual(write(size), expected, `${c.pgType}, buffer starting at ${size} bytes`);
  }
});

test('values PostgreSQL would refuse as text are refused in binary too, naming the column', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'binrefuse');
  const refused: { pgType: string; type: SqlType; kind: BinaryKind; value: Datum }[] = [
    { pgType: 'smallint', type: sqlType('int', { width: 16 }), kind: 'int2', value: { kind: 'int', value: 32768n } },
    { pgType: 'integer', type: sqlType('int', { width: 32 }), kind: 'int4', value: { kind: 'int', value: -2147483649n } },
    { pgType: 'date', type: sqlType('date'), kind: 'date', value: { kind: 'date', days: 3_000_000_000n } },
    { pgType: 'timestamptz', type: sqlType('timestamptz'), kind: 'timestamp', value: tstz(9_300_000_000_000n) },
    { pgType: 'numeric', type: sqlType('decimal'), kind: 'numeric', value: n(`0.${'0'.repeat(16383)}1`) },
  ];
  for (const [k, c] of refused.entries()) {
    // The text path: PostgreSQL refuses the same value.
    await client.query(`CREATE TABLE r${k} (v ${c.pgType})`);
    await assert.rejects(copyText(client, `r${k}`, [c.type], [[c.value]]), `${c.pgType}: text COPY refuses it`);
    const w = new BinaryCopyWriter();
    w.header();
    w.row([{ kind: 'int', value: 1n }, null], ['int8', c.kind]);
    const before = w.length;
    assert.throws(
      () => w.row([{ kind: 'int', value: 2n }, c.value], ['int8', c.kind]),
      (e: unknown) => e instanceof BinaryValueError && e.column === 1,
      c.pgType,
    );
    assert.equal(w.length, before, 'nothing of the refused row stays written');
  }
  // A decoder bug (a value of another kind) is an internal error, not a silently wrong field.
  assert.throws(() => new BinaryCopyWriter().row([{ kind: 'string', value: '1' }], ['int8']), /expects int8, the decoder gave string/);
});
