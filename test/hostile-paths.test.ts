import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readBackup } from '../src/backup/read-backup.js';
import { isStorageError } from '../src/util/errors.js';
import { confinePath, MAX_PATH_BYTES } from '../src/storage/confine-path.js';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { startAzurite, type TestAzurite } from '../src/storage/testing/azurite-server.js';
import { startTestS3, type TestS3 } from '../src/storage/testing/s3-server.js';

// Paths read from a backup (LATEST, manifests) are hostile input: on every backend they must stay
// below the storage root. Each backend here is a real server on 127.0.0.1 (s3rver, Azurite, a
// node:http file server) or a real folder; the secret lies just outside the root.
const SECRET = 'secret bytes outside the backup';
const files: Record<string, string> = {
  'coll/LATEST': '/2024/05/01-120000.00',
  'coll/2024/05/01-120000.00/BACKUP_MANIFEST': 'manifest',
  'outside/secret': SECRET,
};

/** Escapes that every backend must refuse, relative to `coll/`. */
const ESCAPES = [
  '../outside/secret',
  '2024/../../outside/secret',
  '%2e%2e/outside/secret',
  '%252e%252E/outside/secret',
  '..%2foutside/secret',
  '..\\outside\\secret',
  '/outside/secret',
  'a//../outside/secret',
];

const refused = (e: unknown): boolean => {
  const msg = (e as Error).message;
  assert.ok(isStorageError(e), `${(e as Error).name}: ${msg}`);
  assert.match(msg, /refused path/);
  assert.doesNotMatch(msg, /\n/);
  assert.ok(!msg.includes(SECRET), msg);
  return true;
};

async function assertConfined(st: Storage): Promise<void> {
  // The sound path still works.
  assert.equal(new TextDecoder().decode(await st.readAll('LATEST')), files['coll/LATEST']);
  for (const p of ESCAPES) {
    await assert.rejects(async () => st.readAll(p), refused, `readAll ${p}`);
    await assert.rejects(async () => st.exists(p), refused, `exists ${p}`);
    await assert.rejects(async () => st.reader(p).read(0, 4), refused, `reader ${p}`);
    await assert.rejects(async () => st.sub(p.replace(/secret$/, '')).readAll('secret'), refused, `sub ${p}`);
    await assert.rejects(async () => st.sub('2024').readAll(p), refused, `sub(2024).readAll ${p}`);
  }
  await assert.rejects(async () => st.list('../outside/'), refused);
}

let s3: TestS3;
let az: TestAzurite;
let http: Server;
let httpOrigin: string;
let localRoot: string;
before(async () => {
  [s3, az] = await Promise.all([startTestS3(), startAzurite()]);
  localRoot = await mkdtemp(join(tmpdir(), 'hostile-paths-'));
  await az.createContainer('backups');
  await az.createContainer('other');
  await az.put('other', 'secret', SECRET);
  for (const [k, v] of Object.entries(files)) {
    await mkdir(dirname(join(localRoot, k)), { recursive: true });
    await writeFile(join(localRoot, k), v);
    await s3.put(k, v);
    await az.put('backups', k, v);
  }
  // A plain file server: serves the request path as given (fetch has already resolved any `..`).
  http = createServer((req, res) => {
    const body = files[decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1)];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpOrigin = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
});
after(async () => {
  await Promise.all([s3?.stop(), az?.stop(), new Promise((r) => http?.close(r))]);
  if (localRoot) await rm(localRoot, { recursive: true, force: true });
});

test('confinePath: normalises sound paths, refuses every escape with one printable line', () => {
  assert.equal(confinePath('r', ''), '');
  assert.equal(confinePath('r', 'a/./b.sst'), 'a/b.sst');
  assert.equal(confinePath('r', 'data/', { prefix: true }), 'data/');
  assert.equal(confinePath('r', 'names/a b+c%d.txt'), 'names/a b+c%d.txt');
  for (const p of [...ESCAPES, 'a\u0000b', 'C:/x', 'a\ufffdb', 'x'.repeat(MAX_PATH_BYTES + 1), 'data/']) {
    assert.throws(() => confinePath('r', p), refused, JSON.stringify(p).slice(0, 40));
  }
  // Bytes from a file never reach the message raw, and a long path is cut.
  assert.throws(
    () => confinePath('r', `../\u0007\u001b[31m${'y'.repeat(5000)}`),
    (e: unknown) => {
      const msg = (e as Error).message;
      // eslint-disable-next-line no-control-regex -- the message must carry no raw control characters
      assert.ok(!/[\u0000-\u001f]/.test(msg), msg);
      assert.match(msg, /\\x07\\x1b\[31m/);
      assert.ok(msg.length < 600, `message of ${msg.length} characters`);
      return true;
    },
  );
});

test('local folder: `..` is refused', async () => {
  await assertConfined(openStorage(join(localRoot, 'coll')));
});

test('local folder: a symbolic link leading out of the backup is refused; one inside is followed', async () => {
  const coll = join(localRoot, 'links');
  await mkdir(join(coll, 'data'), { recursive: true });
  await writeFile(join(coll, 'data', 'real.sst'), 'inside');
  await symlink(join(localRoot, 'outside', 'secret'), join(coll, 'data', '1.sst'));
  await symlink(join(localRoot, 'outside'), join(coll, 'out-dir'));
  await symlink('real.sst', join(coll, 'data', 'alias.sst'));
  const st = openStorage(coll);
  const out = (e: unknown): boolean => {
    const msg = (e as Error).message;
    assert.ok(isStorageError(e), msg);
    assert.match(msg, /symbolic link leading out of the backup folder/);
    assert.ok(!msg.includes(SECRET), msg);
    return true;
  };
  await assert.rejects(() => st.readAll('data/1.sst'), out);
  await assert.rejects(() => st.reader('data/1.sst').read(0, 4), out);
  await assert.rejects(() => st.exists('data/1.sst'), out);
  await assert.rejects(() => st.readAll('out-dir/secret'), out);
  await assert.rejects(() => st.sub('out-dir').readAll('secret'), out);
  await assert.rejects(() => st.list('out-dir/'), out);
  assert.equal(new TextDecoder().decode(await st.readAll('data/alias.sst')), 'inside');
});

test('s3 (s3rver): `..` and encoded forms are refused instead of reaching another prefix', async () => {
  const st = openStorage(`s3://${s3.bucket}/coll`, {
    awsAccessKeyId: s3.accessKeyId,
    awsSecretAccessKey: s3.secretAccessKey,
    endpoint: s3.endpoint,
    maxAttempts: 1,
  });
  try {
    await assertConfined(st);
  } finally {
    await st.close();
  }
});

test('azure (Azurite): `..` cannot reach another container with the same key', async () => {
  const enc = encodeURIComponent;
  const st = openStorage(
    `azure://backups/coll?AZURE_ACCOUNT_NAME=${az.account}&AZURE_ACCOUNT_KEY=${enc(az.key)}&AZURE_ENDPOINT=${enc(az.endpoint)}`,
    { maxAttempts: 1 },
  );
  await assertConfined(st);
  await assert.rejects(() => st.readAll('../../other/secret'), refused);
});

test('http (loopback server): `..` is refused before a URL is built', async () => {
  const st = openStorage(`${httpOrigin}/coll`, { maxAttempts: 1 });
  await assertConfined(st);
});

test('a LATEST naming a folder outside the collection, or holding binary junk, stops with one printable line', async () => {
  await s3.put('evil/LATEST', '/../outside');
  await s3.put('junk/LATEST', Uint8Array.from([0, 7, 0x1b, 0x5b, 0x32, 0x4a, ...new Array<number>(3000).fill(0xff)]));
  const url = (coll: string): string =>
    `s3://${s3.bucket}/${coll}?AWS_ACCESS_KEY_ID=${s3.accessKeyId}&AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}`;
  await assert.rejects(() => readBackup(url('evil'), { maxAttempts: 1 }), refused);
  await assert.rejects(
    () => readBackup(url('junk'), { maxAttempts: 1 }),
    (e: unknown) => {
      refused(e);
      const msg = (e as Error).message;
      // eslint-disable-next-line no-control-regex -- the message must carry no raw control characters
      assert.ok(!/[\u0000-\u001f\u007f-\u00ff]/.test(msg), msg);
      assert.ok(msg.length < 700, `message of ${msg.length} characters`);
      return true;
    },
  );
});
