/**
 * Load-then-verify round trips on a real PostgreSQL for every Datum kind PostgreSQL can hold
 * without extensions: the fingerprint of the text sent to COPY must equal the fingerprint PostgreSQL
 * computes from its own output functions, and altering any one value on the target must be found
 * and traced to its primary key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlType, type SqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { copyTable } from '../load/copy-table.js';
import { ensureLoadState } from '../load/load-state.js';
import { canonicalDecimal } from '../load/row-hash.js';
import type { LoadRow, TableLoadPlan } from '../load/types.js';
import { fromHex } from '../util/bytes.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { verifyTable } from './verify-table.js';

const s = (value: string): Datum => ({ kind: 'string', value });
const dec = (value: string): Datum => ({ kind: 'decimal', value });
const f = (value: number): Datum => ({ kind: 'float', value });
const ts = (seconds: bigint, nanos = 0, infinity?: 1 | -1): Datum => ({
  kind: 'timestamp',
  seconds,
  nanos,
  ...(infinity ? { infinity } : {}),
});
const tstz = (seconds: bigint, nanos = 0, infinity?: 1 | -1): Datum => ({
  kind: 'timestamptz',
  seconds,
  nanos,
  ...(infinity ? { infinity } : {}),
});
const arr = (elemType: SqlType, elements: Datum[]): Datum => ({ kind: 'array', elemType, elements });

const T = {
  int2: sqlType('int', { width: 16, oid: 21 }),
  int4: sqlType('int', { width: 32, oid: 23 }),
  int8: sqlType('int', { width: 64, oid: 20 }),
  oid: sqlType('oid', { oid: 26 }),
  f8: sqlType('float', { width: 64, oid: 701 }),
  f4: sqlType('float', { width: 32, oid: 700 }),
  num: sqlType('decimal', { oid: 1700 }),
  num102: sqlType('decimal', { oid: 1700, precision: 10, width: 2 }),
  text: sqlType('string', { oid: 25 }),
  varchar: sqlType('string', { oid: 1043, width: 20 }),
  bpchar: sqlType('string', { oid: 1042, width: 4 }),
  qchar: sqlType('string', { oid: 18 }),
  bytes: sqlType('bytes', { oid: 17 }),
  bool: sqlType('bool', { oid: 16 }),
  date: sqlType('date', { oid: 1082 }),
  time: sqlType('time', { oid: 1083 }),
  timetz: sqlType('timetz', { oid: 1266 }),
  ts: sqlType('timestamp', { oid: 1114 }),
  tstz: sqlType('timestamptz', { oid: 1184 }),
  interval: sqlType('interval', { oid: 1186 }),
  uuid: sqlType('uuid', { oid: 2950 }),
  inet: sqlType('inet', { oid: 869 }),
  json: sqlType('json', { oid: 3802 }),
  bit: sqlType('bit', { oid: 1560, width: 4 }),
  varbit: sqlType('bit', { oid: 1562 }),
  tsvector: sqlType('tsvector', { oid: 3614 }),
  tsquery: sqlType('tsquery', { oid: 3615 }),
  lsn: sqlType('pglsn', { oid: 3220 }),
  mood: sqlType('enum', {
    oid: 100_050,
    udt: {
      typeId: 50,
      schema: 'public',
      name: 'mood',
      enumMembers: [
        { physical: Uint8Array.of(0x40), label: 'ok', writable: true },
        { physical: Uint8Array.of(0x80), label: 'it\'s "meh"', writable: true },
      ],
    },
  }),
  pair: sqlType('tuple', {
    oid: 100_060,
    tupleContents: [sqlType('int', { width: 64, oid: 20 }), sqlType('string', { oid: 25 })],
    tupleLabels: ['a', 'b'],
  }),
};
const A = (e: SqlType, oid: number): SqlType => sqlType('array', { oid, arrayContents: e });

/** Column name, PostgreSQL type, SqlType, and one value per row (row ids 1…4; row 4 is all NULL). */
const columns: { name: string; pg: string; type: SqlType; values: [Datum, Datum, Datum] }[] = [
  {
    name: 'i2',
    pg: 'int2',
    type: T.int2,
    values: [
      { kind: 'int', value: -32768n },
      { kind: 'int', value: 0n },
      { kind: 'int', value: 32767n },
    ],
  },
  {
    name: 'i4',
    pg: 'int4',
    type: T.int4,
    values: [
      { kind: 'int', value: -2147483648n },
      { kind: 'int', value: 7n },
      { kind: 'int', value: 2147483647n },
    ],
  },
  {
    name: 'i8',
    pg: 'int8',
    type: T.int8,
    values: [
      { kind: 'int', value: -(1n << 63n) },
      { kind: 'int', value: 1n },
      { kind: 'int', value: (1n << 63n) - 1n },
    ],
  },
  {
    name: 'o',
    pg: 'oid',
    type: T.oid,
    values: [
      { kind: 'int', value: 0n },
      { kind: 'int', value: 4294967295n },
      { kind: 'int', value: 16384n },
    ],
  },
  { name: 'f8', pg: 'float8', type: T.f8, values: [f(NaN), f(-0), f(0.1)] },
  { name: 'f8b', pg: 'float8', type: T.f8, values: [f(Infinity), f(-Infinity), f(5e-324)] },
  { name: 'f8c', pg: 'float8', type: T.f8, values: [f(1e300), f(123456789012345680), f(-1.5e-7)] },
  { name: 'f4', pg: 'float4', type: T.f4, values: [f(Math.fround(3.14159265)), f(NaN), f(Math.fround(1e-5))] },
  {
    name: 'n',
    pg: 'numeric',
    type: T.num,
    values: [dec('NaN'), dec(`-${'9'.repeat(60)}.${'1'.repeat(40)}`), dec('0.000000000000000000000000000001')],
  },
  { name: 'n2', pg: 'numeric', type: T.num, values: [dec('Infinity'), dec('-Infinity'), dec('-12.3400')] },
  { name: 'n3', pg: 'numeric(10,2)', type: T.num102, values: [dec('-0'), dec('1.5'), dec('12345678.99')] },
  { name: 't', pg: 'text', type: T.text, values: [s('tab\there\nnewline\r\\backslash "q" \'s\' é ☃ 😀'), s(''), s('\\N')] },
  { name: 'vc', pg: 'varchar(20)', type: T.varchar, values: [s('  lead and trail  '), s('NULL'), s('ü'.repeat(20))] },
  { name: 'ch', pg: 'char(4)', type: T.bpchar, values: [s('ab'), s('abcd'), s('')] },
  { name: 'qc', pg: '"char"', type: T.qchar, values: [s('a'), s('Z'), s(' ')] },
  {
    name: 'by',
    pg: 'bytea',
    type: T.bytes,
    values: [
      { kind: 'bytes', value: fromHex('005c0a09ff') },
      { kind: 'bytes', value: new Uint8Array(0) },
      { kind: 'bytes', value: fromHex('deadbeef') },
    ],
  },
  {
    name: 'b',
    pg: 'bool',
    type: T.bool,
    values: [
      { kind: 'bool', value: true },
      { kind: 'bool', value: false },
      { kind: 'bool', value: true },
    ],
  },
  {
    name: 'd',
    pg: 'date',
    type: T.date,
    values: [
      { kind: 'date', days: 0n, infinity: 1 },
      { kind: 'date', days: 0n, infinity: -1 },
      { kind: 'date', days: -719893n },
    ],
  },
  {
    name: 'd2',
    pg: 'date',
    type: T.date,
    values: [
      { kind: 'date', days: 19000n },
      { kind: 'date', days: 0n },
      { kind: 'date', days: 2_932_896n },
    ],
  },
  {
    name: 'tm',
    pg: 'time',
    type: T.time,
    values: [
      { kind: 'time', micros: 0n },
      { kind: 'time', micros: 86_400_000_000n },
      { kind: 'time', micros: 45_296_000_001n },
    ],
  },
  {
    name: 'ttz',
    pg: 'timetz',
    type: T.timetz,
    values: [
      { kind: 'timetz', micros: 1n, offsetSecs: 19800 },
      { kind: 'timetz', micros: 43_200_500_000n, offsetSecs: -28800 },
      { kind: 'timetz', micros: 0n, offsetSecs: 0 },
    ],
  },
  { name: 'tsp', pg: 'timestamp', type: T.ts, values: [ts(1_700_000_000n, 123_456_789), ts(-62_167_219_200n), ts(0n, 0, 1)] },
  { name: 'tsp2', pg: 'timestamp', type: T.ts, values: [ts(1_700_000_000n, 100_000_000), ts(-62_198_755_200n), ts(0n, 0, -1)] },
  { name: 'tz', pg: 'timestamptz', type: T.tstz, values: [tstz(-1n, 500_000_000), tstz(0n, 0, -1), tstz(4_102_444_800n, 999_999_999)] },
  {
    name: 'iv',
    pg: 'interval',
    type: T.interval,
    values: [
      { kind: 'interval', months: 14n, days: -3n, nanos: -1_500_000_000n },
      { kind: 'interval', months: 0n, days: 0n, nanos: 0n },
      { kind: 'interval', months: -1200n, days: 40n, nanos: 360_000_000_007_000n },
    ],
  },
  {
    name: 'u',
    pg: 'uuid',
    type: T.uuid,
    values: [
      { kind: 'uuid', value: fromHex('a0eebc999c0b4ef8bb6d6bb9bd380a11') },
      { kind: 'uuid', value: new Uint8Array(16) },
      { kind: 'uuid', value: fromHex('ffffffffffffffffffffffffffffffff') },
    ],
  },
  {
    name: 'ip',
    pg: 'inet',
    type: T.inet,
    values: [
      { kind: 'inet', family: 4, maskBits: 32, addr: fromHex('0a000001') },
      { kind: 'inet', family: 4, maskBits: 8, addr: fromHex('0a000000') },
      { kind: 'inet', family: 6, maskBits: 64, addr: fromHex('20010db8000000000000000000000001') },
    ],
  },
  {
    name: 'j',
    pg: 'jsonb',
    type: T.json,
    values: [
      {
        kind: 'json',
        text: '{"b": [1, 2.50, null, true], "aa": {"x": "tab\\t quote\\" bs\\\\ é"}, "ccc": -1.0E+2}'.replace('-1.0E+2', '-100'),
      },
      { kind: 'json', text: '"just a string"' },
      { kind: 'json', text: '[]' },
    ],
  },
  {
    name: 'ta',
    pg: 'text[]',
    type: A(T.text, 1009),
    values: [
      arr(T.text, [s('foo'), s('b r'), s(''), null, s('NULL'), s('a"b'), s('c\\d'), s('{x},'), s('tab\t')]),
      arr(T.text, []),
      arr(T.text, [null]),
    ],
  },
  {
    name: 'ia',
    pg: 'int8[]',
    type: A(T.int8, 1016),
    values: [
      arr(T.int8, [{ kind: 'int', value: 1n }, null, { kind: 'int', value: -5n }]),
      arr(T.int8, []),
      arr(T.int8, [{ kind: 'int', value: 0n }]),
    ],
  },
  {
    name: 'na',
    pg: 'numeric[]',
    type: A(T.num, 1231),
    values: [arr(T.num, [dec('-1.50'), dec('NaN')]), arr(T.num, [null]), arr(T.num, [dec('0')])],
  },
  {
    name: 'fa',
    pg: 'float8[]',
    type: A(T.f8, 1022),
    values: [arr(T.f8, [f(NaN), f(-Infinity), f(-0)]), arr(T.f8, [f(1e-300)]), arr(T.f8, [])],
  },
  {
    name: 'ja',
    pg: 'jsonb[]',
    type: A(T.json, 3807),
    values: [
      arr(T.json, [
        { kind: 'json', text: '{"a": "b\\\\c"}' },
        { kind: 'json', text: '1' },
      ]),
      arr(T.json, [null]),
      arr(T.json, []),
    ],
  },
  {
    name: 'da',
    pg: 'date[]',
    type: A(T.date, 1182),
    values: [
      arr(T.date, [
        { kind: 'date', days: 0n },
        { kind: 'date', days: 0n, infinity: 1 },
      ]),
      arr(T.date, []),
      arr(T.date, [null]),
    ],
  },
  {
    name: 'tza',
    pg: 'timestamptz[]',
    type: A(T.tstz, 1185),
    values: [arr(T.tstz, [tstz(1_700_000_000n), null]), arr(T.tstz, [tstz(0n, 0, 1)]), arr(T.tstz, [])],
  },
  {
    name: 'ba',
    pg: 'bytea[]',
    type: A(T.bytes, 1001),
    values: [
      arr(T.bytes, [{ kind: 'bytes', value: fromHex('01ff') }, null]),
      arr(T.bytes, []),
      arr(T.bytes, [{ kind: 'bytes', value: new Uint8Array(0) }]),
    ],
  },
  {
    name: 'ua',
    pg: 'uuid[]',
    type: A(T.uuid, 2951),
    values: [arr(T.uuid, [{ kind: 'uuid', value: new Uint8Array(16) }]), arr(T.uuid, []), arr(T.uuid, [null])],
  },
  {
    name: 'e',
    pg: 'mood',
    type: T.mood,
    values: [
      { kind: 'enum', label: 'ok', physical: Uint8Array.of(0x40) },
      { kind: 'enum', label: 'it\'s "meh"', physical: Uint8Array.of(0x80) },
      { kind: 'enum', label: 'ok', physical: Uint8Array.of(0x40) },
    ],
  },
  {
    name: 'ea',
    pg: 'mood[]',
    type: A(T.mood, 100_051),
    values: [
      arr(T.mood, [{ kind: 'enum', label: 'it\'s "meh"', physical: Uint8Array.of(0x80) }, null]),
      arr(T.mood, []),
      arr(T.mood, [{ kind: 'enum', label: 'ok', physical: Uint8Array.of(0x40) }]),
    ],
  },
  {
    name: 'bt',
    pg: 'bit(4)',
    type: T.bit,
    values: [
      { kind: 'bit', bits: '0101' },
      { kind: 'bit', bits: '0000' },
      { kind: 'bit', bits: '1111' },
    ],
  },
  {
    name: 'vb',
    pg: 'varbit',
    type: T.varbit,
    values: [
      { kind: 'bit', bits: '' },
      { kind: 'bit', bits: '1' },
      { kind: 'bit', bits: '10'.repeat(40) },
    ],
  },
  {
    name: 'tv',
    pg: 'tsvector',
    type: T.tsvector,
    values: [
      { kind: 'tsvector', text: "'a':1A,2 'it''s':3C 'z'" },
      { kind: 'tsvector', text: '' },
      { kind: 'tsvector', text: "'back\\\\slash' 'fat':2,4 'rat':3" },
    ],
  },
  {
    name: 'tq',
    pg: 'tsquery',
    type: T.tsquery,
    values: [
      { kind: 'tsquery', text: "( 'a' | 'b' ) & 'c':*A <2> 'd'" },
      { kind: 'tsquery', text: "!'x'" },
      { kind: 'tsquery', text: "'fat' & 'rat'" },
    ],
  },
  {
    name: 'lsn',
    pg: 'pg_lsn',
    type: T.lsn,
    values: [
      { kind: 'int', value: (5n << 32n) | 0x16b3748n },
      { kind: 'int', value: 0n },
      { kind: 'int', value: (1n << 64n) - 1n },
    ],
  },
  {
    name: 'rec',
    pg: 'pair',
    type: T.pair,
    values: [
      { kind: 'tuple', elements: [{ kind: 'int', value: 5n }, s('q "x" \\ ,()')] },
      { kind: 'tuple', elements: [null, s('')] },
      { kind: 'tuple', elements: [null, null] },
    ],
  },
];

function key(i: number): Uint8Array {
  return Uint8Array.of(0x89, i);
}

function allKindsPlan(): TableLoadPlan {
  return {
    id: 'db.public.kinds',
    pgSchema: 'public',
    pgTable: 'kinds',
    keyColumns: ['id'],
    columns: [{ pgName: 'id', type: T.int8 }, ...columns.map((c) => ({ pgName: c.name, type: c.type }))],
    rows: async function* (after?: Uint8Array): AsyncIterable<LoadRow> {
      for (let r = 1; r <= 4; r++) {
        if (after && r <= after[1]!) continue;
        yield { key: key(r), values: [{ kind: 'int', value: BigInt(r) }, ...columns.map((c) => (r === 4 ? null : c.values[r - 1]!))] };
      }
    },
  };
}

test('every Datum kind: load then verify matches; any altered value is found by key', { timeout: 120_000 }, async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'kinds');
  await client.query(`CREATE TYPE mood AS ENUM ('ok', 'it''s "meh"'); CREATE TYPE pair AS (a int8, b text)`);
  await client.query(`CREATE TABLE kinds (id int8 PRIMARY KEY, ${columns.map((c) => `"${c.name}" ${c.pg}`).join(', ')})`);
  await ensureLoadState(client);
  const plan = allKindsPlan();
  const r = await copyTable(client, plan, { chunkSize: 2 });
  assert.equal(r.rows, 4);
  // A fresh session with other settings: verification must fix its own.
  await client.query(
    `SET DateStyle = 'German'; SET TimeZone = 'Asia/Kolkata'; SET IntervalStyle = 'sql_standard'; SET extra_float_digits = 0; SET bytea_output = 'escape'`,
  );
  const v = await verifyTable(client, plan, r.source);
  if (!v.match) {
    // Name the columns that differ, to make a failure readable.
    const differing: string[] = [];
    for (const c of columns) {
      const one: TableLoadPlan = {
        ...plan,
        columns: [plan.columns[0]!, { pgName: c.name, type: c.type }],
        rows: async function* () {
          for await (const row of plan.rows())
            yield { key: row.key, values: [row.values[0]!, row.values[plan.columns.findIndex((p) => p.pgName === c.name)]!] };
        },
      };
      const cv = await verifyTable(client, one);
      if (!cv.match) differing.push(`${c.name}: ${cv.differingKeys.join(', ')}`);
    }
    assert.fail(`mismatch in columns: ${differing.join('; ')}`);
  }
  assert.equal(v.sourceRows, 4n);
  assert.equal(v.targetRows, 4n);
  assert.equal(v.sourceChecksum, v.targetChecksum);
  // Recomputing from the source gives the load-time fingerprint.
  assert.deepEqual((await verifyTable(client, plan)).source, r.source);

  // Altered values, each inside a transaction rolled back afterwards.
  const alterations: [string, string][] = [
    ['t', `'tab\there'`],
    ['f8', `'-0'`],
    ['f8c', `1e300::float8 * 1.0000000001`],
    ['n', `'Infinity'`],
    ['n3', `1.51`],
    ['ch', `'abc'`],
    ['by', `'\\x00'::bytea`],
    ['tsp', `tsp + interval '1 microsecond'`],
    ['tz', `tz - interval '1 microsecond'`],
    ['iv', `interval '1 year 2 mons -3 days -00:00:01.5' + interval '1 microsecond'`],
    ['j', `'{"aa": {"x": "tab\\t quote\\" bs\\\\ é"}, "b": [1, 2.5, null, true], "ccc": -100}'`],
    ['ta', `array_append(ta, NULL)`],
    ['ip', `'10.0.0.1/31'`],
    ['e', `'it''s "meh"'`],
    ['vb', `B'0'`],
    ['tv', `'''a'':1A,2 ''it''''s'':3C ''y'''`],
    ['rec', `ROW(6, 'q "x" \\ ,()')::pair`],
    ['i8', `NULL`],
  ];
  for (const [col, expr] of alterations) {
    await client.query('BEGIN');
    try {
      const u = await client.query(`UPDATE kinds SET "${col}" = ${expr} WHERE id = 1`);
      assert.equal(u.rowCount, 1);
      const bad = await verifyTable(client, plan, r.source);
      assert.equal(bad.match, false, `altering ${col} to ${expr} must be detected`);
      assert.deepEqual(bad.differingKeys, ['1 (differs)'], col);
    } finally {
      await client.query('ROLLBACK');
    }
  }
  // Only normalisation differences, which PostgreSQL treats as the same value: still a match.
  await client.query('BEGIN');
  await client.query(`UPDATE kinds SET ch = 'ab  ' WHERE id = 1`);
  assert.equal((await verifyTable(client, plan, r.source)).match, true, 'char(n) padding is not a difference');
  await client.query('ROLLBACK');

  // A deleted row and an extra row.
  await client.query('BEGIN');
  await client.query(`DELETE FROM kinds WHERE id = 2`);
  await client.query(`INSERT INTO kinds (id) VALUES (99)`);
  const gone = await verifyTable(client, plan, r.source);
  assert.equal(gone.targetRows, 4n);
  assert.deepEqual([...gone.differingKeys].sort(), ['2 (missing in target)', '99 (only in target)']);
  await client.query('ROLLBACK');
});

test('numeric canonical form: -0, scale padding and rounding as PostgreSQL stores them', () => {
  assert.equal(canonicalDecimal('-0', undefined), '0');
  assert.equal(canonicalDecimal('-0.000', undefined), '0.000');
  assert.equal(canonicalDecimal('-0', 2), '0.00');
  assert.equal(canonicalDecimal('1.5', 2), '1.50');
  assert.equal(canonicalDecimal('-1.005', 2), '-1.01');
  assert.equal(canonicalDecimal('9.995', 2), '10.00');
  assert.equal(canonicalDecimal('-0.004', 2), '0.00');
  assert.equal(canonicalDecimal('123', 0), '123');
  assert.equal(canonicalDecimal('0.5', 0), '1');
  assert.equal(canonicalDecimal('007.10', undefined), '7.10');
  assert.equal(canonicalDecimal('NaN', 2), 'NaN');
});
