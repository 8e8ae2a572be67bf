/**
 * Text survives byte-exact: seeded random UTF-8 (leading BOMs, astral plane, combining marks, every
 * length 0…48) through the key and value decoders, COPY text and COPY binary, into a real
 * PostgreSQL and back; verification is computed from the bytes CockroachDB stored, so a decoder
 * that normalises text (here a deliberately BOM-stripping one, through the test seam) is caught;
 * invalid UTF-8 is a rejected row naming table, column and key, never U+FFFD.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { decodeJsonbText } from '../encoding/jsonb.js';
import { decodeKeyDatum } from '../encoding/key-decode.js';
import { encodeBytesKey } from '../encoding/ordered.js';
import { decodeLegacyValue } from '../encoding/roach-value.js';
import { randomText, seededRandom } from '../encoding/testing/exact-text.js';
import { setUtf8DecoderForTests } from '../encoding/utf8.js';
import { decodeTupleMember } from '../encoding/value-decode.js';
import { copyTable } from '../load/copy-table.js';
import { ensureLoadState } from '../load/load-state.js';
import type { LoadRow } from '../load/types.js';
import { ByteReader } from '../util/byte-reader.js';
import { concatBytes, toHex } from '../util/bytes.js';
import { isLoadError } from '../util/errors.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { verifyTable } from './verify-table.js';
import { rowsPlan } from '../load/testing/rows-plan.js';
import { encodeNonsortingUvarint } from '../encoding/testing/nonsorting-uvarint.js';

const TEXT = sqlType('string', { oid: 25 });
const TEXT_ARRAY = sqlType('array', { oid: 1009, arrayContents: TEXT });
const JSONB = sqlType('json', { oid: 3802 });
const INT8 = sqlType('int', { width: 64, oid: 20 });
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const nsu = (v: number): number[] => [...encodeNonsortingUvarint(v)];
const lp = (b: Uint8Array): Uint8Array => concatBytes([Uint8Array.from(nsu(b.length)), b]);

/** STRING as a tuple member (tag 0x06 Bytes, length-prefixed), through the value decoder. */
function tupleString(b: Uint8Array): Datum {
  const r = new ByteReader(concatBytes([Uint8Array.of(0x06), lp(b)]), 'value', 0, 1);
  return decodeTupleMember(r, TEXT, 6);
}
/** STRING[] as a tuple member: header 1 (one dimension), element type Bytes, count, elements. */
function tupleArray(elems: Uint8Array[]): Datum {
  const body = concatBytes([Uint8Array.of(1, 6, ...nsu(elems.length)), ...elems.map(lp)]);
  const r = new ByteReader(concatBytes([Uint8Array.of(0x0d), lp(body)]), 'value', 0, 1);
  return decodeTupleMember(r, TEXT_ARRAY, 13);
}
/** JSONB object {k: v} (crdb pkg/util/json/encode.go: header, key JEntry, value JEntry, key, value). */
function jsonb(k: Uint8Array, v: Uint8Array): Uint8Array {
  const be = (x: number): number[] => [(x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
  return concatBytes([Uint8Array.from([...be(0x40000001), ...be(0x10000000 | k.length), ...be(0x10000000 | v.length)]), k, v]);
}
function tupleJson(k: Uint8Array, v: Uint8Array): Datum {
  const r = new ByteReader(concatBytes([Uint8Array.of(0x0f), lp(jsonb(k, v))]), 'value', 0, 1);
  return decodeTupleMember(r, JSONB, 15);
}

const keyOf = (i: number): Uint8Array => Uint8Array.of(i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);

const planOf = rowsPlan;

const CASES = 400;

test('random UTF-8 round-trips byte-exact: key/value/legacy decoders, arrays, JSONB → COPY text and binary → PostgreSQL → back', async (t) => {
  const rand = seededRandom(0x5eed);
  const texts: string[] = [];
  for (let i = 0; i < CASES; i++) texts.push(randomText(rand, i % 49));
  texts.push('\ufeff', '\ufeff\ufeff', 'e\u0301', '\u00e9', '😀\ufeff', '');

  const rows: LoadRow[] = [];
  for (const [i, s] of texts.entries()) {
    const b = utf8(s);
    // Every decode path gives back the text and the exact bytes.
    const fromValue = tupleString(b);
    const fromLegacy = decodeLegacyValue(concatBytes([Uint8Array.of(0, 0, 0, 0, 3), b]), TEXT);
    for (const dir of ['asc', 'desc'] as const) {
      const k = decodeKeyDatum(new ByteReader(encodeBytesKey(b, dir === 'desc'), 'key'), TEXT, dir);
      assert.ok(k?.kind === 'string' && k.value === s && Buffer.compare(k.raw!, b) === 0, `key ${dir} case ${i}`);
    }
    for (const d of [fromValue, fromLegacy])
      assert.ok(d?.kind === 'string' && d.value === s && Buffer.compare(d.raw!, b) === 0 && !d.invalidUtf8, `value case ${i}`);
    const json = tupleJson(b, b);
    assert.equal(JSON.parse((json as { text: string }).text)[s], s, `jsonb case ${i}`);
    rows.push({ key: keyOf(i), values: [{ kind: 'int', value: BigInt(i) }, fromValue, tupleArray([b, utf8('x'), b]), json] });
  }

  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'exact');
  await ensureLoadState(client);
  const ddl = 'id int8 PRIMARY KEY, s text, a text[], j jsonb';
  await client.query(`CREATE TABLE viatext (${ddl}); CREATE TABLE viabinary (id int8 PRIMARY KEY, s text, j jsonb)`);
  const cols = [
    { pgName: 'id', type: INT8, pgType: 'bigint' },
    { pgName: 's', type: TEXT, pgType: 'text' },
    { pgName: 'a', type: TEXT_ARRAY },
    { pgName: 'j', type: JSONB, pgType: 'jsonb' },
  ];
  const textPlan = planOf('viatext', rows, cols);
  const loaded = await copyTable(client, textPlan, { chunkSize: 64 });
  assert.equal(loaded.rows, texts.length);
  // COPY BINARY is used without a fingerprint when every column has a binary form.
  const binRows = rows.map((r) => ({ key: r.key, values: [r.values[0]!, r.values[1]!, r.values[3]!] }));
  const bin = await copyTable(client, planOf('viabinary', binRows, [cols[0]!, cols[1]!, cols[3]!]), { chunkSize: 64, fingerprint: false });
  assert.equal(bin.rows, texts.length);

  for (const table of ['viatext', 'viabinary']) {
    const got = await client.query<{ id: string; s: string; j: string; k: string; v: string }>(
      `SELECT id::text, encode(convert_to(s, 'UTF8'), 'hex') AS s, j::text AS j,
              (SELECT encode(convert_to(k, 'UTF8'), 'hex') FROM jsonb_object_keys(j) k) AS k,
              (SELECT encode(convert_to(v, 'UTF8'), 'hex') FROM jsonb_each_text(j) e(k2, v)) AS v FROM ${table} ORDER BY id`,
    );
    assert.equal(got.rows.length, texts.length);
    for (const r of got.rows) {
      const hex = toHex(utf8(texts[Number(r.id)]!));
      assert.equal(r.s, hex, `${table} text case ${r.id}`);
      assert.equal(r.k, hex, `${table} jsonb key case ${r.id}`);
      assert.equal(r.v, hex, `${table} jsonb string case ${r.id}`);
      assert.equal(r.j, (rows[Number(r.id)]!.values[3] as { text: string }).text, `${table} jsonb text case ${r.id}`);
    }
  }
  const arrays = await client.query<{ id: string; e: string }>(
    `SELECT id::text, encode(convert_to(a[1], 'UTF8'), 'hex') || ',' || encode(convert_to(a[3], 'UTF8'), 'hex') AS e FROM viatext ORDER BY id`,
  );
  for (const r of arrays.rows) {
    const hex = toHex(utf8(texts[Number(r.id)]!));
    assert.equal(r.e, `${hex},${hex}`, `array element case ${r.id}`);
  }
  const v = await verifyTable(client, textPlan, loaded.source);
  assert.equal(v.match, true, `fingerprint over stored bytes matches PostgreSQL: ${v.differingKeys.join('; ')}`);
  assert.deepEqual((await verifyTable(client, textPlan)).source, loaded.source, 'recomputed source fingerprint equals the loader’s');
});

test('a decoder that drops a leading BOM is caught by verification (fingerprint from the stored bytes)', async (t) => {
  const stored = ['\ufeffplain', 'no bom', '\ufeff', 'x\ufeff'].map(utf8);
  setUtf8DecoderForTests((b) => new TextDecoder().decode(b)); // the default decoder strips a BOM
  let rows: LoadRow[];
  try {
    rows = stored.map((b, i) => ({ key: keyOf(i), values: [{ kind: 'int', value: BigInt(i) }, tupleString(b)] }));
  } finally {
    setUtf8DecoderForTests(undefined);
  }
  assert.equal((rows[0]!.values[1] as { value: string }).value, 'plain', 'the injected decoder did normalise');
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'bom');
  await ensureLoadState(client);
  await client.query('CREATE TABLE bom (id int8 PRIMARY KEY, s text)');
  const plan = planOf('bom', rows, [
    { pgName: 'id', type: INT8 },
    { pgName: 's', type: TEXT },
  ]);
  const r = await copyTable(client, plan, { chunkSize: 10 });
  const v = await verifyTable(client, plan, r.source);
  assert.equal(v.match, false, 'BOM-stripped text must not verify as identical');
  assert.deepEqual([...v.differingKeys].sort(), ['0 (differs)', '2 (differs)']);

  // The exact decoder: the same stored bytes load and verify.
  const exact = stored.map((b, i) => ({ key: keyOf(i), values: [{ kind: 'int', value: BigInt(i) } as Datum, tupleString(b)] }));
  await client.query('CREATE TABLE bom2 (id int8 PRIMARY KEY, s text)');
  const plan2 = planOf('bom2', exact, plan.columns);
  const r2 = await copyTable(client, plan2, { chunkSize: 10 });
  assert.equal((await verifyTable(client, plan2, r2.source)).match, true);
  const got = await client.query<{ s: string }>("SELECT encode(convert_to(s, 'UTF8'), 'hex') AS s FROM bom2 WHERE id = 0");
  assert.equal(got.rows[0]!.s, toHex(stored[0]!));
});

test('invalid UTF-8 in a STRING, array element or JSONB string is a rejected row naming table, column and key — never U+FFFD', async (t) => {
  const bad = Uint8Array.of(0x61, 0xff, 0x62);
  const d = tupleString(bad);
  assert.ok(d?.kind === 'string' && d.invalidUtf8 === true, 'flagged, not silently replaced');
  assert.throws(() => decodeJsonbText(jsonb(utf8('k'), bad)), /not valid UTF-8 \(byte 0xff at offset 1 of 3\)/);
  const rows: LoadRow[] = [
    { key: keyOf(0), values: [{ kind: 'int', value: 0n }, tupleString(utf8('fine')), null, null] },
    { key: keyOf(1), values: [{ kind: 'int', value: 1n }, d, null, null] },
    { key: keyOf(2), values: [{ kind: 'int', value: 2n }, null, tupleArray([utf8('ok'), bad]), null] },
    { key: keyOf(3), values: [{ kind: 'int', value: 3n }, null, null, tupleJson(utf8('k'), bad)] },
    { key: keyOf(4), values: [{ kind: 'int', value: 4n }, tupleString(utf8('\ufeffalso fine')), null, null] },
  ];
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'badutf8');
  await ensureLoadState(client);
  await client.query('CREATE TABLE bad (id int8 PRIMARY KEY, s text, a text[], j jsonb)');
  const plan = planOf('bad', rows, [
    { pgName: 'id', type: INT8 },
    { pgName: 's', type: TEXT },
    { pgName: 'a', type: TEXT_ARRAY },
    { pgName: 'j', type: JSONB },
  ]);
  await assert.rejects(
    copyTable(client, plan, { chunkSize: 10 }),
    (e: unknown) =>
      isLoadError(e) &&
      /src\.public\.bad column s, row key \/bad\/00000001: copy: text value is not valid UTF-8 \(byte 0xff at offset 1 of 3\)/.test(
        e.message,
      ),
  );
  const rejectDir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/h4-rejects-`);
  const r = await copyTable(client, plan, { chunkSize: 10, onError: 'quarantine', rejectDir });
  assert.equal(r.rows, 2);
  assert.equal(r.rejected, 3);
  const lines = (await import('node:fs'))
    .readFileSync(r.rejectFile!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { column: string; reason: string });
  assert.deepEqual(
    lines.map((l) => l.column),
    ['s', 'a', 'j'],
  );
  for (const l of lines) assert.match(l.reason, /not valid UTF-8/);
  assert.equal((await verifyTable(client, plan, r.source)).match, true);
  const stored = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM bad WHERE s LIKE '%' || chr(65533) || '%'`);
  assert.equal(stored.rows[0]!.n, '0');
});
