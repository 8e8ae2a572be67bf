import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStoreDir } from '../store/open-store.js';
import { storeSource, type StoreSource } from '../store/store-source.js';
import { readBackup } from './read-backup.js';
import { extractStore, type StoreExtract } from './testing/store-extract.js';
import { LOCALITY_DIR, LOCALITY_KV, planFor } from './testing/build-collection.js';
import { dumpTables } from './testing/compare.js';

const repo = new URL('../../', import.meta.url).pathname;
const store = join(repo, '..', 'shared', 'fixtures', 'crdb-stores', 'emails-v2.1.4');
const root = join(repo, 'test', 'fixtures', 'backups', 'emails-v2.1.4', 'locality-aware');
const defaultUrl = `file://${join(root, 'default')}?COCKROACH_LOCALITY=default`;
const otherUrl = `file://${join(root, LOCALITY_DIR)}?COCKROACH_LOCALITY=${encodeURIComponent(LOCALITY_KV)}`;

let ex: StoreExtract;
let src: StoreSource;
before(async () => {
  ex = await extractStore(store, 'emails-v2.1.4');
  src = await storeSource(await openStoreDir(store));
});
after(async () => {
  await src?.close();
});

test('locality-aware backup: default + locality URI yield exactly the store rows', async () => {
  const tableIds = ex.tables.map((t) => t.id);
  const end = planFor(ex, 0).ends[0]!;
  const b = await readBackup(defaultUrl, { localityUrls: [otherUrl] });
  try {
    const layer = b.chain[0]!;
    assert.ok(layer.files.some((f) => f.localityKv === LOCALITY_KV), 'partition files merged in');
    assert.ok(layer.files.some((f) => f.localityKv === ''), 'default files kept');
    const want = await dumpTables(src, tableIds, end);
    assert.ok(want.length > 0);
    assert.deepEqual(await dumpTables(b.source, tableIds), want);
  } finally {
    await b.close();
  }
});

test('locality-aware backup: default URI alone fails with one line naming the locality part', async () => {
  await assert.rejects(
    async () => {
      const b = await readBackup(defaultUrl);
      try {
        await dumpTables(b.source, ex.tables.map((t) => t.id));
      } finally {
        await b.close();
      }
    },
    (e: Error) => {
      const msg = String(e);
      assert.ok(!msg.includes('\n'), `one line: ${msg}`);
      assert.match(msg, /BACKUP_PART_1_region_us_west/);
      assert.match(msg, /locality region=us-west/);
      assert.match(msg, /COCKROACH_LOCALITY/);
      return true;
    },
  );
});
