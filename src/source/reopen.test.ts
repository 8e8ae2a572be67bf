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
import { MessageChannel } from 'node:worker_threads';
import { forwardingOpener, StorageServer } from '../storage/forwarded-storage.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
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
  test(`${STORE} ${gen} on S3: a worker's open of the chain makes no request, its rows are the main thread's, directly and through the main thread's storage, warmed or not`, async () => {
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
      const tables = main.catalog.tables;
      let rows: Row[] = [];
      try {
        assert.deepEqual(proxy.requests().slice(opened), [], 'requests of the worker open');
        rows = await allRows(main, tables);
        assert.ok(rows.length > 0);
        assert.deepEqual(await allRows(worker, tables), rows);
      } finally {
        await worker.close();
      }
      // As LoadWorkerPool opens it: its storages ask the main thread's over a port.
      const recipe = main.recipe;
      const through = async (warm: boolean): Promise<{ requests: number; fromWarm: number }> => {
        const storages = new Map<string, Storage>();
        const server = new StorageServer((u) => storages.get(u) ?? storages.set(u, openStorage(u, recipe.options)).get(u)!);
        const { port1, port2 } = new MessageChannel();
        server.serve(port1);
        const before = proxy.requests().length;
        const w = await openRowReader(structuredClone(recipe), { openStorage: forwardingOpener(port2, openStorage) });
        try {
          assert.equal(proxy.requests().length, before, 'requests of the worker open');
          if (warm) for (const t of tables) w.warm?.(t);
          assert.deepEqual(await allRows(w, tables), rows);
          return { requests: proxy.requests().length - before, fromWarm: server.stats.readsFromWarm };
        } finally {
          await w.close();
          port1.close();
          for (const st of storages.values()) await st.close();
        }
      };
      const cold = await through(false);
      const warmed = await through(true);
      assert.equal(cold.fromWarm, 0);
      // Every table warmed first: their reads are answered from what was fetched, with no more
      // requests. Not for an encrypted chain: its stored file sizes are not the manifest's.
      if (gen.includes('encrypted')) assert.equal(warmed.fromWarm, 0);
      else assert.ok(warmed.fromWarm > 0, 'reads answered from warmed ranges');
      assert.ok(warmed.requests <= cold.requests, `${warmed.requests} requests warmed, ${cold.requests} cold`);
    } finally {
      await main.close();
    }
  });
}
