import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sqlType } from '../model/sql-type.js';
import type { Datum } from '../encoding/datum.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { findDifferingKeys, verifyTable } from '../verify/verify-table.js';
import { copyTable } from './copy-table.js';
import { ensureLoadState, readTableState } from './load-state.js';
import { loadTables } from './load-tables.js';
import type { LoadRow, TableLoadPlan } from './types.js';
import pg from 'pg';

const INT8 = sqlType('int', { width: 64, oid: 20 });
const TEXT = sqlType('string', { oid: 25 });
const DEC = sqlType('decimal', { oid: 1700 });

function key(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i);
  return k;
}

/** A generated table: id, a text with awkward characters, a decimal; resumable by key. */
function plan(n: number, opts: { failAfter?: number; nulAt?: number } = {}): TableLoadPlan {
  return {
    id: 'db.public.things',
    pgSchema: 'public',
    pgTable: 'things',
    keyColumns: ['id'],
    columns: [
      { pgName: 'id', type: INT8 },
      { pgName: 'note', type: TEXT },
      { pgName: 'amount', type: DEC },
    ],
    describeKey: (k) => `/things/${new DataView(k.buffer, k.byteOffset).getUint32(0)}`,
    rows: async function* (resumeAfter?: Uint8Array): AsyncIterable<LoadRow> {
      const start = resumeAfter ? new DataView(resumeAfter.buffer, resumeAfter.byteOffset).getUint32(0) + 1 : 1;
      for (let i = start; i <= n; i++) {
        if (opts.failAfter !== undefined && i > opts.failAfter) throw new Error('simulated crash of the source');
        const note: Datum =
          i % 7 === 0 ? null : { kind: 'string', value: i === opts.nulAt ? 'bad\u0000value' : `row ${i}\twith tab\\ and \n newline ü 😀` };
        yield {
          key: key(i),
          values: [{ kind: 'int', value: BigInt(i) }, note, { kind: 'decimal', value: `${i}.${String(i % 100).padStart(2, '0')}` }],
        };
      }
    },
  };
}

async function setup(t: TestContext): Promise<{ client: pg.Client; connect: () => Promise<pg.Client> }> {
  const server = await withTempPostgres();
  const { name, client } = await freshDatabase(server, t, 'load');
  await client.query('CREATE TABLE things (id int8 PRIMARY KEY, note text, amount numeric(12,2))');
  await ensureLoadState(client);
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client(server.clientConfig(name));
    await c.connect();
    return c;
  };
  return { client, connect };
}

test('loads a table larger than the chunk size and verifies it', async (t) => {
  const { client } = await setup(t);
  const p = plan(2500);
  const r = await copyTable(client, p, { chunkSize: 1000 });
  assert.equal(r.rows, 2500);
  const { rows } = await client.query<{ note: string }>('SELECT note FROM things WHERE id = 3');
  assert.equal(rows[0]?.note, 'row 3\twith tab\\ and \n newline ü 😀');
  const v = await verifyTable(client, p, r.source);
  assert.equal(v.match, true);
  assert.equal(v.target.rows, 2500n);
  // An independent recomputation from the source agrees with the load-time fingerprint.
  const v2 = await verifyTable(client, p);
  assert.deepEqual(v2.source, r.source);
});

test('a changed, a deleted and an extra row are found and named', async (t) => {
  const { client } = await setup(t);
  const p = plan(600);
  const r = await copyTable(client, p, { chunkSize: 250 });
  await client.query(`UPDATE things SET amount = amount + 0.01 WHERE id = 42`);
  await client.query(`DELETE FROM things WHERE id = 77`);
  await client.query(`INSERT INTO things VALUES (100000, 'x', 1)`);
  const v = await verifyTable(client, p, r.source);
  assert.equal(v.match, false);
  assert.deepEqual([...v.differingKeys].sort(), ['100000 (only in target)', '42 (differs)', '77 (missing in target)']);
  assert.deepEqual((await findDifferingKeys(client, p, 1)).length, 1);
});

test('a crash mid-load resumes after the last committed chunk, without duplicates', async (t) => {
  const { client } = await setup(t);
  await assert.rejects(copyTable(client, plan(2000, { failAfter: 1234 }), { chunkSize: 500 }), /simulated crash/);
  const state = await readTableState(client, 'db.public.things');
  assert.equal(state?.rows, 1000, 'two chunks committed');
  assert.equal(state?.done, false);
  const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM things');
  assert.equal(rows[0]?.n, '1000', 'the chunk in flight was rolled back');
  const r = await copyTable(client, plan(2000), { chunkSize: 500 });
  assert.equal(r.resumed, true);
  assert.equal(r.rows, 2000);
  const v = await verifyTable(client, plan(2000), r.source);
  assert.equal(v.match, true, 'fingerprint accumulated across runs equals the target');
  // A third run skips the finished table.
  const again = await copyTable(client, plan(2000), { chunkSize: 500 });
  assert.equal(again.bytes, 0);
});

test('a NUL byte stops the load naming table, column and key; quarantine sets the row aside', async (t) => {
  const { client } = await setup(t);
  await assert.rejects(copyTable(client, plan(50, { nulAt: 20 }), { chunkSize: 100 }), (e: Error) => {
    assert.equal(e.name, 'LoadError');
    assert.match(e.message, /row rejected: db\.public\.things column note, row key \/things\/20: .*NUL/);
    return true;
  });
  const dir = mkdtempSync(join(tmpdir(), 'rejects-'));
  await client.query('TRUNCATE things');
  await client.query('TRUNCATE cockroach_migrate.load_state');
  const r = await copyTable(client, plan(50, { nulAt: 20 }), { chunkSize: 100, onError: 'quarantine', rejectDir: dir });
  assert.equal(r.rows, 49);
  assert.equal(r.rejected, 1);
  const rejects = readFileSync(join(dir, 'db.public.things.rejects.jsonl'), 'utf8').trim().split('\n');
  assert.equal(rejects.length, 1);
  const rec = JSON.parse(rejects[0]!) as {
    key: string;
    keyHex: string;
    column: string;
    reason: string;
    row: Record<string, string | null>;
  };
  assert.equal(rec.key, '/things/20');
  assert.equal(rec.keyHex, '00000014');
  assert.equal(rec.column, 'note');
  assert.match(rec.reason, /NUL/);
  assert.deepEqual(rec.row, { id: '20', note: 'bad\u0000value', amount: '20.20' });
});

test('loadTables runs tables on parallel connections', async (t) => {
  const { client, connect } = await setup(t);
  await client.query('CREATE TABLE things2 (id int8 PRIMARY KEY, note text, amount numeric(12,2))');
  const p1 = plan(300);
  const p2 = { ...plan(500), id: 'db.public.things2', pgTable: 'things2' };
  const results = await loadTables([p1, p2], { connect, jobs: 2, chunkSize: 100 });
  assert.deepEqual(
    results.map((r) => [r.id, r.rows]),
    [
      ['db.public.things', 300],
      ['db.public.things2', 500],
    ],
  );
});

test('types whose ::text cast differs from their output (bool, inet, char(n)) verify as equal', async (t) => {
  const { client } = await setup(t);
  await client.query('CREATE TABLE odd (id int8 PRIMARY KEY, b bool, ip inet, c char(4))');
  const BOOL = sqlType('bool', { oid: 16 });
  const INET = sqlType('inet', { oid: 869 });
  const CHAR4 = sqlType('string', { oid: 1042, width: 4 });
  const p: TableLoadPlan = {
    id: 'db.public.odd',
    pgSchema: 'public',
    pgTable: 'odd',
    keyColumns: ['id'],
    columns: [
      { pgName: 'id', type: INT8 },
      { pgName: 'b', type: BOOL },
      { pgName: 'ip', type: INET },
      { pgName: 'c', type: CHAR4 },
    ],
    rows: async function* () {
      yield {
        key: key(1),
        values: [
          { kind: 'int', value: 1n },
          { kind: 'bool', value: true },
          { kind: 'inet', family: 4, maskBits: 32, addr: Uint8Array.of(10, 0, 0, 1) },
          { kind: 'string', value: 'ab  ' },
        ],
      };
      yield {
        key: key(2),
        values: [
          { kind: 'int', value: 2n },
          { kind: 'bool', value: false },
          { kind: 'inet', family: 4, maskBits: 8, addr: Uint8Array.of(10, 0, 0, 0) },
          null,
        ],
      };
    },
  };
  const r = await copyTable(client, p, { chunkSize: 10 });
  const v = await verifyTable(client, p, r.source);
  assert.equal(v.match, true, v.differingKeys.join('; '));
});
