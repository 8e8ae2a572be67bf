import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { toHex } from '../util/bytes.js';
import { startTestS3, type TestS3 } from '../storage/testing/s3-server.js';
import { openStorage } from '../storage/open-storage.js';
import type { ListOptions, Storage } from '../storage/storage.js';
import { readBackup, type ReadBackupOptions } from './read-backup.js';
import { FIXTURE_PASSPHRASE, GENERATIONS, type Generation } from './testing/build-collection.js';
import { dumpTables } from './testing/compare.js';
import { BACKUP_FIXTURES_DIR, FIXTURE_STORES, listFiles, loadStoreTruths, type StoreTruth } from './testing/fixture-bed.js';
import { encodeEncryptionInfo } from './testing/proto-writer.js';

const STORES = FIXTURE_STORES;
const fixtures = BACKUP_FIXTURES_DIR;
let truth: Map<string, StoreTruth>;
let s3: TestS3;
let tmp: string;

before(async () => {
  truth = await loadStoreTruths();
  s3 = await startTestS3();
  for (const f of await listFiles(fixtures)) await s3.put(`fixtures/${relative(fixtures, f)}`, await readFile(f));
  tmp = await mkdtemp(join(tmpdir(), 'backup-test-'));
});

after(async () => {
  for (const t of truth.values()) await t.src.close();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const s3Url = (path: string): string =>
  `s3://${s3.bucket}/${path}?AWS_ACCESS_KEY_ID=${s3.accessKeyId}&AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}`;

const optsFor = (gen: Generation): ReadBackupOptions => (gen === 'encrypted' ? { passphrase: FIXTURE_PASSPHRASE } : {});

for (const name of Object.keys(STORES)) {
  for (const gen of GENERATIONS) {
    for (const backend of ['local', 's3'] as const) {
      test(`${name} ${gen} (${backend}): same rows and descriptors as the store`, async () => {
        const t = truth.get(name)!;
        const url = backend === 'local' ? join(fixtures, name, gen) : s3Url(`fixtures/${name}/${gen}`);
        const b = await readBackup(url, optsFor(gen));
        try {
          const end = t.ends[t.ends.length - 1]!;
          assert.equal(b.readAt.wallTime, end.wallTime);
          const expectLayers = gen === 'revision-history' || gen === 'elided-prefix' ? 1 : t.ends.length;
          assert.equal(b.chain.length, expectLayers);
          assert.equal(b.encrypted, gen === 'encrypted');
          const want = await dumpTables(t.src, t.tableIds, end);
          const got = await dumpTables(b.source, t.tableIds);
          assert.ok(want.length > 0);
          assert.deepEqual(got, want);
          assert.deepEqual(
            b.descriptors.map((d) => `${d.id}:${toHex(d.bytes)}`),
            t.ex.descriptors.map((d) => `${d.id}:${toHex(d.bytes)}`).sort((x, y) => Number(x.split(':')[0]) - Number(y.split(':')[0])),
          );
        } finally {
          await b.close();
        }
      });
    }
  }
}

test('recipes: incrementals that update and delete rows are applied; each layer end time reads like the store', async () => {
  const t = truth.get('recipes-v2.1.0')!;
  const dir = join(fixtures, 'recipes-v2.1.0', 'manifest-gzip');
  const full = await readBackup(dir, { fullOnly: true });
  const fullRows = await dumpTables(full.source, t.tableIds);
  assert.deepEqual(fullRows, await dumpTables(t.src, t.tableIds, t.ends[0]));
  await full.close();
  const chain = await readBackup(dir);
  const chainRows = await dumpTables(chain.source, t.tableIds);
  await chain.close();
  const keyOf = (r: string): string => r.split(' @')[0]!;
  const fullKeys = new Map(fullRows.map((r) => [keyOf(r), r]));
  const chainKeys = new Map(chainRows.map((r) => [keyOf(r), r]));
  const deleted = [...fullKeys.keys()].filter((k) => !chainKeys.has(k));
  const updated = [...fullKeys.keys()].filter((k) => chainKeys.has(k) && chainKeys.get(k) !== fullKeys.get(k));
  assert.ok(deleted.length > 0, 'fixture must delete rows in an incremental');
  assert.ok(updated.length > 0, 'fixture must update rows in an incremental');
  for (const [i, end] of t.ends.entries()) {
    const b = await readBackup(dir, { asOf: end });
    assert.equal(b.chain.length, i + 1);
    assert.deepEqual(await dumpTables(b.source, t.tableIds), await dumpTables(t.src, t.tableIds, end));
    await b.close();
  }
});

test('revision history: --as-of inside the layer reads the versions of that time', async () => {
  const t = truth.get('recipes-v2.1.0')!;
  const ts = t.ex.timestamps;
  let checked = 0;
  for (const at of [ts[3]!, ts[Math.floor(ts.length / 2)]!, ts[ts.length - 2]!]) {
    const b = await readBackup(join(fixtures, 'recipes-v2.1.0', 'revision-history'), { asOf: at });
    const want = await dumpTables(t.src, t.tableIds, at);
    assert.deepEqual(await dumpTables(b.source, t.tableIds), want);
    checked += want.length;
    await b.close();
  }
  assert.ok(checked > 0);
  await assert.rejects(
    () => readBackup(join(fixtures, 'recipes-v2.1.0', 'manifest-gzip'), { asOf: ts[Math.floor(ts.length / 2)]! }),
    /falls inside backup layer .* which has no revision history; choose one of the layer end times/,
  );
});

test('an explicit subfolder picks that full backup', async () => {
  const t = truth.get('emails-v2.1.4')!;
  const dir = join(fixtures, 'emails-v2.1.4', 'metadata-ssts');
  const sub = (await readdir(join(dir, '2019', '04'))).find((d) => /-/.test(d))!;
  const b = await readBackup(dir, { subdir: `/2019/04/${sub}` });
  assert.equal(b.fullDir, `2019/04/${sub}`);
  assert.deepEqual(await dumpTables(b.source, t.tableIds), await dumpTables(t.src, t.tableIds, t.ends[t.ends.length - 1]));
  await b.close();
});

const oneLine =
  (re: RegExp) =>
  (e: unknown): boolean => {
    const m = (e as Error).message;
    assert.match(m, re);
    assert.doesNotMatch(m, /\n/);
    return true;
  };

test('wrong passphrase, or none, is one clear line naming the manifest', async () => {
  const dir = join(fixtures, 'emails-v2.1.4', 'encrypted');
  await assert.rejects(() => readBackup(dir, { passphrase: 'wrong' }), oneLine(/BACKUP_METADATA: wrong encryption passphrase/));
  await assert.rejects(() => readBackup(dir), oneLine(/encrypted with a passphrase; pass it with --encryption-passphrase/));
  await assert.rejects(
    () => readBackup(s3Url('fixtures/emails-v2.1.4/encrypted'), { passphrase: 'wrong' }),
    oneLine(/^s3:\/\/backups\/fixtures\/emails-v2\.1\.4\/encrypted\/\d{4}\/.*BACKUP_METADATA: wrong encryption passphrase/),
  );
});

test('KMS-encrypted backup says what is needed', async () => {
  const dir = join(tmp, 'kms');
  await cp(join(fixtures, 'emails-v2.1.4', 'encrypted'), dir, { recursive: true });
  const info = (await listFiles(dir)).find((f) => f.endsWith('ENCRYPTION-INFO'))!;
  await writeFile(
    info,
    encodeEncryptionInfo(new Uint8Array(0), [{ keyIdHash: new Uint8Array(32).fill(0xab), encryptedKey: Uint8Array.of(1, 2, 3) }]),
  );
  await assert.rejects(() => readBackup(dir), oneLine(/encrypted with KMS .*decrypt the data key with your KMS/));
});

test('a missing data file is one line naming the object', async () => {
  const dir = join(tmp, 'missing');
  await cp(join(fixtures, 'emails-v2.1.4', 'manifest-gzip'), dir, { recursive: true });
  const victim = (await listFiles(dir)).find((f) => /data\/1\.sst$/.test(f))!;
  await rm(victim);
  // Found when the backup is opened, before any row is read; the opt-in reads the rest.
  await assert.rejects(
    () => readBackup(dir),
    oneLine(/data file .*data\/1\.sst is missing: .*BACKUP_MANIFEST lists it, .*set allow_missing_files: true/),
  );
  const b = await readBackup(dir, { allowMissingFiles: true });
  assert.deepEqual(
    b.missingFiles.map((f) => f.endsWith('data/1.sst')),
    [true],
  );
  const t = truth.get('emails-v2.1.4')!;
  const rows = await dumpTables(b.source, t.tableIds);
  await b.close();

  // Reopened as a load worker does, with what the first open found: the same files are left out,
  // the same rows read, and no data folder is listed again.
  const listed: string[] = [];
  const local = openStorage(dir, {});
  const counting: Storage = new Proxy(local, {
    get: (target, prop, receiver) =>
      prop === 'list'
        ? (prefix: string, o?: ListOptions) => {
            // The incrementals are found by a listing with delimiter `data/`; files by one without.
            if (!o?.delimiter) listed.push(prefix);
            return target.list(prefix, o);
          }
        : Reflect.get(target, prop, receiver),
  });
  const again = await readBackup(dir, { allowMissingFiles: true, knownMissingFiles: b.missingFiles, storage: counting });
  try {
    assert.deepEqual(again.missingFiles, b.missingFiles);
    assert.deepEqual(await dumpTables(again.source, t.tableIds), rows);
    const layerDirs = again.chain.map((l) => (l.dir === '' ? '' : `${l.dir}/`));
    assert.deepEqual(
      listed.filter((p) => layerDirs.includes(p)),
      [],
      `no layer folder listed for absent files: ${listed.join(', ')}`,
    );
  } finally {
    await again.close();
    await local.close();
  }
});

test('a manifest checksum mismatch is one line naming the manifest', async () => {
  const dir = join(tmp, 'checksum');
  await cp(join(fixtures, 'emails-v2.1.4', 'manifest-gzip'), dir, { recursive: true });
  const m = (await listFiles(dir)).find((f) => /\/2019\/04\/[^/]+\/BACKUP_MANIFEST$/.test(f))!;
  const bytes = await readFile(m);
  bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
  await writeFile(m, bytes);
  await assert.rejects(() => readBackup(dir), oneLine(/backup: checksum mismatch .* in .*BACKUP_MANIFEST; the manifest is damaged/));
  assert.ok((await stat(m)).size > 0);
});

test('missing S3 credentials are one line naming the object', async () => {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  try {
    await assert.rejects(
      () =>
        readBackup(`s3://${s3.bucket}/fixtures/emails-v2.1.4/manifest-gzip?AUTH=implicit&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}`, {
          maxAttempts: 1,
        }),
      oneLine(/^s3:\/\/backups\/fixtures\/emails-v2\.1\.4\/manifest-gzip\/\S+: no AWS credentials found; /),
    );
  } finally {
    process.env = saved;
  }
});

test('pre-22.1 incrementals inside the full backup folder are found too; both locations at once is refused', async () => {
  const t = truth.get('recipes-v2.1.0')!;
  const dir = join(tmp, 'old-inc');
  await cp(join(fixtures, 'recipes-v2.1.0', 'manifest-gzip'), dir, { recursive: true });
  const sub = (await readFile(join(dir, 'LATEST'), 'utf8')).replace(/^\//, '');
  const incRoot = join(dir, 'incrementals', sub);
  const days = await readdir(incRoot);
  for (const d of days) await cp(join(incRoot, d), join(dir, sub, d), { recursive: true });
  await assert.rejects(() => readBackup(dir), /exist both in/);
  await rm(join(dir, 'incrementals'), { recursive: true });
  const b = await readBackup(dir);
  assert.equal(b.chain.length, t.ends.length);
  assert.deepEqual(await dumpTables(b.source, t.tableIds), await dumpTables(t.src, t.tableIds, t.ends[t.ends.length - 1]));
  await b.close();
});
