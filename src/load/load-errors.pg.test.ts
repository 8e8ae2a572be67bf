/**
 * Rows PostgreSQL cannot store are never dropped silently: found before sending (NUL, jsonb
 * \u0000) or mapped back from PostgreSQL's COPY error to the source row; stop names table, column
 * and key; quarantine writes each such row once to the reject file, also across a crash and rerun.
 * And the `--if-exists` policy helpers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findExistingTables } from './existing-tables.js';
import { loadTable } from './testing/load-table.js';
import type { Datum } from '../encoding/datum.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { verifyTable } from '../verify/verify-table.js';
import { createGeneratedTableSql, generatedPlan } from './testing/generated-plan.js';
import { pruneRejects, type RejectRecord } from './rejects.js';

/** Row 37: amount overflows numeric(12,2); row 150: timestamp beyond PostgreSQL's range; row 220: NUL; row 260: jsonb-free NUL check in name. */
const bad = new Map<number, Map<number, Datum>>([
  [37, new Map([[2, { kind: 'decimal', value: '12345678901234.50' }]])],
  [150, new Map([[3, { kind: 'timestamptz', seconds: 9_300_000_000_000n, nanos: 0 }]])],
  [220, new Map([[1, { kind: 'string', value: 'nul\u0000inside' }]])],
]);

const readRejects = (file: string): RejectRecord[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RejectRecord);

// Both COPY formats: text (plans without PostgreSQL types) and binary (as real plans load).
for (const format of ['text', 'binary'] as const) {
  const binary = format === 'binary';

  test(`${format}: a row PostgreSQL refuses during COPY stops the load, naming table, column, key and reason`, async (t) => {
    const server = await withTempPostgres();
    const { client } = await freshDatabase(server, t, `refuse_${format}`);
    await client.query(createGeneratedTableSql());
    await assert.rejects(
      loadTable(client, generatedPlan(300, { override: bad, binary }), { chunkSize: 100, fingerprint: !binary }),
      (e: Error) => {
        assert.equal(e.name, 'LoadError');
        assert.match(
          e.message,
          /^row rejected by PostgreSQL: src\.public\.gen column amount, row key \/gen\/37: numeric field overflow; .*--on-error quarantine/,
        );
        return true;
      },
    );
    const c = await client.query<{ n: string }>('SELECT count(*) AS n FROM gen');
    assert.equal(c.rows[0]!.n, '0', 'the failing chunk was rolled back');
  });

  test(`${format}: quarantine: refused rows go to the reject file once each, also across a crash and rerun`, async (t) => {
    const server = await withTempPostgres();
    const { client } = await freshDatabase(server, t, `quar_${format}`);
    await client.query(createGeneratedTableSql());
    const dir = mkdtempSync(join(tmpdir(), 'cm-rejects-'));
    // First run: the source fails at row 250 (after rows 37, 150 and 220 were quarantined in committed chunks).
    await assert.rejects(
      loadTable(client, generatedPlan(300, { override: bad, failAt: 250, binary }), {
        chunkSize: 100,
        onError: 'quarantine',
        rejectDir: dir,
        fingerprint: !binary,
      }),
      /simulated source failure/,
    );
    const file = join(dir, 'src.public.gen.rejects.jsonl');
    // Simulate a kill between writing a chunk's rejects and its COMMIT: a line after the checkpoint.
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}${JSON.stringify({ table: 'src.public.gen', key: '/gen/270', keyHex: '0000010e', column: 'x', reason: 'uncommitted', row: {} })}\n{"torn`,
    );
    const r = await loadTable(client, generatedPlan(300, { override: bad, binary }), {
      chunkSize: 100,
      onError: 'quarantine',
      rejectDir: dir,
      fingerprint: !binary,
    });
    assert.equal(r.rows, 297);
    assert.equal(r.rejected, 3);
    assert.equal(r.rejectFile, file);
    const recs = readRejects(file);
    assert.deepEqual(
      recs.map((x) => [x.key, x.column]),
      [
        ['/gen/37', 'amount'],
        ['/gen/150', 'created'],
        ['/gen/220', 'name'],
      ],
    );
    assert.match(recs[0]!.reason, /numeric field overflow/);
    assert.match(recs[1]!.reason, /out of range/);
    assert.match(recs[2]!.reason, /NUL/);
    assert.equal(recs[0]!.row['amount'], '12345678901234.50');
    assert.equal(recs[2]!.row['name'], 'nul\u0000inside');
    // Exactly the other 297 rows are in PostgreSQL, and the load-time fingerprint proves it (only
    // computed when loading as text).
    const ids = await client.query<{ id: string }>('SELECT id FROM gen WHERE id IN (36, 37, 38, 150, 220) ORDER BY id');
    assert.deepEqual(
      ids.rows.map((x) => x.id),
      ['36', '38'],
    );
    if (!binary) assert.equal((await verifyTable(client, generatedPlan(300, { override: bad }), r.source)).match, true);
    // Recomputed from the source, the refused rows are reported as missing (they are).
    const v2 = await verifyTable(client, generatedPlan(300, { override: bad, binary }));
    assert.equal(v2.match, false);
    assert.deepEqual([...v2.differingKeys].sort(), ['150 (missing in target)', '37 (missing in target)']);
  });
}

test('jsonb \\u0000 is refused before sending; an escaped backslash before u0000 is fine', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'jsonnul');
  await client.query(`CREATE TABLE j (id int8 PRIMARY KEY, doc jsonb)`);
  const { sqlType } = await import('../model/sql-type.js');
  const plan = (text: string) => ({
    id: 'src.public.j',
    pgSchema: 'public',
    pgTable: 'j',
    columns: [
      { pgName: 'id', type: sqlType('int', { width: 64, oid: 20 }) },
      { pgName: 'doc', type: sqlType('json', { oid: 3802 }) },
    ],
    rows: async function* () {
      yield {
        key: Uint8Array.of(1),
        values: [
          { kind: 'int', value: 1n },
          { kind: 'json', text },
        ] as Datum[],
      };
    },
  });
  await assert.rejects(loadTable(client, plan('{"a": "x\\u0000y"}'), { chunkSize: 10 }), /column doc, row key 01: jsonb contains \\u0000/);
  const r = await loadTable(client, plan('{"a": "x\\\\u0000y"}'), { chunkSize: 10 });
  assert.equal(r.rows, 1);
  assert.equal((await verifyTable(client, plan('{"a": "x\\\\u0000y"}'), r.source)).match, true);
});

test('pruneRejects keeps committed lines only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-prune-'));
  const file = join(dir, 'x.rejects.jsonl');
  const line = (hex: string): string => JSON.stringify({ keyHex: hex });
  writeFileSync(file, [line('01'), line('0101'), line('02'), line('0201'), '{"torn'].join('\n'));
  pruneRejects(file, Uint8Array.of(2));
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [line('01'), line('0101'), line('02')]);
  pruneRejects(file, undefined);
  assert.throws(() => readFileSync(file));
});

test('findExistingTables: existing tables with their estimates; a table with a resume checkpoint is not "existing"', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'exists');
  const plans = ['a', 'b', 'c'].map((x) => generatedPlan(50, { table: x }));
  await client.query(createGeneratedTableSql('public', 'a'));
  await client.query(createGeneratedTableSql('public', 'b'));
  await client.query(`INSERT INTO a (id) VALUES (1000)`);
  assert.deepEqual(
    (await findExistingTables(client, plans)).map((e) => e.plan.pgTable),
    ['a', 'b'],
  );
  // An interrupted load of `a` leaves its checkpoint: a rerun resumes it instead of calling it existing.
  await assert.rejects(loadTable(client, generatedPlan(50, { table: 'a', failAt: 30 }), { chunkSize: 10 }));
  assert.deepEqual(
    (await findExistingTables(client, plans)).map((e) => e.plan.pgTable),
    ['b'],
  );
});
