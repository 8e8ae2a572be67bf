/**
 * `sync` reads every backend and layout a migration reads: the real recipes-v2.1.0 store with its
 * later history (test/support/recipes-history.ts) written as a legacy `BACKUP TO` folder, an
 * encrypted 23.1+ collection, a 23.1+ collection on a real S3-protocol server (s3rver on loopback)
 * on a real Azure Blob service (Azurite on loopback, read through `azure://`) and on the Cloud
 * Storage emulator of firebase-tools (`gs://`; skipped, saying why, without an npm registry), and
 * locality-aware collections (`default/` plus one URI per locality in `locality_urls`: with
 * incrementals, encrypted, and 23.1+ on S3). Each time: migrate the first layer, sync to the
 * newest, and compare with a fresh migration there. A revision-history chain (every MVCC version,
 * a full backup and an incremental): migrated at a time inside the full backup, synced `--as-of` a
 * time inside the incremental, then to the newest, each time compared with a fresh migration at
 * that time and with what the history says it holds (an index the full backup's schema has and the
 * incremental's has not is dropped). And a collection that gets a newer full backup after the
 * migration: `sync` refuses to jump chains (naming the fix: pin the full backup the target came
 * from), and with the full backup pinned it follows that chain's incrementals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import {
  baseGeneration,
  FIXTURE_PASSPHRASE,
  fullFolderName,
  isLocalityGeneration,
  LOCALITIES,
  writeGeneration,
  type Generation,
} from '../src/backup/testing/build-collection.js';
import { evolveTableDescriptor } from '../src/backup/testing/evolve-descriptor.js';
import { extractStore } from '../src/backup/testing/store-extract.js';
import type { Timestamp } from '../src/mvcc/types.js';
import { startAzurite } from '../src/storage/testing/azurite-server.js';
import { startGcsEmulator } from '../src/storage/testing/gcs-emulator.js';
import { startTestS3 } from '../src/storage/testing/s3-server.js';
import { migrationDir, runCli } from './support/cli.js';
import { at, hlc, recipesSnapshot, withLaterHistory } from './support/recipes-history.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const RECIPES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/recipes-v2.1.0', import.meta.url));

type Server = Awaited<ReturnType<typeof withTempPostgres>>;

/** The recipes rows, the sequence position and the table's indexes. */
const snapshot = (server: Server): Promise<string> => recipesSnapshot(server, { indexes: true });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

type Where = 'local' | 's3' | 'azure' | 'gcs';

type Placed = { url: string; keys: Record<string, unknown>; stop(): Promise<void> };
/** Why a case cannot run here (the GCS emulator needs the npm registry once). */
type Skipped = { skip: string };

/**
 * Puts the collection folder where the case reads it; returns the source URL, the config keys it
 * needs and a stop. A locality-aware collection is read as a migration reads it: its `default/`
 * folder as the source, each locality's folder in `locality_urls` with its COCKROACH_LOCALITY.
 */
async function place(collection: string, where: Where, locality: boolean): Promise<Placed | Skipped> {
  const placed = await upload(collection, where);
  if (!locality || 'skip' in placed) return placed;
  // A plain local path is read literally (no query string): locality URIs are file:// URLs.
  const base = where === 'local' ? `file://${placed.url}` : placed.url;
  const localityUrls = LOCALITIES.map((l) => `${base}/${l.dir}?COCKROACH_LOCALITY=${encodeURIComponent(l.kv)}`);
  return { ...placed, url: `${base}/default`, keys: { ...placed.keys, locality_urls: localityUrls } };
}

async function upload(collection: string, where: Where): Promise<Placed | Skipped> {
  if (where === 'gcs') {
    const gcs = await startGcsEmulator();
    if ('skip' in gcs) return gcs;
    try {
      const uploaded = await gcs.uploadFolder('crdb-backups', 'recipes', collection);
      assert.equal(uploaded.length, files(collection).length);
    } catch (e) {
      await gcs.stop();
      throw e;
    }
    return { url: `gs://crdb-backups/recipes?GCS_ENDPOINT=${encodeURIComponent(gcs.endpoint)}`, keys: {}, stop: () => gcs.stop() };
  }
  if (where === 's3') {
    const s3 = await startTestS3();
    for (const f of files(collection)) await s3.put(`recipes/${relative(collection, f)}`, readFileSync(f));
    const keys = {
      aws_endpoint: s3.endpoint,
      aws_access_key_id: s3.accessKeyId,
      aws_secret_access_key: s3.secretAccessKey,
      aws_region: 'us-east-1',
    };
    return { url: `s3://${s3.bucket}/recipes`, keys, stop: () => s3.stop() };
  }
  if (where === 'azure') {
    const az = await startAzurite();
    try {
      await az.createContainer('crdb-backups');
      const uploaded = await az.uploadFolder('crdb-backups', 'recipes', collection);
      assert.equal(uploaded.length, files(collection).length);
    } catch (e) {
      await az.stop();
      throw e;
    }
    const enc = encodeURIComponent;
    const url = `azure://crdb-backups/recipes?AZURE_ACCOUNT_NAME=${az.account}&AZURE_ACCOUNT_KEY=${enc(az.key)}&AZURE_ENDPOINT=${enc(az.endpoint)}`;
    return { url, keys: {}, stop: () => az.stop() };
  }
  return { url: collection, keys: {}, stop: async () => {} };
}

for (const [generation, where] of [
  ['legacy-backup', 'local'],
  ['encrypted', 'local'],
  ['metadata-ssts', 's3'],
  ['metadata-ssts', 'azure'],
  ['metadata-ssts', 'gcs'],
  ['locality-incremental', 'local'],
  ['locality-encrypted', 'local'],
  ['locality-metadata-ssts', 's3'],
] as Array<[Generation, Where]>) {
  test(`sync from the ${generation} layout (${where}) catches up to what a fresh migration loads`, async (t) => {
    const server = await withTempPostgres();
    const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
    const collection = mkdtempSync(join(tmpdir(), `cm-sync-${generation}-`));
    await writeGeneration(collection, ex, generation, { ends });
    const source = await place(collection, where, isLocalityGeneration(generation));
    if ('skip' in source) return void t.skip(source.skip);
    try {
      const dir = migrationDir(`cm-sync-${generation}-run-`, {
        source: { type: 'backup', url: source.url },
        test_postgresql_import: false,
        ...targetKeys(server),
        log_file: '',
        ...(baseGeneration(generation) === 'encrypted' ? { encryption_passphrase: FIXTURE_PASSPHRASE } : {}),
        ...source.keys,
      });
      const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
      const fresh = await cli(['--if-exists', 'drop']);
      assert.equal(fresh.code, 0, fresh.stderr);
      const expected = await snapshot(server);
      const first = await cli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop']);
      assert.equal(first.code, 0, first.stderr);
      assert.notEqual(await snapshot(server), expected, 'the first layer differs from the newest');
      const s = await cli(['sync']);
      assert.equal(s.code, 0, s.stderr);
      // Layer by layer: 20 updated, 21 deleted; 21 inserted again, 30 new; 20 deleted.
      assert.match(s.stderr, /Sync completed from \S+ to \S+: 2 rows inserted, 1 updated, 2 deleted, 1\/1 tables verified identical/);
      assert.equal(await snapshot(server), expected);
    } finally {
      await source.stop();
    }
  });
}

test('a newer full backup in the collection: sync refuses to jump to it, naming the fix; pinned to the migrated full backup it follows that chain', async () => {
  const server = await withTempPostgres();
  const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-newfull-'));
  // Chain A: full at ends[0], incrementals to ends[2]. Migrated at its full backup.
  await writeGeneration(collection, ex, 'manifest-gzip', { ends: ends.slice(0, 3) });
  const config = { test_postgresql_import: false, ...targetKeys(server), log_file: '' };
  const dir = migrationDir('cm-sync-newfull-run-', { source: { type: 'backup', url: collection }, ...config });
  const first = await runCli(['--as-of', hlc(ends[0]!), '--if-exists', 'drop'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(server);

  // Chain B: a full backup at ends[3] (LATEST now names it).
  await writeGeneration(collection, ex, 'manifest-gzip', { ends: ends.slice(3) });
  const refused = await runCli(['sync'], { cwd: dir });
  assert.equal(refused.code, 1, refused.stderr);
  const a = fullFolderName(ends[0]!);
  assert.match(refused.stderr, new RegExp(`reflects full backup ${a}; the source resolves to full backup ${fullFolderName(ends[3]!)}`));
  assert.match(refused.stderr, new RegExp(`pin source\\.backup "${a}"`));
  assert.equal(await snapshot(server), before, 'nothing touched');

  // Pinned to chain A: caught up to its newest incremental, the same as a fresh migration there.
  const pinned = migrationDir('cm-sync-newfull-pinned-', { source: { type: 'backup', url: collection, backup: a }, ...config });
  const s = await runCli(['sync'], { cwd: pinned });
  assert.equal(s.code, 0, s.stderr);
  const synced = await snapshot(server);
  const fresh = await runCli(['--as-of', hlc(ends[2]!), '--if-exists', 'drop'], { cwd: pinned });
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(synced, await snapshot(server));
});

/** Recipe ids in the target, and whether recipe `a` holds the same values as recipe `b` (all but the id). */
async function recipeIds(server: Server): Promise<{ ids: number[]; same(a: number, b: number): boolean }> {
  const c = new pg.Client(server.clientConfig('recipes'));
  await c.connect();
  try {
    const rows = (await c.query<{ id: number } & Record<string, unknown>>(`SELECT * FROM recipes ORDER BY id`)).rows;
    const values = (id: number): string => {
      const { id: _, ...rest } = rows.find((r) => Number(r.id) === id) ?? { id };
      return JSON.stringify(rest);
    };
    return { ids: rows.map((r) => Number(r.id)), same: (a, b) => values(a) === values(b) };
  } finally {
    await c.end();
  }
}

test('a revision-history chain: migrated at a time inside the full backup, synced --as-of a time inside the incremental, then to the newest; each time equal to a fresh migration there', async () => {
  const server = await withTempPostgres();
  const store = await extractStore(RECIPES, 'recipes-v2.1.0');
  const { ex } = withLaterHistory(store);
  const last = store.timestamps[store.timestamps.length - 1]!;
  // Full backup (every version) to last+3: the store's history, then at last+2 recipe 20 updated
  // (to 22's values) and 21 deleted. One incremental (every version) to last+7: at last+4 21
  // inserted again and 30 new, at last+6 20 deleted. The full backup's schema has an index on
  // name; the incremental's has not (dropped after the full backup).
  const ends = [at(last, 3n), at(last, 7n)];
  const table = ex.descriptors.find((d) => d.head.name === 'recipes' && d.head.kind === 'table')!;
  const withIndex = new Map([[table.id, evolveTableDescriptor(table.bytes, { addIndex: { name: 'recipes_name_idx', on: 'name' } })]]);
  const collection = mkdtempSync(join(tmpdir(), 'cm-sync-revisions-'));
  await writeGeneration(collection, ex, 'revision-history', { ends, revisionIncrementals: true, descriptorBytes: [withIndex, undefined] });
  const dir = migrationDir('cm-sync-revisions-run-', {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
  const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
  // Inside the full backup: half-way through the store's own history. Inside the incremental:
  // after last+4, before last+6.
  const p1 = store.timestamps[Math.floor(store.timestamps.length / 2)]!;
  const p2 = at(last, 5n);
  const iso = (t: Timestamp): string => new Date(Number(t.wallTime / 1_000_000n)).toISOString();

  // Ground truth: fresh migrations at each point, and what the history says each point holds.
  const fresh = async (asOf: Timestamp[]): Promise<string> => {
    const r = await cli([...asOf.flatMap((t) => ['--as-of', hlc(t)]), '--if-exists', 'drop']);
    assert.equal(r.code, 0, r.stderr);
    return snapshot(server);
  };
  const newest = await fresh([]);
  let ids = await recipeIds(server);
  assert.ok(!ids.ids.includes(20) && ids.ids.includes(21) && ids.ids.includes(30), `newest: ${ids.ids.join(',')}`);
  assert.doesNotMatch(newest, /recipes_name_idx/, 'no index at the newest point');
  const atP2 = await fresh([p2]);
  ids = await recipeIds(server);
  assert.ok(ids.ids.includes(20) && ids.ids.includes(21) && ids.ids.includes(30), `at p2: ${ids.ids.join(',')}`);
  assert.ok(ids.same(20, 22), 'at p2 recipe 20 holds the values of 22');
  assert.doesNotMatch(atP2, /recipes_name_idx/, 'no index at p2');
  await fresh([ends[0]!]);
  const atEnd0 = await recipeIds(server);
  assert.ok(
    atEnd0.same(20, 22) && !atEnd0.ids.includes(21) && !atEnd0.ids.includes(30),
    `at the full backup's end: ${atEnd0.ids.join(',')}`,
  );
  const atP1 = await fresh([p1]);
  assert.match(atP1, /recipes_name_idx/, 'the migration at p1 created the index of the full backup');
  ids = await recipeIds(server);
  // The store's own history wrote and deleted rows after p1: p1 is inside the full backup, not at its end.
  assert.notDeepEqual(ids.ids, atEnd0.ids, 'at p1 the store had other recipes than at its end');

  // The target (migrated at p1) synced to p2 inside the incremental: rows from the rest of the
  // full backup's window and from the incremental up to p2; the index dropped.
  const s = await cli(['sync', '--as-of', hlc(p2)]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, new RegExp(`Sync completed from ${iso(p1)} to ${iso(p2)}: .*1/1 tables verified identical`));
  assert.match(s.stderr, /index "public"\."recipes"@recipes_name_idx: dropped by sync/);
  assert.equal(await snapshot(server), atP2);

  // Then to the newest: from p2, inside the incremental, to its end: 20 deleted at last+6.
  const s2 = await cli(['sync']);
  assert.equal(s2.code, 0, s2.stderr);
  assert.match(
    s2.stderr,
    new RegExp(`Sync completed from ${iso(p2)} to ${iso(ends[1]!)}: 0 rows inserted, 0 updated, 1 deleted, 1/1 tables verified identical`),
  );
  assert.equal(await snapshot(server), newest);
});
