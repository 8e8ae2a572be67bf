/*
 * StagedChanges against a real PostgreSQL: a change larger than one staging batch (5,000 rows)
 * arrives in small source batches, is copied in several COPYs, and applies exactly — counts of
 * inserted, updated and deleted rows, the fingerprint of the staged keys before the change, and
 * the rows after it; the next window reuses the staging tables, and a table without changes
 * creates none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { StagedChanges } from './apply-changes.js';
import { copyRowsInto } from './copy-table.js';
import { CANONICAL_SESSION_SQL, sqlRowHash } from './row-hash.js';
import { createGeneratedTableSql, generatedPlan } from './testing/generated-plan.js';
import type { LoadRow } from './types.js';

async function collect(rows: AsyncIterable<LoadRow>): Promise<LoadRow[]> {
  const out: LoadRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

test('a change of 19,000 rows staged in batches of 777 applies exactly: 7,000 deleted, 5,000 updated, 7,000 inserted', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'staged');
  const plan = generatedPlan(20_000);
  await client.query(createGeneratedTableSql());
  await copyRowsInto(client, plan, 'public.gen', await collect(plan.rows()));

  // The new state: rows 15,001–27,000 with another name (5,000 updates, 7,000 inserts), rows 1–7,000 gone.
  const renamed = new Map([[1, { kind: 'string' as const, value: 'renamed' }]]);
  const override = new Map(Array.from({ length: 27_000 }, (_, i) => [i + 1, renamed] as const));
  const upserts = (await collect(generatedPlan(27_000, { override }).rows())).slice(15_000);
  const deletes = (await collect(plan.rows())).slice(0, 7_000);

  const fingerprintOf = async (where: string): Promise<{ n: string; s: string }> => {
    await client.query(CANONICAL_SESSION_SQL);
    const r = await client.query<{ n: string; s: string }>(
      `SELECT count(*)::text AS n, coalesce(sum(${sqlRowHash(plan.columns)}), 0)::text AS s FROM public.gen WHERE ${where}`,
    );
    return r.rows[0]!;
  };
  const expectedBefore = await fingerprintOf('id <= 7000 OR id > 15000');

  await client.query('BEGIN');
  const staged = await StagedChanges.open(client, plan);
  for (let i = 0; i < Math.max(upserts.length, deletes.length); i += 777)
    await staged.add(upserts.slice(i, i + 777), deletes.slice(i, i + 777));
  assert.equal(staged.upserts, 12_000);
  assert.equal(staged.deletes, 7_000);
  const before = await staged.fingerprintBefore();
  assert.deepEqual({ n: before.rows.toString(), s: before.sum.toString() }, expectedBefore);
  assert.equal(await staged.applyDeletes(), 7_000);
  assert.deepEqual(await staged.applyUpserts(), { inserted: 7_000, updated: 5_000 });
  assert.ok(staged.bytes > 12_000 * 20, `COPY bytes of 12,000 rows: ${staged.bytes}`);
  const stagingTables = async (): Promise<number> =>
    Number(
      (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_class WHERE relname LIKE 'cm_sync_%' AND relkind = 'r'`))
        .rows[0]!.n,
    );
  assert.equal(await stagingTables(), 2);

  // The next window reuses the two tables, emptied; a table with nothing staged creates none.
  await staged.reset();
  // Keys 1–7,100 deleted (the key column is what counts; the other values are ignored).
  await staged.add([], await collect(generatedPlan(7_100).rows()));
  assert.deepEqual([staged.upserts, staged.deletes], [0, 7_100]);
  assert.equal(await staged.applyDeletes(), 100, 'rows 7,001–7,100 are still there; 1–7,000 went in the first window');
  assert.deepEqual(await staged.applyUpserts(), { inserted: 0, updated: 0 });
  const untouched = StagedChanges.open(client, generatedPlan(1));
  assert.deepEqual(await untouched.fingerprintBefore(), { rows: 0n, sum: 0n });
  assert.equal(await untouched.applyDeletes(), 0);
  assert.equal(await stagingTables(), 2);
  await client.query('COMMIT');
  assert.equal(await stagingTables(), 0, 'dropped by the commit');

  const r = await client.query<{ n: string; lo: string; hi: string; renamed: string }>(
    `SELECT count(*)::text AS n, min(id)::text AS lo, max(id)::text AS hi, count(*) FILTER (WHERE name = 'renamed')::text AS renamed FROM public.gen`,
  );
  assert.deepEqual(r.rows[0], { n: '19900', lo: '7101', hi: '27000', renamed: '12000' });
});

test('a table without a primary key in PostgreSQL is refused with the fix', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'stagednokey');
  await client.query(createGeneratedTableSql());
  const { keyColumns: _, ...plan } = generatedPlan(1);
  assert.throws(
    () => StagedChanges.open(client, plan),
    /cannot sync a table without a primary key in PostgreSQL.*migrate this table in full/s,
  );
});
