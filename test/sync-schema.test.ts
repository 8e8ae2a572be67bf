/**
 * `sync` across schema changes between layers, end to end with the real CLI and a real
 * PostgreSQL. The collections wrap the real emails-v2.1.4 store (8 tables, 4 sequences, foreign
 * keys) in layers where one table's descriptor and rows first appear in a later layer (created
 * after the full backup: its span is introduced, exported from time zero as CockroachDB does) or
 * are gone from it (dropped). A new table is created and loaded, and the target then equals a
 * fresh migration at the new point: rows, sequence positions, constraints (all valid) and indexes.
 * A dropped table stops the sync before anything is touched, naming the table and the fix. The
 * recipes-v2.1.0 store with its later history gets, from one layer on, its table descriptor as it
 * reads after ADD COLUMN (nullable) and CREATE INDEX: sync adds both and upserts the rows; and with
 * an index up to one layer and gone after it (DROP INDEX): sync drops it and upserts the rows; a
 * unique index (a UNIQUE constraint in PostgreSQL) likewise, with DROP CONSTRAINT, before the rows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { writeGeneration } from '../src/backup/testing/build-collection.js';
import { evolveTableDescriptor, type DescriptorEvolution } from '../src/backup/testing/evolve-descriptor.js';
import { extractStore, type StoreExtract } from '../src/backup/testing/store-extract.js';
import type { Timestamp } from '../src/mvcc/types.js';
import { migrationDir, runCli } from './support/cli.js';
import { at, hlc, withLaterHistory } from './support/recipes-history.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const RECIPES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/recipes-v2.1.0', import.meta.url));
const EMAILS = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/emails-v2.1.4', import.meta.url));

type Server = Awaited<ReturnType<typeof withTempPostgres>>;

/** Rows of every table, sequence positions, constraints (with validity) and indexes of the emails database. */
async function snapshot(server: Server, database = 'emails'): Promise<Record<string, unknown>> {
  const c = new pg.Client(server.clientConfig(database));
  await c.connect();
  try {
    const out: Record<string, unknown> = {};
    const tables = await c.query<{ t: string }>(`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    for (const { t } of tables.rows) out[`rows ${t}`] = (await c.query(`SELECT * FROM public.${t} AS r ORDER BY r::text`)).rows;
    const seqs = await c.query<{ s: string }>(
      `SELECT quote_ident(sequencename) AS s FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    );
    for (const { s } of seqs.rows) out[`seq ${s}`] = (await c.query(`SELECT last_value, is_called FROM public.${s}`)).rows;
    out.constraints = (
      await c.query(`SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint
                      WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`)
    ).rows;
    out.indexes = (await c.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`)).rows;
    return out;
  } finally {
    await c.end();
  }
}

const idOf = (ex: StoreExtract, name: string): number => ex.descriptors.find((d) => d.head.name === name && d.head.kind === 'table')!.id;

async function setUp(
  prefix: string,
  omit: Array<(ex: StoreExtract) => number[]>,
): Promise<{ server: Server; dir: string; ends: Timestamp[]; ex: StoreExtract }> {
  const server = await withTempPostgres();
  const ex = await extractStore(EMAILS, 'emails-v2.1.4');
  const last = ex.timestamps[ex.timestamps.length - 1]!;
  const ends = omit.map((_, i) => at(last, BigInt(2 * i + 1)));
  const collection = mkdtempSync(join(tmpdir(), `${prefix}-`));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends, omit: omit.map((f) => f(ex)) });
  const dir = migrationDir(`${prefix}-run-`, {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  return { server, dir, ends, ex };
}

test('a table created after the migrated layer is created and loaded by sync (a killed sync leaves nothing): the target equals a fresh migration at the new point, foreign keys valid', async () => {
  const { server, dir, ends } = await setUp('cm-sync-newtable', [(ex) => [idOf(ex, 'attachment')], () => []]);
  const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
  const fresh = await cli(['--as-of', hlc(ends[1]!), '--if-exists', 'drop']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const expected = await snapshot(server);
  assert.equal((expected['rows attachment'] as unknown[]).length, 5, 'the fixture loads attachment in full');

  const first = await cli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal((await snapshot(server))['rows attachment'], undefined, 'layer 0 has no attachment table');
  const atLayer0 = await snapshot(server);

  // Killed right before its commit: the new table (DDL is transactional) and rows are gone with it.
  const killed = await runCli(['sync'], { cwd: dir, env: { COCKROACH_MIGRATE_KILL_AT: 'sync-before-commit' } });
  assert.notEqual(killed.code, 0, 'the sync was killed');
  assert.deepEqual(await snapshot(server), atLayer0, 'a killed sync leaves no table, row or index behind');

  const s = await cli(['sync']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /table emails\.public\.attachment: created and loaded in full by sync/);
  assert.match(s.stderr, /emails\.public\.attachment: 5 inserted, 0 updated, 0 deleted/);
  assert.deepEqual(await snapshot(server), expected);
  const constraints = (await snapshot(server)).constraints as Array<{ convalidated: boolean; def: string }>;
  assert.ok(
    constraints.some((x) => x.def.startsWith('FOREIGN KEY (email_id)')),
    'attachment → email foreign key created',
  );
  assert.ok(
    constraints.every((x) => x.convalidated),
    'every constraint valid after the sync',
  );

  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { decisions: Array<{ object: string; what: string }> };
  assert.ok(
    report.decisions.some((d) => d.object === 'table emails.public.attachment' && /created and loaded in full by sync/.test(d.what)),
    'decision in the report',
  );

  const again = await cli(['sync']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 rows inserted, 0 updated, 0 deleted/);
  assert.deepEqual(await snapshot(server), expected, 'a second sync changes nothing');
});

test('a table dropped in a later layer stops the sync before anything is touched, naming the table and the fix', async () => {
  const { server, dir, ends } = await setUp('cm-sync-droptable', [() => [], (ex) => [idOf(ex, 'attachment')]]);
  const first = await runCli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(server);
  const s = await runCli(['sync'], { cwd: dir });
  assert.equal(s.code, 1, s.stderr);
  assert.match(s.stderr, /table emails\.public\.attachment \(PostgreSQL public\.attachment\) is no longer in the source/);
  assert.match(s.stderr, /fix: drop or keep public\.attachment/);
  assert.deepEqual(await snapshot(server), before, 'nothing touched');
});

/**
 * The recipes collection of `withLaterHistory` with the table's descriptor changed by `evolution` in
 * the layers `evolved` picks, a target PostgreSQL, and a migration folder reading one into the other.
 */
async function evolvedRecipes(
  name: string,
  evolution: DescriptorEvolution,
  evolved: (layer: number) => boolean,
): Promise<{ server: Server; ends: Timestamp[]; dir: string }> {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const recipes = ex.descriptors.find((d) => d.head.name === 'recipes' && d.head.kind === 'table')!;
  const bytes = new Map([[recipes.id, evolveTableDescriptor(recipes.bytes, evolution)]]);
  const collection = mkdtempSync(join(tmpdir(), `cm-sync-${name}-`));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends, descriptorBytes: ends.map((_, i) => (evolved(i) ? bytes : undefined)) });
  const dir = migrationDir(`cm-sync-${name}-run-`, {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  return { server, ends, dir };
}

test('a nullable column and an index added between layers are added by sync with a decision each; rows changed across the change are applied; the target equals a fresh migration', async () => {
  // Layers 0 and 1 as the store has the table; from layer 2 on, the column and index exist.
  const { server, ends, dir } = await evolvedRecipes(
    'addcol',
    {
      addColumn: { name: 'note', like: 'description' },
      addIndex: { name: 'recipes_name_idx', on: 'name' },
    },
    (i) => i >= 2,
  );
  const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
  const last = ends[ends.length - 1]!;
  const fresh = await cli(['--as-of', hlc(last), '--if-exists', 'drop']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const expected = await snapshot(server, 'recipes');
  assert.ok(
    (expected.indexes as Array<{ indexname: string }>).some((i) => i.indexname === 'recipes_name_idx'),
    'the fresh migration has the new index',
  );

  const first = await cli(['--as-of', hlc(ends[1]!), '--if-exists', 'drop']);
  assert.equal(first.code, 0, first.stderr);
  const s = await cli(['sync']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /column recipes\.public\.recipes\.note: added by sync: ALTER TABLE … ADD COLUMN "note" text/);
  assert.match(s.stderr, /index "public"\."recipes"@recipes_name_idx: created by sync: CREATE INDEX "recipes_name_idx"/);
  // Layer 2: 21 inserted again, 30 new; layer 3: 20 deleted.
  assert.match(s.stderr, /recipes\.public\.recipes: 2 inserted, 0 updated, 1 deleted/);
  assert.deepEqual(await snapshot(server, 'recipes'), expected);

  // The three reports carry the sync: both points, and per table the rows inserted, updated, deleted.
  const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
    sync: { from: string; to: string };
    tables: Array<{ source: string; sync: unknown }>;
    decisions: Array<{ object: string }>;
  };
  const iso = (t: Timestamp): string => new Date(Number(t.wallTime / 1_000_000n)).toISOString();
  assert.deepEqual(json.sync, { from: iso(ends[1]!), to: iso(last) });
  // In total and per layer: layer 2 inserted 21 again and 30, layer 3 deleted 20.
  assert.deepEqual(json.tables.find((t) => t.source === 'recipes.public.recipes')?.sync, {
    inserted: 2,
    updated: 0,
    deleted: 1,
    layers: [
      { to: iso(ends[2]!), inserted: 2, updated: 0, deleted: 0 },
      { to: iso(last), inserted: 0, updated: 0, deleted: 1 },
    ],
  });
  assert.ok(json.decisions.some((d) => d.object === 'column recipes.public.recipes.note'));
  const text = readFileSync(join(dir, 'validation_report.txt'), 'utf8');
  assert.match(
    text,
    new RegExp(`SYNC\\n-+\\nFrom ${iso(ends[1]!)} to ${iso(last)}\\n  recipes\\.public\\.recipes\\b.*: 2 inserted, 0 updated, 1 deleted`),
  );
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<h2>Sync<\/h2><p class="meta">From <b>[^<]+<\/b> to <b>[^<]+<\/b>/);
  assert.match(html, /<tr><td>recipes\.<wbr>public\.<wbr>recipes<\/td><td class="n">2<\/td><td class="n">0<\/td><td class="n">1<\/td>/);
  assert.match(
    html,
    /<tr class="layer"><td>&nbsp;&nbsp;layer to [^<]+<\/td><td class="n">0<\/td><td class="n">0<\/td><td class="n">1<\/td>/,
  );

  const again = await cli(['sync']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /added by sync|created by sync/, 'nothing left to add');
  assert.deepEqual(await snapshot(server, 'recipes'), expected);
});

test('a secondary index dropped between layers is dropped by sync with a decision naming index and table; rows are applied; the target equals a fresh migration', async () => {
  // Layers 0 and 1 have the index; from layer 2 on the table reads as the store has it (index dropped).
  const { server, ends, dir } = await evolvedRecipes('dropidx', { addIndex: { name: 'recipes_name_idx', on: 'name' } }, (i) => i < 2);
  const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
  const indexNames = (snap: Record<string, unknown>): string[] => (snap.indexes as Array<{ indexname: string }>).map((i) => i.indexname);
  const fresh = await cli(['--as-of', hlc(ends[ends.length - 1]!), '--if-exists', 'drop']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const expected = await snapshot(server, 'recipes');
  assert.ok(!indexNames(expected).includes('recipes_name_idx'), 'the fresh migration at the newest point has no such index');

  const first = await cli(['--as-of', hlc(ends[1]!), '--if-exists', 'drop']);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(indexNames(await snapshot(server, 'recipes')).includes('recipes_name_idx'), 'the migration at layer 1 created the index');
  const s = await cli(['sync']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /index "public"\."recipes"@recipes_name_idx: dropped by sync: DROP INDEX IF EXISTS "public"\."recipes_name_idx"/);
  assert.match(s.stderr, /recipes\.public\.recipes: 2 inserted, 0 updated, 1 deleted/);
  const synced = await snapshot(server, 'recipes');
  assert.ok(!indexNames(synced).includes('recipes_name_idx'), 'the index is gone in PostgreSQL');
  assert.deepEqual(synced, expected);
  const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { decisions: Array<{ object: string; what: string }> };
  assert.ok(
    json.decisions.some(
      (d) =>
        d.object === 'index "public"."recipes"@recipes_name_idx' &&
        d.what === 'dropped by sync: DROP INDEX IF EXISTS "public"."recipes_name_idx"',
    ),
    JSON.stringify(json.decisions),
  );

  const again = await cli(['sync']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /dropped by sync/, 'nothing left to drop');
  assert.deepEqual(await snapshot(server, 'recipes'), expected);
});

test('a unique index (a UNIQUE constraint in PostgreSQL) dropped between layers is dropped by sync with its constraint, before the rows that would break it; a decision names index, table and statement; the target equals a fresh migration', async () => {
  // Layer 0 has a unique index on name; from layer 1 on it is gone, and layer 1 gives recipe 20
  // the values (name included) of recipe 22: the constraint must go before that row is applied.
  const { server, ends, dir } = await evolvedRecipes(
    'dropunique',
    { addIndex: { name: 'recipes_name_key', on: 'name', unique: true } },
    (i) => i < 1,
  );
  const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
  const fresh = await cli(['--as-of', hlc(ends[ends.length - 1]!), '--if-exists', 'drop']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const expected = await snapshot(server, 'recipes');
  const named = (snap: Record<string, unknown>, what: 'indexes' | 'constraints'): string[] =>
    (snap[what] as Array<{ indexname?: string; conname?: string }>).map((x) => x.indexname ?? x.conname!);
  assert.ok(!named(expected, 'indexes').includes('recipes_name_key'), 'the fresh migration at the newest point has no such index');

  const first = await cli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop']);
  assert.equal(first.code, 0, first.stderr);
  const atLayer0 = await snapshot(server, 'recipes');
  assert.ok(named(atLayer0, 'indexes').includes('recipes_name_key'), 'the migration at layer 0 created the unique index');
  assert.ok(
    (atLayer0.constraints as Array<{ conname: string; def: string }>).some(
      (c) => c.conname === 'recipes_name_key' && c.def === 'UNIQUE (name)',
    ),
    'as a UNIQUE constraint',
  );

  const s = await cli(['sync']);
  assert.equal(s.code, 0, s.stderr);
  const statement = 'ALTER TABLE "public"."recipes" DROP CONSTRAINT IF EXISTS "recipes_name_key"';
  const lines = s.stderr.split('\n').filter((l) => l.includes('recipes_name_key'));
  assert.equal(lines.length, 1, s.stderr);
  assert.ok(lines[0]!.endsWith(`index "public"."recipes"@recipes_name_key: dropped by sync: ${statement}`), lines[0]);
  // Layer 1: 20 updated, 21 deleted; layer 2: 21 inserted again, 30 new; layer 3: 20 deleted.
  assert.match(s.stderr, /recipes\.public\.recipes: 2 inserted, 1 updated, 2 deleted/);
  const synced = await snapshot(server, 'recipes');
  assert.ok(!named(synced, 'constraints').includes('recipes_name_key'), 'the constraint is gone in PostgreSQL');
  assert.ok(!named(synced, 'indexes').includes('recipes_name_key'), 'and its index with it');
  assert.deepEqual(synced, expected);
  const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { decisions: Array<{ object: string; what: string }> };
  assert.ok(
    json.decisions.some((d) => d.object === 'index "public"."recipes"@recipes_name_key' && d.what === `dropped by sync: ${statement}`),
    JSON.stringify(json.decisions),
  );

  const again = await cli(['sync']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /dropped by sync/, 'nothing left to drop');
  assert.deepEqual(await snapshot(server, 'recipes'), expected);
});

test('a column dropped between layers stops the sync before anything is touched: one line naming table, column and the fix', async () => {
  const { server, ends, dir } = await evolvedRecipes(
    'dropcol',
    { dropColumn: 'description', addIndex: { name: 'recipes_name_idx', on: 'name' } },
    (i) => i >= 2,
  );
  const first = await runCli(['--as-of', hlc(ends[1]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(server, 'recipes');
  const s = await runCli(['sync'], { cwd: dir });
  assert.equal(s.code, 1, s.stderr);
  const lines = s.stderr.split('\n').filter((l) => /^error: target database "recipes": recipes\.public\.recipes: /.test(l));
  assert.deepEqual(lines, [
    'error: target database "recipes": recipes.public.recipes: column description was dropped; fix: migrate recipes.public.recipes in full: cockroach-migrate --include-tables recipes.public.recipes --if-exists drop',
  ]);
  assert.doesNotMatch(s.stderr, /created by sync/, 'the additive index is not applied either');
  assert.deepEqual(await snapshot(server, 'recipes'), before, 'no statement or row applied');
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { warnings: string[] };
  assert.ok(
    report.warnings.some((w) => /column description was dropped/.test(w)),
    'the report lists the change',
  );
});

test('a kept column whose NOT NULL was dropped between layers stops the sync before anything is touched: one line naming both definitions and the fix', async () => {
  const { server, ends, dir } = await evolvedRecipes('notnull', { dropNotNull: 'description' }, (i) => i >= 2);
  const first = await runCli(['--as-of', hlc(ends[1]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(server, 'recipes');
  const s = await runCli(['sync'], { cwd: dir });
  assert.equal(s.code, 1, s.stderr);
  const lines = s.stderr.split('\n').filter((l) => /^error: target database "recipes": recipes\.public\.recipes: /.test(l));
  assert.equal(lines.length, 1, s.stderr);
  assert.match(
    lines[0]!,
    /column description was "description" \S+ NOT NULL, is now "description" \S+; fix: migrate recipes\.public\.recipes in full: cockroach-migrate --include-tables recipes\.public\.recipes --if-exists drop$/,
  );
  assert.deepEqual(await snapshot(server, 'recipes'), before, 'no statement or row applied');
});

test('a primary key that differs between the target and the source stops the sync, naming both keys and the fix', async () => {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-pk-'));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends });
  const dir = migrationDir('cm-sync-pk-run-', {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  const first = await runCli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const c = new pg.Client(server.clientConfig('recipes'));
  await c.connect();
  try {
    const pk = await c.query<{ conname: string }>(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'public.recipes'::regclass AND contype = 'p'`,
    );
    await c.query(`ALTER TABLE public.recipes DROP CONSTRAINT ${pk.rows[0]!.conname}, ADD PRIMARY KEY (id, name)`);
  } finally {
    await c.end();
  }
  const before = await snapshot(server, 'recipes');
  const s = await runCli(['sync'], { cwd: dir });
  assert.equal(s.code, 1, s.stderr);
  assert.match(
    s.stderr,
    /recipes\.public\.recipes: primary key changed from \(id, name\) to \(id\); fix: migrate recipes\.public\.recipes in full: cockroach-migrate --include-tables recipes\.public\.recipes --if-exists drop/,
  );
  assert.deepEqual(await snapshot(server, 'recipes'), before, 'nothing touched');
});
