import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { forwardingOpener, StorageServer } from './forwarded-storage.js';
import { openStorage } from './open-storage.js';
import type { Storage } from './storage.js';
import { startTestS3, type TestS3 } from './testing/s3-server.js';
import { startGcsEmulator, type TestGcs } from './testing/gcs-emulator.js';
import { isStorageError } from '../util/errors.js';

// The same cases run against a local folder, a real S3-protocol server (s3rver) and the Cloud
// Storage emulator of firebase-tools (installed on first use; skipped, saying why, when the npm
// registry is unreachable), all on 127.0.0.1.
const big = new Uint8Array(300_000).map((_, i) => (i * 7 + 3) & 0xff);
const files: Record<string, Uint8Array | string> = {
  'coll/LATEST': '/2024/05/01-120000.00',
  'coll/2024/05/01-120000.00/BACKUP_MANIFEST': 'manifest',
  'coll/2024/05/01-120000.00/data/1.sst': big,
  'coll/2024/05/01-120000.00/data/2.sst': 'two',
  'coll/2024/05/01-120000.00/20240501/130000.00/BACKUP_MANIFEST': 'inc',
  'coll/metadata/latest/LATEST-ab': 'x',
  'other/file': 'nope',
};

let s3: TestS3;
let gcs: TestGcs | undefined;
/** Listing page size of the emulator here: small, so paging is exercised without thousands of uploads. */
const PAGE = 40;
/** Why the GCS cases cannot run (no npm registry to install the emulator from). */
let gcsSkip: string | undefined;
/** Why the emulator could not start when the registry was there: the GCS cases fail with it. */
let gcsFailure: unknown;
let localRoot: string;
before(async () => {
  s3 = await startTestS3();
  localRoot = await mkdtemp(join(tmpdir(), 'storage-contract-'));
  // A broken emulator fails the GCS cases only, not the other backends' (see emulator()).
  const started = await startGcsEmulator({ pageSize: PAGE }).catch((e: unknown) => ({ failed: e }));
  if ('skip' in started) gcsSkip = started.skip;
  else if ('failed' in started) gcsFailure = started.failed;
  else gcs = started;
  for (const [k, v] of Object.entries(files)) {
    await mkdir(dirname(join(localRoot, k)), { recursive: true });
    await writeFile(join(localRoot, k), v);
    await s3.put(k, typeof v === 'string' ? v : v);
    await gcs?.put('backups', k, v);
  }
});
after(async () => {
  await s3?.stop();
  await gcs?.stop();
  if (localRoot) await rm(localRoot, { recursive: true, force: true });
});

/** The emulator, or a skip of the running test with the reason it is missing (a failure when it broke). */
function emulator(t: TestContext): TestGcs | undefined {
  if (gcsFailure !== undefined) throw gcsFailure;
  if (!gcs) t.skip(gcsSkip ?? 'GCS emulator not started');
  return gcs;
}

/** Runs `fn` with STORAGE_EMULATOR_HOST / GOOGLE_APPLICATION_CREDENTIALS as given (others unset). */
async function withGoogleEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  delete process.env.STORAGE_EMULATOR_HOST;
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

const backends: Array<[string, (t: TestContext) => Storage | undefined]> = [
  ['local', () => openStorage(join(localRoot, 'coll'))],
  ['file://', () => openStorage(`file://${join(localRoot, 'coll')}`)],
  [
    's3 (URL parameters)',
    () =>
      openStorage(
        `s3://${s3.bucket}/coll?AWS_ACCESS_KEY_ID=${s3.accessKeyId}&AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}&AWS_REGION=us-east-1`,
      ),
  ],
  [
    's3 (config keys)',
    () =>
      openStorage(`s3://${s3.bucket}/coll`, {
        awsAccessKeyId: s3.accessKeyId,
        awsSecretAccessKey: s3.secretAccessKey,
        endpoint: s3.endpoint,
      }),
  ],
  [
    "s3, its requests made by another thread (a load worker's storage, answered by the main thread)",
    () => {
      const url = `s3://${s3.bucket}/coll`;
      const opts = { awsAccessKeyId: s3.accessKeyId, awsSecretAccessKey: s3.secretAccessKey, endpoint: s3.endpoint };
      const served = openStorage(url, opts);
      const { port1, port2 } = new MessageChannel();
      new StorageServer(() => served).serve(port1);
      const st = forwardingOpener(port2, openStorage)(url, opts);
      return {
        ...st,
        close: async () => {
          await st.close();
          await served.close();
          port1.close();
        },
      };
    },
  ],
  [
    'gs:// with GCS_ENDPOINT (emulator, anonymous)',
    (t) => {
      const g = emulator(t);
      return g && openStorage(`gs://backups/coll?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}`);
    },
  ],
  [
    'gs:// with the gcsEndpoint option (host:port, as STORAGE_EMULATOR_HOST is often written)',
    (t) => {
      const g = emulator(t);
      return g && openStorage('gs://backups/coll/', { gcsEndpoint: g.endpoint.replace('http://', '') });
    },
  ],
];

for (const [name, openFor] of backends) {
  test(`${name}: list with prefix, recursive and delimited`, async (t) => {
    const st = openFor(t);
    if (!st) return;
    assert.deepEqual(await st.list('2024/05/01-120000.00/data/'), ['2024/05/01-120000.00/data/1.sst', '2024/05/01-120000.00/data/2.sst']);
    assert.deepEqual(await st.list('2024/05/01-120000.00/', { delimiter: 'data/' }), [
      '2024/05/01-120000.00/20240501/130000.00/BACKUP_MANIFEST',
      '2024/05/01-120000.00/BACKUP_MANIFEST',
      '2024/05/01-120000.00/data/',
    ]);
    assert.deepEqual(await st.list('metadata/latest/'), ['metadata/latest/LATEST-ab']);
    assert.deepEqual(await st.list('nothing-here/'), []);
    await st.close();
  });

  test(`${name}: ranged reads, size, exists, readAll, sub`, async (t) => {
    const st = openFor(t);
    if (!st) return;
    const r = st.reader('2024/05/01-120000.00/data/1.sst');
    assert.equal(await r.size(), big.length);
    assert.deepEqual(await r.read(100, 110), big.subarray(100, 110));
    assert.deepEqual(await r.read(big.length - 5, big.length), big.subarray(big.length - 5));
    assert.equal((await r.read(7, 7)).length, 0);
    assert.equal(await st.exists('LATEST'), true);
    assert.equal(await st.exists('NOPE'), false);
    assert.equal(Buffer.from(await st.readAll('LATEST')).toString(), '/2024/05/01-120000.00');
    const sub = st.sub('2024/05/01-120000.00');
    assert.equal(Buffer.from(await sub.readAll('data/2.sst')).toString(), 'two');
    assert.deepEqual(await sub.list('data/'), ['data/1.sst', 'data/2.sst']);
    await r.close?.();
    await st.close();
  });

  test(`${name}: a missing object gives one line naming it, without query string`, async (t) => {
    const st = openFor(t);
    if (!st) return;
    await assert.rejects(
      () => st.readAll('2024/05/01-120000.00/data/9.sst'),
      (e: unknown) => {
        assert.ok(isStorageError(e));
        const msg = (e as Error).message;
        assert.match(msg, /2024\/05\/01-120000\.00\/data\/9\.sst/);
        assert.doesNotMatch(msg, /S3RVER|AWS_SECRET|\?/);
        assert.doesNotMatch(msg, /\n/);
        return true;
      },
    );
    await assert.rejects(() => st.reader('data/none.sst').read(0, 4), /data\/none\.sst/);
    await st.close();
  });
}

test('gs://: STORAGE_EMULATOR_HOST alone points at the emulator, and no ambient Google key is read for it', async (t) => {
  const g = emulator(t);
  if (!g) return;
  // A key file that cannot be read would fail the open if it were used: with an emulator it is not.
  await withGoogleEnv(
    { STORAGE_EMULATOR_HOST: g.endpoint.replace('http://', ''), GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' },
    async () => {
      const st = openStorage('gs://backups/coll');
      assert.equal(Buffer.from(await st.readAll('LATEST')).toString(), '/2024/05/01-120000.00');
      await st.close();
      // GCS_ENDPOINT wins over the variable, and the API base (…/storage/v1/) is accepted for the root.
      const given = openStorage(`gs://backups/coll?GCS_ENDPOINT=${encodeURIComponent(`${g.endpoint}/storage/v1/`)}`);
      assert.deepEqual(await given.list('metadata/'), ['metadata/latest/LATEST-ab']);
    },
  );
});

test('gs://: a bucket that does not exist is named, with the fix, and is not taken for a missing object', async (t) => {
  const g = emulator(t);
  if (!g) return;
  const st = openStorage(`gs://no-such-bucket/coll?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}&BEARER_TOKEN=ya29.secret-token`);
  const oneLine = (e: unknown): boolean => {
    const msg = (e as Error).message;
    assert.ok(isStorageError(e), msg);
    assert.match(msg, /^gs:\/\/no-such-bucket\/coll(\/LATEST)?: bucket no-such-bucket does not exist \(HTTP 404\); check the bucket name/);
    assert.doesNotMatch(msg, /secret-token|\n/);
    return true;
  };
  await assert.rejects(() => st.list(''), oneLine);
  await assert.rejects(() => st.exists('LATEST'), oneLine);
  await assert.rejects(() => st.readAll('LATEST'), oneLine);
  await assert.rejects(() => st.reader('LATEST').read(0, 1), oneLine);
});

test('gs://: a bearer token sent to the endpoint never appears in errors', async (t) => {
  const g = emulator(t);
  if (!g) return;
  const st = openStorage(`gs://backups/coll?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}&BEARER_TOKEN=ya29.secret-token`);
  assert.equal(Buffer.from(await st.readAll('2024/05/01-120000.00/data/2.sst')).toString(), 'two');
  await assert.rejects(
    () => st.readAll('2024/05/01-120000.00/data/9.sst'),
    (e: unknown) => {
      const msg = (e as Error).message;
      assert.match(msg, /^gs:\/\/backups\/coll\/2024\/05\/01-120000\.00\/data\/9\.sst: no such object; /);
      assert.doesNotMatch(msg, /secret-token/);
      return true;
    },
  );
});

test('gs://: a token is never sent in clear text to another machine (http endpoint that is not loopback)', async () => {
  // 192.0.2.1 is TEST-NET-1: nothing answers there, so reaching it would time out instead.
  const st = openStorage('gs://backups/coll?GCS_ENDPOINT=http://192.0.2.1:9199&BEARER_TOKEN=ya29.secret-token');
  await assert.rejects(
    () => st.readAll('LATEST'),
    (e: unknown) => {
      const msg = (e as Error).message;
      assert.match(msg, /credentials would be sent in clear text to the GCS endpoint http:\/\/192\.0\.2\.1:9199/);
      assert.doesNotMatch(msg, /secret-token/);
      return true;
    },
  );
});

test('gs://: a listing of several pages is read to its end, delimited prefixes once', async (t) => {
  const g = emulator(t);
  if (!g) return;
  const names = Array.from({ length: 2 * PAGE + 5 }, (_, i) => `paged/data/${String(i).padStart(4, '0')}.sst`);
  await Promise.all(names.map((n) => g.put('backups', n, 'x')));
  await g.put('backups', 'paged/BACKUP_MANIFEST', 'm');
  const st = openStorage(`gs://backups/paged?GCS_ENDPOINT=${encodeURIComponent(g.endpoint)}`);
  const listed = await st.list('data/');
  assert.equal(listed.length, names.length);
  assert.deepEqual(
    listed,
    names.map((n) => n.slice('paged/'.length)),
  );
  assert.deepEqual(await st.list('', { delimiter: 'data/' }), ['BACKUP_MANIFEST', 'data/']);
});

test('gs://: a GCS_ENDPOINT that is not http(s) is a config error naming it', () => {
  assert.throws(
    () => openStorage('gs://backups/coll?GCS_ENDPOINT=ftp://127.0.0.1:1'),
    (e: unknown) => {
      assert.equal((e as Error).name, 'ConfigError');
      assert.match((e as Error).message, /^gs:\/\/backups\/coll: GCS endpoint ftp:\/\/127\.0\.0\.1:1 is not http\(s\)/);
      return true;
    },
  );
});

test('s3: missing credentials give one clear line naming the object', async () => {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  try {
    const st = openStorage(`s3://${s3.bucket}/coll?AUTH=implicit&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}`, {
      maxAttempts: 1,
    });
    await assert.rejects(
      () => st.readAll('LATEST'),
      (e: unknown) => {
        const msg = (e as Error).message;
        assert.ok(isStorageError(e), msg);
        assert.match(msg, /^s3:\/\/backups\/coll\/LATEST: no AWS credentials found; /);
        assert.doesNotMatch(msg, /\n/);
        return true;
      },
    );
    await st.close();
  } finally {
    process.env = saved;
  }
});

test('s3: a wrong secret and an unknown key are told apart, in one line each, without the secret', async () => {
  const oneLine =
    (re: RegExp) =>
    (e: unknown): boolean => {
      const msg = (e as Error).message;
      assert.ok(isStorageError(e), msg);
      assert.match(msg, re);
      assert.doesNotMatch(msg, /\n|wrong-secret-x9/);
      return true;
    };
  const wrongSecret = openStorage(`s3://${s3.bucket}/coll`, {
    awsAccessKeyId: s3.accessKeyId,
    awsSecretAccessKey: 'wrong-secret-x9',
    endpoint: s3.endpoint,
    maxAttempts: 1,
  });
  await assert.rejects(
    () => wrongSecret.readAll('LATEST'),
    oneLine(
      /^s3:\/\/backups\/coll\/LATEST: access denied: the secret key does not belong to the access key id \(SignatureDoesNotMatch\); check aws_access_key_id/,
    ),
  );
  await assert.rejects(() => wrongSecret.list(''), oneLine(/^s3:\/\/backups\/coll: access denied.*SignatureDoesNotMatch/));
  // A HEAD answer has no body to name the cause: the status is said.
  await assert.rejects(() => wrongSecret.exists('LATEST'), oneLine(/^s3:\/\/backups\/coll\/LATEST: access denied \(HTTP 403\)/));
  const unknownKey = openStorage(`s3://${s3.bucket}/coll`, {
    awsAccessKeyId: 'AKIDNOTKNOWNHERE',
    awsSecretAccessKey: 'wrong-secret-x9',
    endpoint: s3.endpoint,
    maxAttempts: 1,
  });
  await assert.rejects(
    () => unknownKey.reader('LATEST').read(0, 2),
    oneLine(/access denied: the access key id is not known to this endpoint \(InvalidAccessKeyId\)/),
  );
  await assert.rejects(
    () =>
      openStorage(`s3://no-such-bucket-x/coll`, {
        awsAccessKeyId: s3.accessKeyId,
        awsSecretAccessKey: s3.secretAccessKey,
        endpoint: s3.endpoint,
      }).readAll('LATEST'),
    oneLine(/^s3:\/\/no-such-bucket-x\/coll\/LATEST: no such bucket; check the bucket name and region$/),
  );
});

test('s3: keys with spaces, plus, equals, ampersand, parentheses and non-ASCII are listed and read as stored (signed requests)', async () => {
  const names = ['odd/a b+c=d&e(1)*!.sst', 'odd/ünï cødé/~x.sst', 'odd/quote\'"<>.sst'];
  for (const [i, n] of names.entries()) await s3.put(`coll/${n}`, `v${i}`);
  const st = openStorage(`s3://${s3.bucket}/coll`, {
    awsAccessKeyId: s3.accessKeyId,
    awsSecretAccessKey: s3.secretAccessKey,
    endpoint: s3.endpoint,
  });
  assert.deepEqual(
    await st.list('odd/'),
    [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
  );
  for (const [i, n] of names.entries()) {
    assert.equal(Buffer.from(await st.readAll(n)).toString(), `v${i}`);
    assert.equal(await st.exists(n), true);
    assert.equal(await st.reader(n).size(), 2);
  }
  assert.deepEqual(await st.sub('odd').list('ünï cødé/'), ['ünï cødé/~x.sst']);
  await st.close();
});

test('s3: half a key pair in the URL is a config error naming the parameter, not the secret', () => {
  assert.throws(
    () => openStorage(`s3://${s3.bucket}/coll?AWS_ACCESS_KEY_ID=AKIAEXAMPLE`),
    (e: unknown) => {
      const msg = (e as Error).message;
      assert.equal((e as Error).name, 'ConfigError');
      assert.match(msg, /^s3:\/\/backups\/coll: AWS_SECRET_ACCESS_KEY is missing from the URL/);
      assert.doesNotMatch(msg, /AKIAEXAMPLE/);
      return true;
    },
  );
});

test('s3: aws_keys_file with export AWS_ACCESS_KEY lines', async () => {
  const f = join(localRoot, 'keys.sh');
  await writeFile(f, `# keys\nexport AWS_ACCESS_KEY=${s3.accessKeyId}\nexport AWS_SECRET_KEY="${s3.secretAccessKey}"\n`);
  const st = openStorage(`s3://${s3.bucket}/coll`, { awsKeysFile: f, endpoint: s3.endpoint });
  assert.equal(Buffer.from(await st.readAll('2024/05/01-120000.00/data/2.sst')).toString(), 'two');
  await st.close();
});

test('http(s): ranged reads, and retries with backoff on 503', async () => {
  let failures = 2;
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (failures > 0) {
      failures--;
      res.writeHead(503).end('busy');
      return;
    }
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (req.url !== '/b/data/1.sst') return void res.writeHead(404).end();
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': big.length }).end();
    if (!m) return void res.writeHead(200).end(Buffer.from(big));
    const s = Number(m[1]);
    const e = Number(m[2]) + 1;
    res.writeHead(206, { 'content-range': `bytes ${s}-${e - 1}/${big.length}` }).end(Buffer.from(big.subarray(s, e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const st = openStorage(`http://127.0.0.1:${port}/b`, { retryBaseMs: 5 });
    const r = st.reader('data/1.sst');
    assert.deepEqual(await r.read(1000, 1016), big.subarray(1000, 1016));
    assert.equal(hits, 3);
    assert.equal(await r.size(), big.length);
    assert.equal(await st.exists('data/2.sst'), false);
    await assert.rejects(() => st.readAll('data/2.sst'), /127\.0\.0\.1:\d+\/b\/data\/2\.sst: no such object/);
  } finally {
    server.close();
  }
});
