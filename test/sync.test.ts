/**
 * `sync` end to end with the real CLI and a real PostgreSQL: a backup collection built from the
 * real recipes-v2.1.0 store (its MVCC history: inserts, an update, deletions) plus later layers
 * with an update, a deletion, the same key inserted again and a new row. Migrate the full backup,
 * sync to later layers, and compare with a fresh migration at the same point: identical rows and
 * sequence positions. Also: a second sync changes nothing; a sync killed right before its commit
 * leaves the old point and rows, and rerunning it finishes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { writeGeneration } from '../src/backup/testing/build-collection.js';
import { extractStore, type ExtractedKV, type StoreExtract } from '../src/backup/testing/store-extract.js';
import type { Timestamp } from '../src/mvcc/types.js';
import { compareEngineKeys } from '../src/sst/comparer.js';
import { migrationDir, runCli } from './support/cli.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const RECIPES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/recipes-v2.1.0', import.meta.url));

const hlc = (t: Timestamp): string => `${t.wallTime}.${String(t.logical).padStart(10, '0')}`;
/** `s` seconds after `t` (layers a second apart: their folder names differ). */
const at = (t: Timestamp, s: bigint): Timestamp => ({ wallTime: t.wallTime + s * 1_000_000_000n, logical: 0 });

function engineKey(roachKey: Uint8Array, t: Timestamp): Uint8Array {
  const k = new Uint8Array(roachKey.length + 10);
  k.set(roachKey);
  new DataView(k.buffer).setBigUint64(roachKey.length + 1, t.wallTime, false);
  k[k.length - 1] = 9;
  return k;
}

/** The row key of recipe `id` (ids < 110 are one byte, 0x88 + id), from another row's key. */
function rowKeyOf(like: Uint8Array, id: number): Uint8Array {
  const k = Uint8Array.from(like);
  k[k.length - 2] = 0x88 + id;
  return k;
}

/**
 * The store's history, then (after the full backup's end) layer 1: recipe 20 updated, 21 deleted;
 * layer 2: 21 inserted again (other values), 30 new; layer 3: 20 deleted.
 */
function withLaterHistory(ex: StoreExtract): { ex: StoreExtract; ends: Timestamp[] } {
  const last = ex.timestamps[ex.timestamps.length - 1]!;
  const ends = [at(last, 1n), at(last, 3n), at(last, 5n), at(last, 7n)];
  const t = ex.tables.find((x) => x.kvs.some((kv) => kv.value.length > 0 && kv.roachKey[kv.roachKey.length - 2] === 0x88 + 20))!;
  const newest = (id: number): ExtractedKV => t.kvs.find((kv) => kv.roachKey[kv.roachKey.length - 2] === 0x88 + id && kv.roachKey.length === t.kvs[0]!.roachKey.length)!;
  const k20 = newest(20).roachKey;
  const put = (id: number, value: Uint8Array, ts: Timestamp): ExtractedKV => ({ key: engineKey(rowKeyOf(k20, id), ts), roachKey: rowKeyOf(k20, id), timestamp: ts, value });
  const added = [
    put(20, newest(22).value, at(last, 2n)),
    put(21, new Uint8Array(0), at(last, 2n)),
    put(21, newest(20).value, at(last, 4n)),
    put(30, newest(21).value, at(last, 4n)),
    put(20, new Uint8Array(0), at(last, 6n)),
  ];
  const kvs = [...t.kvs, ...added].sort((a, b) => compareEngineKeys(a.key, b.key));
  const tables = ex.tables.map((x) => (x === t ? { ...x, kvs } : x));
  const timestamps = [...ex.timestamps, ...added.map((a) => a.timestamp)].sort((a, b) => (a.wallTime < b.wallTime ? -1 : a.wallTime > b.wallTime ? 1 : 0));
  return { ex: { ...ex, tables, timestamps }, ends };
}

async function snapshot(server: Awaited<ReturnType<typeof withTempPostgres>>): Promise<string> {
  const c = new pg.Client(server.clientConfig('recipes'));
  await c.connect();
  try {
    const rows = await c.query(`SELECT * FROM recipes ORDER BY id`);
    const seq = await c.query(`SELECT last_value, is_called FROM customer_seq`);
    return JSON.stringify({ rows: rows.rows, seq: seq.rows });
  } finally {
    await c.end();
  }
}

const report = (dir: string): { tables: Array<{ sync?: { inserted: number; updated: number; deleted: number } }> } => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

test('sync catches a migrated target up layer by layer to what a fresh migration loads; twice changes nothing; killed before commit, a rerun finishes', async () => {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-'));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends });
  const dir = migrationDir('cm-sync-run-', { source: { type: 'backup', url: collection }, test_postgresql_import: false, ...targetKeys(server), log_file: '' });
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> => runCli(args, { cwd: dir, env });
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

  // From layer 0 straight to the newest: killed right before the commit, then rerun.
  await fresh(ends[0]!);
  const killed = await cli(['sync'], { COCKROACH_MIGRATE_KILL_AT: 'sync-before-commit' });
  assert.notEqual(killed.code, 0, 'the sync was killed');
  assert.equal(await snapshot(server), expected[0], 'a killed sync commits nothing');
  const rerun = await cli(['sync']);
  assert.equal(rerun.code, 0, rerun.stderr);
  // 20 deleted, 21 written again with other values (an update of the row the target has), 30 new.
  assert.match(rerun.stderr, /Sync completed from \S+ to \S+: 1 rows inserted, 1 updated, 1 deleted, 1\/1 tables verified identical/);
  assert.equal(await snapshot(server), expected[ends.length - 1]);
});

test('sync refuses a target that records no backup point, naming the fix', async () => {
  const server = await withTempPostgres();
  const store = migrationDir('cm-sync-store-', { source: { type: 'store', path: RECIPES }, test_postgresql_import: false, ...targetKeys(server), log_file: '', if_exists: 'drop' });
  const m = await runCli([], { cwd: store });
  assert.equal(m.code, 0, m.stderr);
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-none-'));
  const ex = await extractStore(RECIPES, 'recipes-v2.1.0');
  await writeGeneration(collection, ex, 'manifest-gzip', { ends: [at(ex.timestamps[ex.timestamps.length - 1]!, 1n)] });
  const dir = migrationDir('cm-sync-none-run-', { source: { type: 'backup', url: collection }, test_postgresql_import: false, ...targetKeys(server), log_file: '' });
  const r = await runCli(['sync'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /target database "recipes" records no backup point for recipes.*migrate it from a backup of this collection first/);
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

test('sync stops before touching rows on a schema change, and never commits a target that does not verify', async () => {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-schema-'));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends });
  const dir = migrationDir('cm-sync-schema-run-', { source: { type: 'backup', url: collection }, test_postgresql_import: false, ...targetKeys(server), log_file: '' });
  const first = await runCli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(server);

  // The recorded point had another column list and one more table than the source has now.
  await onRecipes(server, `UPDATE cockroach_migrate_sync.tables SET columns = array_remove(columns, columns[2])`);
  await onRecipes(server, `INSERT INTO cockroach_migrate_sync.tables (source_db, table_id, pg_table, columns, end_time) SELECT source_db, 'recipes.public.old', 'public.old', '{}', end_time FROM cockroach_migrate_sync.tables`);
  const changed = await runCli(['sync'], { cwd: dir });
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /the schema changed after .*: recipes\.public\.recipes: column name was added; table recipes\.public\.old was dropped.*migrate the changed tables in full/);
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
