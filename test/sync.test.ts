/**
 * `sync` end to end with the real CLI and a real PostgreSQL: a backup collection built from the
 * real recipes-v2.1.0 store (its MVCC history: inserts, an update, deletions) plus later layers
 * with an update, a deletion, the same key inserted again and a new row. Migrate the full backup,
 * sync to later layers, and compare with a fresh migration at the same point: identical rows and
 * sequence positions. Also: a second sync changes nothing; a sync killed right before its commit
 * leaves the old point and rows, and rerunning it finishes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { writeGeneration } from '../src/backup/testing/build-collection.js';
import { extractStore } from '../src/backup/testing/store-extract.js';
import type { Timestamp } from '../src/mvcc/types.js';
import { migrationDir, runCli } from './support/cli.js';
import { at, hlc, recipesSnapshot, withLaterHistory } from './support/recipes-history.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const RECIPES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/recipes-v2.1.0', import.meta.url));

const snapshot = (server: Awaited<ReturnType<typeof withTempPostgres>>): Promise<string> => recipesSnapshot(server);

type SyncCounts = { inserted: number; updated: number; deleted: number };
const report = (dir: string): { tables: Array<{ sync?: SyncCounts & { layers: SyncCounts[] } }> } =>
  JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

test('sync catches a migrated target up layer by layer to what a fresh migration loads; twice changes nothing; killed before commit, a rerun finishes', async () => {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-'));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends });
  const dir = migrationDir('cm-sync-run-', {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> =>
    runCli(args, { cwd: dir, env });
  const fresh = async (end: Timestamp): Promise<string> => {
    const r = await cli(['--as-of', hlc(end), '--if-exists', 'drop']);
    assert.equal(r.code, 0, r.stderr);
    return snapshot(server);
  };
  const expected = [];
  for (const end of ends) expected.push(await fresh(end));
  assert.equal(new Set(expected).size, ends.length, 'every layer changes the table');

  // Layer 0, then each later layer in turn: identical to a fresh migration at that layer.
  await fresh(ends[0]!);
  const totals = { inserted: 0, updated: 0, deleted: 0 };
  for (let i = 1; i < ends.length; i++) {
    const r = await cli(['sync', '--as-of', hlc(ends[i]!)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /recipes\.public\.recipes: \d+ rows in source, \d+ in PostgreSQL, checksum matches/);
    assert.equal(await snapshot(server), expected[i], `after sync to layer ${i}`);
    for (const t of report(dir).tables) for (const k of ['inserted', 'updated', 'deleted'] as const) totals[k] += t.sync?.[k] ?? 0;
  }
  // 20 updated, 21 deleted; 21 inserted again, 30 inserted; 20 deleted.
  assert.deepEqual(totals, { inserted: 2, updated: 1, deleted: 2 });

  const again = await cli(['sync']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 rows inserted, 0 updated, 0 deleted, 1\/1 tables verified identical/);
  assert.equal(await snapshot(server), expected[ends.length - 1]);

  // sync_verify "changes": the same rows, with the recorded fingerprint carried forward by the
  // changes instead of a new read of the source; the run says on the console what that proves.
  await fresh(ends[0]!);
  const config = JSON.parse(readFileSync(join(dir, 'migration_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'changes.json'), JSON.stringify({ ...config, sync_verify: 'changes' }));
  const viaChanges = await cli(['sync', '--config', 'changes.json']);
  assert.equal(viaChanges.code, 0, viaChanges.stderr);
  assert.match(viaChanges.stderr, /^warning: sync_verify is "changes": the source is not read again/m);
  assert.match(viaChanges.stderr, /1\/1 tables with their changes verified \(sync_verify changes: the source was not read again\)/);
  assert.doesNotMatch(viaChanges.stderr, /verified identical/);
  assert.equal(await snapshot(server), expected[ends.length - 1]);

  // A point recorded by an earlier version (its points table has no fingerprint definition, its
  // fingerprints were hashed another way): "changes" cannot carry them forward, so the sync says
  // so on the console and reads the source again in full instead of reporting a false mismatch.
  await fresh(ends[0]!);
  const c = new pg.Client(server.clientConfig('recipes'));
  await c.connect();
  await c.query('ALTER TABLE cockroach_migrate_sync.points DROP COLUMN fingerprint');
  await c.query('UPDATE cockroach_migrate_sync.tables SET src_sum = src_sum + 1');
  await c.end();
  const fromOlder = await cli(['sync', '--config', 'changes.json']);
  assert.equal(fromOlder.code, 0, fromOlder.stderr);
  assert.match(fromOlder.stderr, /^warning: the fingerprints recorded at the last point were computed by an earlier version/m);
  assert.match(fromOlder.stderr, /1\/1 tables verified identical/);
  assert.equal(await snapshot(server), expected[ends.length - 1]);

  // From layer 0 straight to the newest: killed right before the commit, then rerun.
  await fresh(ends[0]!);
  const killed = await cli(['sync'], { COCKROACH_MIGRATE_KILL_AT: 'sync-before-commit' });
  assert.notEqual(killed.code, 0, 'the sync was killed');
  assert.equal(await snapshot(server), expected[0], 'a killed sync commits nothing');
  const rerun = await cli(['sync']);
  assert.equal(rerun.code, 0, rerun.stderr);
  // Applied layer by layer: 20 updated, 21 deleted; 21 inserted again, 30 new; 20 deleted.
  assert.match(rerun.stderr, /Sync completed from \S+ to \S+: 2 rows inserted, 1 updated, 2 deleted, 1\/1 tables verified identical/);
  const layers = report(dir).tables.find((t) => t.sync)!.sync!.layers;
  assert.deepEqual(
    layers.map(({ inserted, updated, deleted }) => [inserted, updated, deleted]),
    [
      [0, 1, 1],
      [2, 0, 0],
      [0, 0, 1],
    ],
    'what each layer did',
  );
  assert.match(readFileSync(join(dir, 'validation_report.txt'), 'utf8'), / {4}layer to \S+: 2 inserted, 0 updated, 0 deleted/);
  assert.equal(await snapshot(server), expected[ends.length - 1]);
});

test('sync refuses a target that records no backup point, naming the fix', async () => {
  const server = await withTempPostgres();
  const store = migrationDir('cm-sync-store-', {
    source: { type: 'store', path: RECIPES },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
    if_exists: 'drop',
  });
  const m = await runCli([], { cwd: store });
  assert.equal(m.code, 0, m.stderr);
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-none-'));
  const ex = await extractStore(RECIPES, 'recipes-v2.1.0');
  await writeGeneration(collection, ex, 'manifest-gzip', { ends: [at(ex.timestamps[ex.timestamps.length - 1]!, 1n)] });
  const dir = migrationDir('cm-sync-none-run-', {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  const r = await runCli(['sync'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /target database "recipes" records no backup point for recipes.*migrate it from a backup of this collection first/,
  );
});

async function onRecipes(server: Awaited<ReturnType<typeof withTempPostgres>>, sql: string): Promise<void> {
  const c = new pg.Client(server.clientConfig('recipes'));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

test('sync stops before touching rows on a schema change it does not apply, and never commits a target that does not verify', async () => {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-schema-'));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends });
  const dir = migrationDir('cm-sync-schema-run-', {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  const first = await runCli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(server);

  // The recorded point had another column list and one more table than the source has now.
  await onRecipes(server, `UPDATE cockroach_migrate_sync.tables SET columns = array_remove(columns, columns[2])`);
  await onRecipes(
    server,
    `INSERT INTO cockroach_migrate_sync.tables (source_db, table_id, pg_table, columns, end_time) SELECT source_db, 'recipes.public.old', 'public.old', '{}', end_time FROM cockroach_migrate_sync.tables`,
  );
  const changed = await runCli(['sync'], { cwd: dir });
  assert.equal(changed.code, 1);
  // The added column is additive and PostgreSQL already has it: nothing to do. The dropped table stops the sync.
  assert.match(
    changed.stderr,
    /table recipes\.public\.old \(PostgreSQL public\.old\) is no longer in the source.*fix: drop or keep public\.old/,
  );
  assert.match(
    changed.stderr,
    /the schema changed after .* in a way sync does not apply \(listed above\); no statement or row was applied/,
  );
  assert.equal(await snapshot(server), before, 'no row touched');

  // A row the later layers do not change, altered in PostgreSQL: the sync's verification catches it, nothing is committed.
  const again = await runCli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  await onRecipes(server, `UPDATE recipes SET name = 'altered' WHERE id = 22`);
  const altered = await snapshot(server);
  const mismatch = await runCli(['sync'], { cwd: dir });
  assert.equal(mismatch.code, 3, mismatch.stderr);
  assert.match(mismatch.stderr, /recipes\.public\.recipes: \d+ rows in source, \d+ in PostgreSQL, DIFFERENT/);
  assert.match(mismatch.stderr, /nothing was committed/);
  assert.equal(await snapshot(server), altered, 'the failed sync committed no row');
});
