/**
 * Locality-aware backups (docs/formats.md §1.7) built around real store bytes by
 * scripts/make-backup-fixtures.ts: `default/` plus one folder per locality, for a full backup alone,
 * full + incrementals (BACKUP_MANIFEST), 23.1+ BACKUP_METADATA + filelist.sst, and passphrase
 * encryption; read from local folders and from a loopback S3 server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { toHex } from '../util/bytes.js';
import { startTestS3, type TestS3 } from '../storage/testing/s3-server.js';
import { readBackup, type ReadBackupOptions } from './read-backup.js';
import {
  baseGeneration,
  DEFAULT_LOCALITY_DIR,
  FIXTURE_PASSPHRASE,
  LOCALITIES,
  LOCALITY_GENERATIONS,
  sanitizeLocalityKV,
  type LocalityGeneration,
} from './testing/build-collection.js';
import { dumpTables } from './testing/compare.js';
import { BACKUP_FIXTURES_DIR, FIXTURE_STORES, listFiles, loadStoreTruths, type StoreTruth } from './testing/fixture-bed.js';

const [WEST, EU] = [LOCALITIES[0]!, LOCALITIES[1]!];
const STORES = FIXTURE_STORES;
const fixtures = BACKUP_FIXTURES_DIR;
let truth: Map<string, StoreTruth>;
let s3: TestS3;
let tmp: string;

before(async () => {
  truth = await loadStoreTruths();
  s3 = await startTestS3();
  for (const f of await listFiles(fixtures)) {
    if (/\/locality-[^/]+\//.test(f)) await s3.put(`fixtures/${relative(fixtures, f)}`, await readFile(f));
  }
  tmp = await mkdtemp(join(tmpdir(), 'locality-test-'));
});

after(async () => {
  for (const t of truth.values()) await t.src.close();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

type Backend = 'local' | 's3';
const s3Url = (path: string, locality: string): string =>
  `s3://${s3.bucket}/${path}?AWS_ACCESS_KEY_ID=${s3.accessKeyId}&AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}` +
  `&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}&COCKROACH_LOCALITY=${encodeURIComponent(locality)}`;

/** URI of one locality folder (`default` or a `LOCALITIES` dir) of a fixture root, tagged `kv`. */
function uri(backend: Backend, root: string, dir: string, kv: string): string {
  if (backend === 'local') return `file://${join(root, dir)}?COCKROACH_LOCALITY=${encodeURIComponent(kv)}`;
  return s3Url(`${root}/${dir}`, kv);
}

/** Roots: a local folder, or the S3 key prefix the fixtures were uploaded under. */
const rootOf = (backend: Backend, store: string, gen: string): string =>
  backend === 'local' ? join(fixtures, store, gen) : `fixtures/${store}/${gen}`;

function openOpts(backend: Backend, root: string, gen: LocalityGeneration, localities = LOCALITIES): ReadBackupOptions {
  return {
    localityUrls: localities.map((l) => uri(backend, root, l.dir, l.kv)),
    ...(baseGeneration(gen) === 'encrypted' ? { passphrase: FIXTURE_PASSPHRASE } : {}),
  };
}

const variants = (store: string): LocalityGeneration[] => LOCALITY_GENERATIONS.filter((g) => existsSync(join(fixtures, store, g)));
const partName = (i: number): string => `BACKUP_PART_${i + 1}_${sanitizeLocalityKV(LOCALITIES[i]!.kv)}`;

const oneLine =
  (...res: RegExp[]) =>
  (e: unknown): boolean => {
    const m = (e as Error).message;
    assert.doesNotMatch(m, /\n/);
    for (const re of res) assert.match(m, re);
    return true;
  };

test('every store has the incremental locality variants', () => {
  for (const store of Object.keys(STORES)) {
    for (const g of ['locality-incremental', 'locality-metadata-ssts', 'locality-encrypted'] as const)
      assert.ok(variants(store).includes(g), `${store}/${g}`);
  }
  assert.ok(variants('emails-v2.1.4').includes('locality-aware'));
});

for (const store of Object.keys(STORES)) {
  for (const gen of variants(store)) {
    for (const backend of ['local', 's3'] as const) {
      test(`${store} ${gen} (${backend}): same rows and descriptors as the store and the non-locality backup`, async () => {
        const tr = truth.get(store)!;
        const root = rootOf(backend, store, gen);
        const b = await readBackup(uri(backend, root, DEFAULT_LOCALITY_DIR, 'default'), openOpts(backend, root, gen));
        const plain = await readBackup(
          join(fixtures, store, baseGeneration(gen)),
          baseGeneration(gen) === 'encrypted' ? { passphrase: FIXTURE_PASSPHRASE } : {},
        );
        try {
          const end = tr.ends[tr.ends.length - 1]!;
          assert.equal(b.readAt.wallTime, end.wallTime);
          assert.equal(b.chain.length, gen === 'locality-aware' ? 1 : tr.ends.length);
          assert.equal(b.encrypted, baseGeneration(gen) === 'encrypted');
          const wantManifest = baseGeneration(gen) === 'manifest-gzip' ? 'BACKUP_MANIFEST' : 'BACKUP_METADATA';
          for (const [i, l] of b.allLayers.entries()) {
            assert.equal(l.manifestName, wantManifest);
            assert.deepEqual(
              l.manifest.partitionDescriptorFilenames,
              LOCALITIES.map((_, k) => partName(k)),
            );
            assert.deepEqual(
              l.manifest.localityKvs,
              LOCALITIES.map((x) => x.kv),
            );
            // The default manifest (or filelist.sst) lists every file with its locality_kv.
            const kvs = new Set(l.files.map((f) => f.localityKv));
            assert.ok(l.files.length === b.chain[i]!.files.length, 'partition descriptors add no unknown files');
            for (const f of l.files) assert.ok(f.localityKv === '' || LOCALITIES.some((x) => x.kv === f.localityKv), f.localityKv);
            if (i === 0)
              assert.ok(
                LOCALITIES.some((x) => kvs.has(x.kv)),
                'full backup has files in a locality',
              );
          }
          for (const x of LOCALITIES)
            assert.ok(
              b.chain.some((l) => l.files.some((f) => f.localityKv === x.kv)),
              `files in ${x.kv}`,
            );
          if (gen !== 'locality-aware') {
            assert.ok(
              b.chain.slice(1).some((l) => l.files.some((f) => f.localityKv !== '')),
              'an incremental layer has locality files',
            );
          }
          const want = await dumpTables(tr.src, tr.tableIds, end);
          const got = await dumpTables(b.source, tr.tableIds);
          assert.ok(want.length > 0);
          assert.deepEqual(got, want);
          assert.deepEqual(got, await dumpTables(plain.source, tr.tableIds));
          assert.ok(b.source.filesOpened > 0);
          assert.deepEqual(
            b.descriptors.map((d) => `${d.id}:${toHex(d.bytes)}`),
            plain.descriptors.map((d) => `${d.id}:${toHex(d.bytes)}`),
          );
        } finally {
          await b.close();
          await plain.close();
        }
      });
    }
  }
}

test('locality incrementals update and delete rows; every layer end time reads like the store', async () => {
  for (const store of Object.keys(STORES)) {
    const tr = truth.get(store)!;
    for (const gen of variants(store).filter((g) => g !== 'locality-aware')) {
      const root = rootOf('local', store, gen);
      const dflt = uri('local', root, DEFAULT_LOCALITY_DIR, 'default');
      const full = await readBackup(dflt, { ...openOpts('local', root, gen), fullOnly: true });
      const fullRows = await dumpTables(full.source, tr.tableIds);
      await full.close();
      const chain = await readBackup(dflt, openOpts('local', root, gen));
      const chainRows = await dumpTables(chain.source, tr.tableIds);
      await chain.close();
      const keyOf = (r: string): string => r.split(' @')[0]!;
      const fullKeys = new Map(fullRows.map((r) => [keyOf(r), r]));
      const chainKeys = new Map(chainRows.map((r) => [keyOf(r), r]));
      if (store === 'recipes-v2.1.0') {
        assert.ok(
          [...fullKeys.keys()].some((k) => !chainKeys.has(k)),
          `${gen}: an incremental deletes rows`,
        );
        assert.ok(
          [...fullKeys.keys()].some((k) => chainKeys.has(k) && chainKeys.get(k) !== fullKeys.get(k)),
          `${gen}: an incremental updates rows`,
        );
      }
      assert.notDeepEqual(chainRows, fullRows, `${gen}: incrementals change rows`);
      for (const [i, end] of tr.ends.entries()) {
        const b = await readBackup(dflt, { ...openOpts('local', root, gen), asOf: end });
        assert.equal(b.chain.length, i + 1);
        assert.deepEqual(await dumpTables(b.source, tr.tableIds), await dumpTables(tr.src, tr.tableIds, end), `${store} ${gen} @${i}`);
        await b.close();
      }
    }
  }
});

test('layout: partitions and data per locality at the layer path; encryption info only in the default full backup', async () => {
  for (const store of Object.keys(STORES)) {
    for (const gen of variants(store)) {
      const root = join(fixtures, store, gen);
      const files = (await listFiles(root)).map((f) => relative(root, f));
      const encrypted = baseGeneration(gen) === 'encrypted';
      for (const [i, l] of LOCALITIES.entries()) {
        const parts = files.filter((f) => f.endsWith(`/${partName(i)}`));
        assert.ok(parts.length > 0 && parts.every((f) => f.startsWith(`${l.dir}/`)), `${gen}: ${partName(i)} only under ${l.dir}/`);
        if (gen !== 'locality-aware')
          assert.ok(
            parts.some((f) => f.startsWith(`${l.dir}/incrementals/`)),
            `${gen}: incremental partition in ${l.dir}`,
          );
        for (const p of parts) {
          const head = (await readFile(join(root, p))).subarray(0, 7);
          // gzip then encrypt, as WriteBackupPartitionDescriptor does.
          assert.equal(encrypted ? head.toString('latin1') : toHex(head.subarray(0, 3)), encrypted ? 'encrypt' : '1f8b08');
        }
        for (const d of files.filter((f) => f.startsWith(`${l.dir}/`) && f.endsWith('.sst'))) {
          assert.equal((await readFile(join(root, d))).subarray(0, 7).toString('latin1') === 'encrypt', encrypted, d);
        }
        assert.ok(
          !files.some((f) => f.startsWith(`${l.dir}/`) && /BACKUP_MANIFEST|BACKUP_METADATA|LATEST|ENCRYPTION-INFO|filelist/.test(f)),
          `${gen}: no manifest in ${l.dir}`,
        );
      }
      const info = files.filter((f) => f.includes('ENCRYPTION-INFO'));
      assert.equal(info.length, encrypted ? 1 : 0);
      if (encrypted) assert.match(info[0]!, /^default\/\d{4}\/\d\d\/\d\d-\d{6}\.\d\d\/ENCRYPTION-INFO$/);
    }
  }
});

test('locality-encrypted without the passphrase is one clear line', async () => {
  const root = rootOf('local', 'recipes-v2.1.0', 'locality-encrypted');
  await assert.rejects(
    () =>
      readBackup(uri('local', root, DEFAULT_LOCALITY_DIR, 'default'), {
        localityUrls: openOpts('local', root, 'locality-encrypted').localityUrls!,
      }),
    oneLine(/encrypt/i),
  );
});

test('a locality URI given as a plain path with ?COCKROACH_LOCALITY= is one line saying a plain path has no query string, with the file:// URL to use', async () => {
  const root = rootOf('local', 'recipes-v2.1.0', 'locality-incremental');
  const plain = `${join(root, WEST.dir)}?COCKROACH_LOCALITY=${encodeURIComponent(WEST.kv)}`;
  await assert.rejects(
    () => readBackup(uri('local', root, DEFAULT_LOCALITY_DIR, 'default'), { localityUrls: [plain] }),
    oneLine(
      /has no COCKROACH_LOCALITY parameter; a plain path is read as written/,
      new RegExp(`file://${plain.replace(/[.?*+^$()|[\]\\]/g, '\\$&')}\\)$`),
    ),
  );
});

test('URIs tagged with the wrong localities still read: a locality is served by the URI holding its partition', async () => {
  const tr = truth.get('recipes-v2.1.0')!;
  const root = rootOf('local', 'recipes-v2.1.0', 'locality-metadata-ssts');
  const b = await readBackup(uri('local', root, DEFAULT_LOCALITY_DIR, 'default'), {
    localityUrls: [uri('local', root, WEST.dir, EU.kv), uri('local', root, EU.dir, WEST.kv)],
  });
  try {
    assert.deepEqual(await dumpTables(b.source, tr.tableIds), await dumpTables(tr.src, tr.tableIds, tr.ends[tr.ends.length - 1]));
  } finally {
    await b.close();
  }
});

for (const backend of ['local', 's3'] as const) {
  test(`a missing locality URI is one line naming the locality and the partition object (${backend})`, async () => {
    for (const [store, gen] of [
      ['emails-v2.1.4', 'locality-aware'],
      ['recipes-v2.1.0', 'locality-incremental'],
      ['recipes-v2.1.0', 'locality-encrypted'],
    ] as const) {
      const root = rootOf(backend, store, gen);
      await assert.rejects(
        () => readBackup(uri(backend, root, DEFAULT_LOCALITY_DIR, 'default'), openOpts(backend, root, gen, [WEST])),
        oneLine(
          new RegExp(
            `^locality ${EU.kv}: partition descriptor \\d{4}/\\d\\d/\\d\\d-\\d{6}\\.\\d\\d/${partName(1)} not found in any given URI \\(`,
          ),
          /COCKROACH_LOCALITY=region%3Deu-central/,
        ),
      );
    }
  });

  test(`a locality folder missing a data file is one line naming the locality and the object (${backend})`, async () => {
    const store = 'recipes-v2.1.0';
    for (const gen of ['locality-incremental', 'locality-encrypted'] as const) {
      const src = join(fixtures, store, gen);
      const victim = (await listFiles(join(src, WEST.dir)))
        .map((f) => relative(src, f))
        .find((f) => f.includes('/incrementals/') && f.endsWith('.sst'));
      assert.ok(victim, 'an incremental data file in the locality');
      let root: string;
      if (backend === 'local') {
        root = join(tmp, `${backend}-${gen}`);
        await cp(src, root, { recursive: true });
        await rm(join(root, victim));
      } else {
        root = `missing/${gen}`;
        for (const f of await listFiles(src))
          if (relative(src, f) !== victim) await s3.put(`${root}/${relative(src, f)}`, await readFile(f));
      }
      const esc = victim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await assert.rejects(
        () => readBackup(uri(backend, root, DEFAULT_LOCALITY_DIR, 'default'), openOpts(backend, root, gen)),
        oneLine(new RegExp(`data file \\S*${esc} \\(locality ${WEST.kv}\\) is missing`)),
      );
    }
  });
}
