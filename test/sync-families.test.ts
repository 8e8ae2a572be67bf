/**
 * `sync` of a table with several column families, end to end with the real CLI and a real
 * PostgreSQL. The real recipes-v2.1.0 store and a later history (test/support/recipes-families.ts)
 * are written twice: as the store wrote them (one family), and with the recipes table declared with
 * a second family (`FAMILY f1 (…)`: one column, stored bare, or two, a tuple) and every row's KVs
 * split as CockroachDB writes them. A fresh migration of either loads the same rows at every layer
 * (the split bytes decode as the original). Then migrate the split collection's full backup and
 * sync to the newest layer: updates that rewrite family 1 or family 0 only (one sets the family's
 * column NULL: a family tombstone in a live row), rows deleted (every family), a row inserted in one
 * layer and deleted in the next, one inserted and deleted within a layer, new rows. The target equals a fresh migration (rows, sequence), each layer's counts say
 * what that layer did, and with sync_verify "changes" the carried fingerprint verifies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeGeneration } from '../src/backup/testing/build-collection.js';
import { extractStore } from '../src/backup/testing/store-extract.js';
import { verifyValueChecksum } from '../src/encoding/roach-value.js';
import { splitFamilySuffix } from '../src/encoding/row-key.js';
import type { Timestamp } from '../src/mvcc/types.js';
import { migrationDir, runCli } from './support/cli.js';
import { hlc, recipesSnapshot } from './support/recipes-history.js';
import { withFamilyHistory, type FamilyHistory } from './support/recipes-families.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const RECIPES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/recipes-v2.1.0', import.meta.url));
type Server = Awaited<ReturnType<typeof withTempPostgres>>;

const snapshot = (server: Server): Promise<string> => recipesSnapshot(server);

/** The families each KV of recipe `id` written at `t` belongs to. */
function familiesWritten(h: FamilyHistory, id: number, t: Timestamp): number[] {
  const table = h.split.tables.find((x) => x.head.name === 'recipes')!;
  return table.kvs
    .filter((kv) => kv.timestamp.wallTime === t.wallTime && kv.roachKey[splitFamilySuffix(kv.roachKey).prefixLength - 1] === 0x88 + id)
    .map((kv) => splitFamilySuffix(kv.roachKey).familyId);
}

async function collectionDir(server: Server, prefix: string, ex: FamilyHistory['flat'], plan: Parameters<typeof writeGeneration>[3]) {
  const collection = mkdtempSync(join(tmpdir(), `${prefix}-`));
  await writeGeneration(collection, ex, 'manifest-gzip', plan);
  return migrationDir(`${prefix}-run-`, {
    source: { type: 'backup', url: collection },
    test_postgresql_import: false,
    ...targetKeys(server),
    log_file: '',
  });
}

type Layer = { inserted: number; updated: number; deleted: number };
const layersOf = (dir: string): number[][] => {
  const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { tables: Array<{ sync?: { layers: Layer[] } }> };
  return r.tables.find((t) => t.sync)!.sync!.layers.map((l) => [l.inserted, l.updated, l.deleted]);
};

async function syncAcrossFamilies(moved: readonly string[]): Promise<void> {
  const server = await withTempPostgres();
  const h = withFamilyHistory(await extractStore(RECIPES, 'recipes-v2.1.0'), moved);
  const { ends } = h;
  assert.equal(h.families.length, 2);
  const split = h.split.tables.find((x) => x.head.name === 'recipes')!;
  assert.ok(
    split.kvs.every((kv) => kv.value.length === 0 || verifyValueChecksum(kv.roachKey, kv.value)),
    'every split value carries its key checksum',
  );
  const layer1 = { wallTime: ends[0]!.wallTime + 1_000_000_000n, logical: 0 };
  assert.deepEqual(familiesWritten(h, 20, layer1), [1], 'layer 1 rewrites only family 1 of recipe 20');
  assert.deepEqual(familiesWritten(h, 22, layer1), [0], 'layer 1 rewrites only family 0 of recipe 22');
  assert.deepEqual(familiesWritten(h, 21, layer1), [0, 1], 'layer 1 deletes every family of recipe 21');
  const layer3 = { wallTime: ends[0]!.wallTime + 5_000_000_000n, logical: 0 };
  assert.deepEqual(familiesWritten(h, 30, layer3), [1], 'layer 3 rewrites only family 1 of recipe 30');

  const flatDir = await collectionDir(server, 'cm-fam-flat', h.flat, { ends, descriptorBytes: ends.map(() => h.descriptorBytes.flat) });
  const dir = await collectionDir(server, 'cm-fam-split', h.split, { ends, descriptorBytes: ends.map(() => h.descriptorBytes.split) });
  const fresh = async (at: string, end: Timestamp): Promise<string> => {
    const r = await runCli(['--as-of', hlc(end), '--if-exists', 'drop'], { cwd: at });
    assert.equal(r.code, 0, r.stderr);
    return snapshot(server);
  };
  const expected: string[] = [];
  for (const end of ends) {
    expected.push(await fresh(flatDir, end));
    assert.equal(await fresh(dir, end), expected[expected.length - 1], `split families load the one-family rows at ${hlc(end)}`);
  }
  assert.equal(new Set(expected).size, ends.length, 'every layer changes the table');
  const newest = expected[ends.length - 1]!;
  assert.match(newest, /"id":"30","name":"[^"]+","description":null/, 'recipe 30 ends with a NULL description');

  // From the full backup to the newest layer, one window per layer.
  await fresh(dir, ends[0]!);
  const r = await runCli(['sync'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /recipes\.public\.recipes: \d+ rows in source, \d+ in PostgreSQL, checksum matches/);
  assert.equal(await snapshot(server), newest, 'the target equals a fresh migration at the newest layer');
  // Layer 1: 31 new; 20 (family 1) and 22 (family 0) updated; 21 deleted. Layer 2: 30 new; 20
  // updated; 31 deleted. Layer 3: 30 updated (description NULL); 20 deleted; 32 inserted and deleted again (nothing).
  assert.match(
    r.stderr,
    /recipes\.public\.recipes: 2 inserted, 4 updated, 3 deleted \(to \S+: \+1 ~2 -1; to \S+: \+1 ~1 -1; to \S+: \+0 ~1 -1\)/,
  );
  const perLayer = [
    [1, 2, 1],
    [1, 1, 1],
    [0, 1, 1],
  ];
  assert.deepEqual(layersOf(dir), perLayer, 'what each layer did, in report.json');
  assert.match(
    readFileSync(join(dir, 'validation_report.txt'), 'utf8'),
    / {4}layer to \S+: 1 inserted, 2 updated, 1 deleted\n {4}layer to \S+: 1 inserted, 1 updated, 1 deleted\n {4}layer to \S+: 0 inserted, 1 updated, 1 deleted\n/,
  );

  // sync_verify "changes": the fingerprint recorded at the full backup, carried across the changes, verifies.
  await fresh(dir, ends[0]!);
  const config = JSON.parse(readFileSync(join(dir, 'migration_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'changes.json'), JSON.stringify({ ...config, sync_verify: 'changes' }));
  const viaChanges = await runCli(['sync', '--config', 'changes.json'], { cwd: dir });
  assert.equal(viaChanges.code, 0, viaChanges.stderr);
  assert.match(viaChanges.stderr, /1\/1 tables with their changes verified \(sync_verify changes: the source was not read again\)/);
  assert.equal(await snapshot(server), newest);
  assert.deepEqual(layersOf(dir), perLayer);
}

test('sync of a table whose description column is in a second family (a bare value): per-family updates, deletions and inserts match a fresh migration, counted per layer', async () => {
  await syncAcrossFamilies(['description']);
});

test('sync of a table with two columns in a second family (a tuple): the same history, the same result', async () => {
  await syncAcrossFamilies(['description', 'ingredients']);
});
