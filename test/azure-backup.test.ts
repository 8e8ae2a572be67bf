/**
 * End to end over Azure Blob storage: the bundled sample backup uploaded to Azurite and read through
 * `azure://` gives the same chain, descriptors and decoded rows as the same folder read locally.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readBackup, type OpenedBackup } from '../src/backup/read-backup.js';
import { sourceFromBackup } from '../src/source/backup.js';
import { startAzurite, type TestAzurite } from '../src/storage/testing/azurite-server.js';

const SAMPLE = fileURLToPath(new URL('../sample/backup', import.meta.url));

let az: TestAzurite;
let uploaded: string[] = [];
before(async () => {
  az = await startAzurite();
  await az.createContainer('crdb-backups');
  uploaded = await az.uploadFolder('crdb-backups', 'sample/backup', SAMPLE);
});
after(async () => {
  await az?.stop();
});

/** Every table's rows in primary-key order, as comparable text. */
async function dump(b: OpenedBackup): Promise<Map<string, string[]>> {
  const src = await sourceFromBackup(b);
  const out = new Map<string, string[]>();
  for (const t of src.catalog.tables) {
    const rows: string[] = [];
    for await (const r of src.rows(t)) rows.push(inspect(r.values, { depth: null, maxArrayLength: null, maxStringLength: null }));
    out.set(`${t.database}.${t.schema}.${t.name}`, rows);
  }
  return out;
}

test('sample backup through azure:// (Azurite) equals the local folder', async () => {
  assert.ok(uploaded.includes('sample/backup/LATEST'), uploaded.join(', '));
  const url = `azure://crdb-backups/sample/backup?AZURE_ACCOUNT_NAME=${az.account}&AZURE_ACCOUNT_KEY=${encodeURIComponent(az.key)}&AZURE_ENDPOINT=${encodeURIComponent(az.endpoint)}`;
  const local = await readBackup(SAMPLE);
  const remote = await readBackup(url);
  try {
    assert.equal(remote.name, 'azure://crdb-backups/sample/backup');
    assert.equal(remote.fullDir, local.fullDir);
    assert.deepEqual(remote.readAt, local.readAt);
    assert.equal(remote.chain.length, local.chain.length);
    assert.deepEqual(
      remote.descriptors.map((d) => [d.id, Buffer.from(d.bytes).toString('hex')]),
      local.descriptors.map((d) => [d.id, Buffer.from(d.bytes).toString('hex')]),
    );
    const want = await dump(local);
    const got = await dump(remote);
    const rowCount = [...want.values()].reduce((n, rows) => n + rows.length, 0);
    assert.ok(want.size > 0 && rowCount > 0, `the sample has tables and rows (${want.size}, ${rowCount})`);
    assert.deepEqual([...got.keys()], [...want.keys()]);
    for (const [table, rows] of want) assert.deepEqual(got.get(table), rows, table);
  } finally {
    await local.close();
    await remote.close();
  }
});
