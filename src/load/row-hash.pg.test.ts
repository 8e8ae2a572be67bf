/*
 * Ground truth from a real PostgreSQL for the value-hashed fingerprint fields (row-hash.ts): for
 * integers of every width, floats (zeros, NaN, infinities, subnormals, float4 rounding), UUIDs and
 * timestamps (infinities, before 1970 and 2000, nanoseconds rounded up into the next second, past
 * 2^53 µs), `SourceRowHasher.row` of the values must equal `sqlRowHash` of the stored row. The
 * stored rows are built by SQL from independent inputs (text literals, µs offsets), not by the
 * loader, so a shared mistake in the loader's conversions cannot hide here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { sqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { CANONICAL_SESSION_SQL, checkServerHash, fieldHashKind, SourceRowHasher, sqlRowHash, type HashColumn } from './row-hash.js';

const int = sqlType('int');
const float = sqlType('float');
const columns: HashColumn[] = [
  { pgName: 'i2', type: int, pgType: 'smallint' },
  { pgName: 'i4', type: int, pgType: 'integer' },
  { pgName: 'i8', type: int, pgType: 'bigint' },
  { pgName: 'f4', type: float, pgType: 'real' },
  { pgName: 'f8', type: float, pgType: 'double precision' },
  { pgName: 'u', type: sqlType('uuid'), pgType: 'uuid' },
  { pgName: 'ts', type: sqlType('timestamp'), pgType: 'timestamp' },
  { pgName: 'tz', type: sqlType('timestamptz'), pgType: 'timestamptz(6)' },
  { pgName: 's', type: sqlType('string', { oid: 25 }), pgType: 'text' },
];

const i2 = [0n, 1n, -1n, 32767n, -32768n, 255n, -256n];
const i4 = [0n, 2147483647n, -2147483648n, 65536n, -65537n, 7n];
const i8 = [
  0n,
  -1n,
  2n ** 31n,
  -(2n ** 31n) - 1n,
  2n ** 32n,
  -(2n ** 32n),
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  1234567890123n,
];
/** [the datum's float, the SQL literal of the value PostgreSQL stores] */
const f8: [number, string][] = [
  [0, '0'],
  [-0, '-0'],
  [1.5, '1.5'],
  [-2.25, '-2.25'],
  [NaN, 'NaN'],
  [Infinity, 'Infinity'],
  [-Infinity, '-Infinity'],
  [5e-324, '5e-324'],
  [1.7976931348623157e308, '1.7976931348623157e308'],
  [0.1, '0.1'],
  [1 / 3, String(1 / 3)],
];
const f4: [number, string][] = [
  [0, '0'],
  [-0, '-0'],
  [Math.fround(0.1), '0.1'],
  [0.3, '0.3'], // a float64 the column stores rounded to float4
  [NaN, 'NaN'],
  [-Infinity, '-Infinity'],
  [Math.fround(3.4028234663852886e38), '3.4028235e38'],
  [Math.fround(1e-45), '1e-45'],
  [-7.5, '-7.5'],
];
const uuids = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '63616665-6630-3064-6465-616462656566'];
/** [seconds since 1970, nanoseconds, infinity] of timestamp datums. */
const stamps: [bigint, number, (1 | -1)?][] = [
  [0n, 0],
  [946684800n, 0],
  [1733456789n, 123456789],
  [-1n, 999_999_500], // rounds up into the next second: 1970-01-01 00:00:00
  [-86400n * 365n * 300n, 1000],
  [1733456789n, 499],
  [0n, 0, 1],
  [0n, 0, -1],
  [86400n * 365n * 200000n, 999_000], // year ≈ 201970: past 2^53 µs since 2000
];

/** µs since 2000-01-01 of a finite stamp, computed here with bigint (independently of the loader). */
const micros = ([s, n]: [bigint, number, (1 | -1)?]): bigint => (s - 946684800n) * 1_000_000n + BigInt(Math.floor((n + 500) / 1000));
const stampSql = (x: [bigint, number, (1 | -1)?], type: string): string =>
  x[2] === 1
    ? `'infinity'::${type}`
    : x[2] === -1
      ? `'-infinity'::${type}`
      : `'2000-01-01 00:00:00+00'::${type} + '${micros(x)} microseconds'::interval`;
const hex = (u: string): Uint8Array => Buffer.from(u.replace(/-/g, ''), 'hex');

test('value-hashed fields (ints, floats, uuid, timestamps) equal PostgreSQL’s hash of the stored row', async (t) => {
  assert.deepEqual(
    columns.map(fieldHashKind),
    ['int2', 'int4', 'int8', 'float4', 'float8', 'uuid', 'timestamp', 'timestamptz', 'text'],
    'each column is hashed by value except text',
  );
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'rowhash');
  await client.query(CANONICAL_SESSION_SQL);
  await checkServerHash(client);
  await client.query(
    'CREATE TABLE v (n int PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, u uuid, ts timestamp, tz timestamptz(6), s text)',
  );
  const rows = 40;
  const datums: Datum[][] = [];
  for (let n = 0; n < rows; n++) {
    // Every 7th row is NULL in a rotating column; the others cycle through each column's values.
    const nullAt = n % 7 === 6 ? n % columns.length : -1;
    const pick = <T>(xs: readonly T[]): T => xs[n % xs.length]!;
    const stamp = pick(stamps);
    const stamp2 = stamps[(n + 3) % stamps.length]!;
    const values: [Datum, string][] = [
      [{ kind: 'int', value: pick(i2) }, `${pick(i2)}`],
      [{ kind: 'int', value: pick(i4) }, `${pick(i4)}`],
      [{ kind: 'int', value: pick(i8) }, `${pick(i8)}`],
      [{ kind: 'float', value: pick(f4)[0] }, `'${pick(f4)[1]}'::real`],
      [{ kind: 'float', value: pick(f8)[0] }, `'${pick(f8)[1]}'::float8`],
      [{ kind: 'uuid', value: hex(pick(uuids)) }, `'${pick(uuids)}'::uuid`],
      [
        { kind: 'timestamp', seconds: stamp[0], nanos: stamp[1], ...(stamp[2] ? { infinity: stamp[2] } : {}) },
        stampSql(stamp, 'timestamp'),
      ],
      [
        { kind: 'timestamptz', seconds: stamp2[0], nanos: stamp2[1], ...(stamp2[2] ? { infinity: stamp2[2] } : {}) },
        stampSql(stamp2, 'timestamptz'),
      ],
      [{ kind: 'string', value: `row ${n} é`, raw: Buffer.from(`row ${n} é`) }, `'row ${n} é'`],
    ];
    datums.push(values.map(([d], i) => (i === nullAt ? null : d)));
    await client.query(`INSERT INTO v VALUES (${n}, ${values.map(([, sql], i) => (i === nullAt ? 'NULL' : sql)).join(', ')})`);
  }
  const r = await client.query<{ n: number; h: string }>(`SELECT n, ${sqlRowHash(columns)}::text AS h FROM v ORDER BY n`);
  assert.equal(r.rows.length, rows);
  const hasher = new SourceRowHasher(columns);
  for (const { n, h } of r.rows)
    assert.equal(
      hasher.row(datums[n]!).toString(),
      h,
      `row ${n}: ${JSON.stringify(datums[n], (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
    );

  // -0 and 0 are different values, and so are the neighbouring floats and microseconds: a change
  // the fingerprint must see.
  const zero = hasher.row([null, null, null, null, { kind: 'float', value: 0 }]);
  assert.notEqual(hasher.row([null, null, null, null, { kind: 'float', value: -0 }]), zero);
  assert.notEqual(
    hasher.row([null, null, null, null, null, null, { kind: 'timestamp', seconds: 0n, nanos: 1000 }]),
    hasher.row([null, null, null, null, null, null, { kind: 'timestamp', seconds: 0n, nanos: 0 }]),
  );
});
