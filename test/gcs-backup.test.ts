/**
 * End to end over Google Cloud Storage: real BACKUPs CockroachDB wrote (../shared/fixtures/crdb-backups)
 * uploaded to the Cloud Storage emulator of firebase-tools, read through `gs://` and migrated into a
 * real PostgreSQL, every table verified identical. The emulator is installed on first use
 * (src/storage/testing/gcs-emulator.ts); without an npm registry these tests are skipped, saying so.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config/load-config.js';
import { migrate } from '../src/pipeline/migrate.js';
import { testInstanceServer } from '../src/pipeline/pg-target.js';
import { startGcsEmulator, type TestGcs } from '../src/storage/testing/gcs-emulator.js';
import { silentLogger } from '../src/util/logger.js';
import { withTempPostgres } from './support/pg.js';

const ROOT = fileURLToPath(new URL('../../shared/fixtures/crdb-backups/', import.meta.url));
const BUCKET = 'crdb-backups';
const FIXTURES = ['cluster-v20.1.7/backup', 'exports-v19.1.4/backup'];

let gcs: TestGcs | undefined;
let skip: string | undefined;
before(async () => {
  const started = await startGcsEmulator();
  if ('skip' in started) {
    skip = started.skip;
    return;
  }
  gcs = started;
  for (const f of FIXTURES) await gcs.uploadFolder(BUCKET, f, join(ROOT, f));
});
after(async () => {
  await gcs?.stop();
});

function emulator(t: TestContext): TestGcs | undefined {
  if (!gcs) t.skip(skip ?? 'GCS emulator not started');
  return gcs;
}

type Report = Awaited<ReturnType<typeof migrate>>;

async function run(file: Record<string, unknown>): Promise<Report> {
  const server = await withTempPostgres();
  const { config } = resolveConfig({ file: { test_postgresql_import: false, if_exists: 'drop', log_file: '', ...file }, env: {} });
  return migrate({ config, logger: silentLogger, target: testInstanceServer(server, 'target') });
}

function assertVerified(report: Report): void {
  assert.equal(report.error, undefined, report.error);
  for (const t of report.tables) assert.equal(t.verification?.match, true, `${t.source}: ${t.verification?.differingKeys.join('; ')}`);
}

const rowsOf = (r: Report): Record<string, bigint | undefined> =>
  Object.fromEntries(r.tables.map((t) => [t.source, t.verification?.targetRows]));

async function query(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client((await withTempPostgres()).clientConfig(db));
  await c.connect();
  try {
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

test('v20.1.7 full-cluster backup from gs:// (GCS_ENDPOINT in the URL): migrated, verified, comments kept', async (t) => {
  const g = emulator(t);
  if (!g) return;
  const url = `gs://${BUCKET}/cluster-v20.1.7/backup?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}`;
  const report = await run({ source: { type: 'backup', url } });
  assertVerified(report);
  assert.deepEqual(rowsOf(report), { 'data.public.bank': 1n });
  assert.deepEqual(await query('data', 'SELECT a FROM bank'), [{ a: '1' }]);
  assert.deepEqual(await query('data', "SELECT obj_description('public.bank'::regclass, 'pg_class') AS c"), [
    { c: 'table comment string' },
  ]);
});

test('v19.1.4 database backup from gs:// with the gcs_endpoint config key: t1…t4 migrated and verified', async (t) => {
  const g = emulator(t);
  if (!g) return;
  const report = await run({ source: { type: 'backup', url: `gs://${BUCKET}/exports-v19.1.4/backup` }, gcs_endpoint: g.endpoint });
  assertVerified(report);
  assert.deepEqual(rowsOf(report), { 'test.public.t1': 3n, 'test.public.t2': 3n, 'test.public.t3': 3n, 'test.public.t4': 3n });
});

test('a wrong bucket stops the migration with one line naming the bucket and the fix', async (t) => {
  const g = emulator(t);
  if (!g) return;
  const report = await run({
    source: { type: 'backup', url: `gs://crdb-backupz/exports-v19.1.4/backup?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}` },
  });
  const msg = report.error ?? '';
  assert.match(
    msg,
    /gs:\/\/crdb-backupz\/exports-v19\.1\.4\/backup\S*: bucket crdb-backupz does not exist \(HTTP 404\); check the bucket name/,
  );
  assert.doesNotMatch(msg, /\n|GCS_ENDPOINT=/);
  assert.equal(report.tables.length, 0);
});
