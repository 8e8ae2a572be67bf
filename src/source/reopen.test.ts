/**
 * A load worker's open of a backup on object storage (`openRowReader` of the recipe the main
 * thread's source hands out) asks the storage nothing: the manifests, listings and existence checks
 * the main thread's open was answered come with the recipe. Real parts: every backup generation of
 * the fixtures (encrypted, revision history, external manifest SSTs, localities …) on s3rver,
 * behind a loopback proxy that counts the requests; the rows read after that open are the
 * main thread's rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { resolveConfig } from '../config/load-config.js';
import type { Config } from '../config/keys.js';
import { startLoopbackProxy, type LoopbackProxy } from '../storage/testing/http-proxy.js';
import { startTestS3, type TestS3 } from '../storage/testing/s3-server.js';
import {
  baseGeneration,
  FIXTURE_PASSPHRASE,
  isLocalityGeneration,
  LOCALITIES,
  type Generation,
} from '../backup/testing/build-collection.js';
import { BACKUP_FIXTURES_DIR, listFiles } from '../backup/testing/fixture-bed.js';
import type { Row } from '../rows/decode-rows.js';
import { openBackupMigrationSource } from './backup.js';
import type { TableRowSource } from './migration-source.js';
import { openRowReader } from './reopen.js';
import type { Table } from '../model/catalog.js';

const STORE = 'emails-v2.1.4';
let s3: TestS3;
let proxy: LoopbackProxy;

before(async () => {
  s3 = await startTestS3();
  const dir = join(BACKUP_FIXTURES_DIR, STORE);
  for (const f of await listFiles(dir)) await s3.put(relative(dir, f), await readFile(f));
  proxy = await startLoopbackProxy(s3.endpoint);
});

after(async () => {
  await proxy?.close();
  await s3?.stop();
});

function configFor(gen: Generation, base: string): Config {
  return resolveConfig({
    file: {
      source: { type: 'backup', url: base },
      aws_endpoint: proxy.endpoint,
      aws_access_key_id: s3.accessKeyId,
      aws_secret_access_key: s3.secretAccessKey,
      aws_region: 'us-east-1',
      ...(baseGeneration(gen) === 'encrypted' ? { encryption_passphrase: FIXTURE_PASSPHRASE } : {}),
      ...(isLocalityGeneration(gen)
        ? { locality_urls: LOCALITIES.map((l) => `s3://${s3.bucket}/${gen}/${l.dir}?COCKROACH_LOCALITY=${encodeURIComponent(l.kv)}`) }
        : {}),
    },
    env: {},
  }).config;
}

async function allRows(src: TableRowSource, tables: readonly Table[]): Promise<Row[]> {
  const out: Row[] = [];
  for (const t of tables) for await (const batch of src.rowBatches(t)) out.push(...batch);
  return out;
}

const generations = readdirSync(join(BACKUP_FIXTURES_DIR, STORE)) as Generation[];

for (const gen of generations) {
  test(`${STORE} ${gen} on S3: a worker's open of the chain makes no request, its rows are the main thread's`, async () => {
    const url = `s3://${s3.bucket}/${gen}${isLocalityGeneration(gen) ? '/default' : ''}`;
    const main = await openBackupMigrationSource(url, configFor(gen, url));
    try {
      assert.ok(main.recipe?.kind === 'backup');
      // The answers handed over leave out every data file's name (the missing-file check's listings).
      const answered = main.recipe.options.answered;
      assert.ok(answered && answered.main.reads.length > 0);
      const names = [answered.main, ...answered.localities].flatMap((a) => a.lists.flatMap((l) => l.names));
      assert.deepEqual(
        names.filter((n) => n.endsWith('.sst') && n.includes('/data/')),
        [],
      );
      const opened = proxy.requests().length;
      assert.ok(opened > 0, 'the main thread read the chain through the proxy');
      // What a load worker receives is structured-cloned.
      const worker = await openRowReader(structuredClone(main.recipe));
      try {
        assert.deepEqual(proxy.requests().slice(opened), [], 'requests of the worker open');
        const tables = main.catalog.tables;
        const rows = await allRows(main, tables);
        assert.ok(rows.length > 0);
        assert.deepEqual(await allRows(worker, tables), rows);
      } finally {
        await worker.close();
      }
    } finally {
      await main.close();
    }
  });
}
