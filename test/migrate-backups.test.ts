/**
 * End to end on backups built around real CockroachDB bytes (test/fixtures/backups, every manifest
 * generation): the whole pipeline into PostgreSQL, verified, from a local folder and from a real
 * S3-protocol server on loopback — the way users point the tool at S3.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { resolveConfig } from '../src/config/load-config.js';
import {
  baseGeneration,
  FIXTURE_PASSPHRASE,
  isLocalityGeneration,
  LOCALITIES,
  type Generation,
} from '../src/backup/testing/build-collection.js';
import { migrate } from '../src/pipeline/migrate.js';
import { testInstanceServer } from '../src/pipeline/pg-target.js';
import { startLoopbackProxy, type LoopbackProxy, type ProxiedRequest } from '../src/storage/testing/http-proxy.js';
import { startTestS3, type TestS3 } from '../src/storage/testing/s3-server.js';
import { silentLogger } from '../src/util/logger.js';
import { withTempPostgres } from './support/pg.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/backups/', import.meta.url));
/** Live rows at the end of each chain, from the stores' SOURCE.md. */
const EXPECTED: Record<string, Record<string, bigint>> = {
  'emails-v2.1.4': { 'emails.public.folder': 3n, 'emails.public.email': 5n, 'emails.public.attachment': 5n },
  'recipes-v2.1.0': {},
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const THREADED = new Set(['revision-history', 'encrypted', 'locality-incremental', 'locality-encrypted']);

let s3: TestS3;
/** In front of s3rver: what each run asked the storage. */
let proxy: LoopbackProxy;
before(async () => {
  s3 = await startTestS3();
  for (const f of files(FIXTURES)) await s3.put(relative(FIXTURES, f), readFileSync(f));
  proxy = await startLoopbackProxy(s3.endpoint);
});
/** Tables the local runs loaded in parts (checked once all ran: small tables stay whole). */
const split: string[] = [];
after(async () => {
  await proxy?.close();
  await s3?.stop();
  assert.ok(split.length >= 1, 'some backup table was loaded in parts (most fixture tables hold a few rows in one block: whole)');
});

/** Requests made more than once (method and URL). */
function repeated(requests: readonly ProxiedRequest[]): string[] {
  const seen = new Map<string, number>();
  for (const r of requests) seen.set(`${r.method} ${r.url}`, (seen.get(`${r.method} ${r.url}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${n}× ${k}`);
}

for (const store of readdirSync(FIXTURES)) {
  for (const generation of readdirSync(join(FIXTURES, store))) {
    for (const where of ['local', 's3'] as const) {
      test(`${store} ${generation} from ${where}: migrated and verified`, async () => {
        const target = await withTempPostgres();
        const base = where === 'local' ? `file://${join(FIXTURES, store, generation)}` : `s3://${s3.bucket}/${store}/${generation}`;
        // Locality-aware backups: the default URI plus every other locality's URI.
        const locality = isLocalityGeneration(generation as Generation);
        const url = locality ? `${base}/default` : base;
        const { config } = resolveConfig({
          file: {
            source: { type: 'backup', url },
            test_postgresql_import: false,
            if_exists: 'drop',
            log_file: '',
            ...(where === 's3'
              ? {
                  aws_endpoint: proxy.endpoint,
                  aws_access_key_id: s3.accessKeyId,
                  aws_secret_access_key: s3.secretAccessKey,
                  aws_region: 'us-east-1',
                }
              : {}),
            ...(baseGeneration(generation as Generation) === 'encrypted' ? { encryption_passphrase: FIXTURE_PASSPHRASE } : {}),
            ...(locality
              ? { locality_urls: LOCALITIES.map((l) => `${base}/${l.dir}?COCKROACH_LOCALITY=${encodeURIComponent(l.kv)}`) }
              : {}),
            // Worker threads reopen the backup themselves: the same chain, read time, key and localities.
            ...(where === 's3' && THREADED.has(generation) ? { threads: 'on', jobs: 2 } : {}),
            // From folders, tables over ~400 bytes load in key-range parts (file spans of the chain).
            ...(where === 'local' ? { table_part_mb: 0.0002, jobs: 2 } : {}),
          },
          env: {},
        });
        const said: string[] = [];
        const asked = proxy.requests().length;
        const report = await migrate({
          config,
          logger: { ...silentLogger, info: (m) => void said.push(m) },
          target: testInstanceServer(target, 'target'),
        });
        assert.equal(report.error, undefined, report.error);
        assert.ok(report.tables.length > 0);
        if (where === 'local') split.push(...said.filter((m) => / loaded as \d+ parts$/.test(m)).map((m) => `${generation}: ${m}`));
        for (const t of report.tables)
          assert.equal(t.verification?.match, true, `${t.source}: ${t.verification?.differingKeys.join('; ')}`);
        for (const [table, rows] of Object.entries(EXPECTED[store] ?? {})) {
          assert.equal(report.tables.find((t) => t.source === table)?.verification?.targetRows, rows, table);
        }
        if (where === 's3' && THREADED.has(generation)) {
          // The workers open the chain from the manifests and listings the main thread read: no
          // request but for data files is made twice (once per worker, before).
          const twice = repeated(
            proxy
              .requests()
              .slice(asked)
              .filter((r) => !r.url.includes('/data/')),
          );
          assert.deepEqual(twice, [], 'asked more than once');
        }
      });
    }
  }
}

test('an encrypted backup without the passphrase is one clear line naming the object', async () => {
  const { config } = resolveConfig({
    file: { source: { type: 'backup', url: join(FIXTURES, 'emails-v2.1.4', 'encrypted') }, test_postgresql_import: false, log_file: '' },
    env: {},
  });
  const report = await migrate({ config, logger: silentLogger });
  assert.equal(report.verdict, 'failed');
  assert.match(report.error ?? '', /encrypt/i);
  assert.equal((report.error ?? '').includes('\n'), false);
});
