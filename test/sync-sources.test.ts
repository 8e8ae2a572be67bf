/**
 * `sync` reads every backend and layout a migration reads: the real recipes-v2.1.0 store with its
 * later history (test/support/recipes-history.ts) written as a legacy `BACKUP TO` folder, an
 * encrypted 23.1+ collection, and a 23.1+ collection on a real S3-protocol server (s3rver on
 * loopback) and on a real Azure Blob service (Azurite on loopback, read through `azure://`). Each time: migrate the first layer, sync to the newest, and compare with a fresh
 * migration there. And a collection that gets a newer full backup after the migration: `sync`
 * refuses to jump chains (naming the fix: pin the full backup the target came from), and with the
 * full backup pinned it follows that chain's incrementals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { FIXTURE_PASSPHRASE, fullFolderName, writeGeneration, type Generation } from '../src/backup/testing/build-collection.js';
import { extractStore } from '../src/backup/testing/store-extract.js';
import { startAzurite } from '../src/storage/testing/azurite-server.js';
import { startTestS3 } from '../src/storage/testing/s3-server.js';
import { migrationDir, runCli } from './support/cli.js';
import { hlc, withLaterHistory } from './support/recipes-history.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const RECIPES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/recipes-v2.1.0', import.meta.url));

type Server = Awaited<ReturnType<typeof withTempPostgres>>;

async function snapshot(server: Server): Promise<string> {
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

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

type Where = 'local' | 's3' | 'azure';

/** Puts the collection folder where the case reads it; returns the source URL, the config keys it needs and a stop. */
async function place(collection: string, where: Where): Promise<{ url: string; keys: Record<string, string>; stop(): Promise<void> }> {
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
] as Array<[Generation, Where]>) {
  test(`sync from the ${generation} layout (${where}) catches up to what a fresh migration loads`, async () => {
    const server = await withTempPostgres();
    const { ex, ends } = withLaterHistory(await extractStore(RECIPES, 'recipes-v2.1.0'));
    const collection = mkdtempSync(join(tmpdir(), `cm-sync-${generation}-`));
    await writeGeneration(collection, ex, generation, { ends });
    const source = await place(collection, where);
    try {
      const dir = migrationDir(`cm-sync-${generation}-run-`, {
        source: { type: 'backup', url: source.url },
        test_postgresql_import: false,
        ...targetKeys(server),
        log_file: '',
        ...(generation === 'encrypted' ? { encryption_passphrase: FIXTURE_PASSPHRASE } : {}),
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
