import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { sqlType, type SqlType } from '../model/sql-type.js';
import { formatCopyText } from '../copy/format.js';
import { ByteReader } from '../util/byte-reader.js';
import type { Datum } from './datum.js';
import { decodeKeyDatum } from './key-decode.js';
import { decodeRoachValue } from './roach-value.js';
import { sstTableRows } from './testing/sst-table-rows.js';
import { decodeTupleMember } from './value-decode.js';
import { ValueEncodingType as VT, decodeValueTag } from './value-tag.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));

/** Maps a tuple member's encoding type to a SqlType, for schema-less decoding of real rows. */
const BY_ENCODING: Record<number, SqlType> = {
  [VT.Int]: sqlType('int'),
  [VT.Float]: sqlType('float'),
  [VT.Decimal]: sqlType('decimal'),
  [VT.Bytes]: sqlType('string'),
  [VT.Time]: sqlType('timestamp'),
  [VT.UUID]: sqlType('uuid'),
  [VT.JSON]: sqlType('json'),
  [VT.True]: sqlType('bool'),
  [VT.False]: sqlType('bool'),
};

/** Every member of a TUPLE value, typed by its encoding type. */
function decodeUntyped(value: Uint8Array): { type: number; datum: Datum; text: string }[] {
  const rv = decodeRoachValue(value);
  assert.equal(rv.tag, 10, 'TUPLE');
  const r = new ByteReader(rv.payload, 'value');
  const out: { type: number; datum: Datum; text: string }[] = [];
  while (!r.done) {
    const tag = decodeValueTag(r);
    const t = BY_ENCODING[tag.type];
    assert.ok(t, `unexpected encoding type ${tag.type}`);
    const datum = decodeTupleMember(r, t, tag.type);
    out.push({ type: tag.type, datum, text: formatCopyText(datum, t) });
  }
  return out;
}

test('movr-v19.2.4 rides/vehicles/users decode: counts, JSONB, DECIMAL(10,2), UUIDs, timestamps', async () => {
  const sst = `${STORES}movr-v19.2.4/000007.sst`;
  const string = sqlType('string');
  const uuid = sqlType('uuid');
  // rides (57): PK (city, id); values are strings, UUIDs, timestamps and a DECIMAL(10,2).
  const rides = await sstTableRows(sst, 57);
  assert.equal(rides.length, 1611);
  let sawAmanda = false;
  let decimals = 0;
  for (const { key, value } of rides) {
    const r = new ByteReader(key, 'key', 0, 2);
    const city = formatCopyText(decodeKeyDatum(r, string, 'asc'), string);
    assert.match(
      formatCopyText(decodeKeyDatum(r, uuid, 'asc'), uuid),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const members = decodeUntyped(value);
    for (const m of members) {
      if (m.type === VT.Decimal) {
        assert.match(m.text, /^\d+\.\d\d$/, 'DECIMAL(10,2) keeps scale 2');
        decimals++;
      }
      if (m.type === VT.Time) assert.match(m.text, /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/);
    }
    if (city === 'amsterdam' && members.some((m) => m.text === '54638 Amanda Common')) sawAmanda = true;
  }
  assert.ok(sawAmanda, 'ride in amsterdam from "54638 Amanda Common" (SOURCE.md)');
  assert.ok(decimals > 0);

  // vehicles (56): ext is JSONB; every rendering must be valid JSON.
  const vehicles = await sstTableRows(sst, 56);
  assert.equal(vehicles.length, 296);
  let jsons = 0;
  for (const { value } of vehicles) {
    for (const m of decodeUntyped(value)) {
      if (m.datum?.kind === 'json') {
        const parsed = JSON.parse(m.datum.text) as Record<string, unknown>;
        // PostgreSQL jsonb key order: shorter keys first, then bytewise.
        const keys = Object.keys(parsed);
        const sorted = [...keys].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
        assert.deepEqual(keys, sorted);
        jsons++;
      }
    }
  }
  // Only some vehicles carry an ext document in this store (NULL is simply absent from the tuple).
  assert.ok(jsons > 0);
  assert.equal((await sstTableRows(sst, 55)).length, 906);
});
