/**
 * The real BACKUPs CockroachDB wrote (../shared/fixtures/crdb-backups: v1.0.7, v19.1.4, a v20.1.7
 * full-cluster backup with comments, v20.2 backups taken mid schema change) migrate into a real
 * PostgreSQL and verify; comments arrive as COMMENT ON, schema changes in flight are reported.
 * Expected rows and comments come from each fixture's SOURCE.md ground truth.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config/load-config.js';
import { migrate } from '../src/pipeline/migrate.js';
import { testInstanceServer } from '../src/pipeline/pg-target.js';
import { silentLogger } from '../src/util/logger.js';
import { withTempPostgres } from './support/pg.js';

const ROOT = fileURLToPath(new URL('../../shared/fixtures/crdb-backups/', import.meta.url));
const MID = join(ROOT, 'mid-schema-change/after/20.2');

async function run(dir: string): Promise<{
  report: Awaited<ReturnType<typeof migrate>>;
  warned: string[];
  query: (db: string, sql: string) => Promise<Record<string, unknown>[]>;
}> {
  const server = await withTempPostgres();
  const { config } = resolveConfig({
    file: { source: { type: 'backup', url: `file://${dir}` }, test_postgresql_import: false, if_exists: 'drop', log_file: '' },
    env: {},
  });
  const warned: string[] = [];
  const report = await migrate({
    config,
    logger: { ...silentLogger, warn: (m) => void warned.push(m) },
    target: testInstanceServer(server, 'target'),
  });
  assert.equal(report.error, undefined, report.error);
  for (const t of report.tables) assert.equal(t.verification?.match, true, `${t.source}: ${t.verification?.differingKeys.join('; ')}`);
  const query = async (db: string, sql: string): Promise<Record<string, unknown>[]> => {
    const c = new pg.Client(server.clientConfig(db));
    await c.connect();
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  return { report, warned, query };
}

const rowsOf = (r: Awaited<ReturnType<typeof migrate>>): Record<string, bigint | undefined> =>
  Object.fromEntries(r.tables.map((t) => [t.source, t.verification?.targetRows]));

test('v20.1.7 full-cluster backup: data.bank migrated with its database and table comments', async () => {
  const { report, query } = await run(join(ROOT, 'cluster-v20.1.7/backup'));
  assert.deepEqual(rowsOf(report), { 'data.public.bank': 1n });
  assert.deepEqual(await query('data', 'SELECT a FROM bank'), [{ a: '1' }]);
  assert.deepEqual(await query('data', "SELECT obj_description('public.bank'::regclass, 'pg_class') AS c"), [
    { c: 'table comment string' },
  ]);
  assert.deepEqual(await query('data', "SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = 'data'"), [
    { c: 'database comment string' },
  ]);
});

for (const version of ['v1.0.7', 'v19.1.4']) {
  test(`${version} database backup: t1…t4 (interleaved t4) migrated and verified`, async () => {
    const { report } = await run(join(ROOT, `exports-${version}/backup`));
    assert.deepEqual(rowsOf(report), { 'test.public.t1': 3n, 'test.public.t2': 3n, 'test.public.t3': 3n, 'test.public.t4': 3n });
  });
}

/** Per case: rows per table, and the schema changes in flight the console must name. */
const MID_CASES: Record<string, { rows: Record<string, bigint>; warned: RegExp[] }> = {
  midaddcol: {
    rows: { 'defaultdb.public.midaddcol': 3n },
    warned: [
      /column defaultdb\.public\.midaddcol\.b: not migrated: the column was being added \(ADD COLUMN in progress, state DELETE_AND_WRITE_ONLY\)/,
    ],
  },
  midaddconst: {
    rows: { 'defaultdb.public.midaddconst': 3n },
    warned: [/check defaultdb\.public\.midaddconst\.my_const: created NOT VALID/],
  },
  midaddindex: {
    rows: { 'defaultdb.public.midaddindex': 3n },
    warned: [/index defaultdb\.public\.midaddindex@my_idx \(a\): not created: the index was being added/],
  },
  middropcol: {
    rows: { 'defaultdb.public.middropcol': 9n },
    warned: [
      /column defaultdb\.public\.middropcol\.b: not migrated: the column was being dropped \(DROP COLUMN in progress, state DELETE_ONLY\)/,
    ],
  },
  midmany: {
    rows: { 'defaultdb.public.midmany': 3n },
    warned: [
      /midmany\.b: not migrated/,
      /midmany\.my_const: not created: the constraint was being added/,
      /midmany@my_idx \(a\): not created/,
    ],
  },
  midmultitable: {
    rows: { 'defaultdb.public.midmultitable1': 3n, 'defaultdb.public.midmultitable2': 3n },
    warned: [/midmultitable1\.b: not migrated/, /midmultitable2\.my_const: created NOT VALID/],
  },
  midmultitxn: {
    rows: { 'defaultdb.public.midmultitxn': 3n },
    warned: [/midmultitxn\.b: not migrated/, /midmultitxn\.my_const: created NOT VALID/, /midmultitxn@my_idx \(a\): not created/],
  },
  midprimarykeyswap: {
    rows: { 'defaultdb.public.midprimarykeyswap': 3n },
    warned: [
      /primary key defaultdb\.public\.midprimarykeyswap: the old primary key \(rowid\) was used: a swap to \(a\) was in progress/,
      /midprimarykeyswap@new_primary_key \(a\): not created: the new primary index/,
    ],
  },
  midprimarykeyswapcleanup: {
    rows: { 'defaultdb.public.midprimarykeyswapcleanup': 3n },
    warned: [/midprimarykeyswapcleanup@primary \(rowid\): not created: the old primary index/],
  },
};

test('every v20.2 mid-schema-change case has an expectation', () => {
  assert.deepEqual(readdirSync(MID).sort(), Object.keys(MID_CASES).sort());
});

for (const [name, want] of Object.entries(MID_CASES)) {
  test(`v20.2 backup taken mid schema change (${name}): public schema migrated, each change in flight on the console`, async () => {
    const { report, warned, query } = await run(join(MID, name));
    assert.deepEqual(rowsOf(report), want.rows);
    for (const re of want.warned) {
      assert.ok(
        warned.some((w) => re.test(w)),
        `console names ${re}: got ${warned.join(' | ')}`,
      );
      assert.ok(
        report.decisions.some((d) => re.test(`${d.object}: ${d.what}`)),
        `decision log names ${re}`,
      );
    }
    assert.equal(report.verdict, 'success-with-warnings');
    // Columns in flight never reach PostgreSQL; a check being added is there, NOT VALID.
    for (const t of Object.keys(want.rows)) {
      const rel = t.split('.').pop()!;
      const cols = (
        await query('defaultdb', `SELECT column_name FROM information_schema.columns WHERE table_name = '${rel}' ORDER BY ordinal_position`)
      ).map((r) => r['column_name']);
      assert.deepEqual(cols, ['a', 'rowid'], rel);
    }
    if (name === 'midaddconst')
      assert.deepEqual(await query('defaultdb', "SELECT convalidated FROM pg_constraint WHERE conname = 'my_const'"), [
        { convalidated: false },
      ]);
  });
}
