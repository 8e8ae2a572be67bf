import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { readBackup } from '../src/backup/read-backup.js';
import { resolveConfig } from '../src/config/load-config.js';
import { backupOptions } from '../src/source/backup.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../src/storage/azure-config.js';
import { openStorage } from '../src/storage/open-storage.js';
import { isStorageError } from '../src/util/errors.js';

// Endpoints that accept the TCP connection and then never answer (or stop inside the body) used to
// hang a run for more than five minutes without a word. Every backend must give up after the idle
// timeout, retry a bounded number of times, and stop with one line naming the endpoint, the
// timeout and its config key. The timeouts are short here; the test waits for the error itself.

/** A loopback server that accepts connections and reads requests but never writes a byte. */
let silent: Server;
let silentAddr: string;
let silentConnections = 0;
/** A loopback HTTP server that sends headers and 10 of 100 body bytes, then stalls. */
let stalling: Server;
let stallingAddr: string;
const sockets: Socket[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

before(async () => {
  silent = createServer((s) => {
    silentConnections++;
    sockets.push(s);
    s.resume();
  });
  silentAddr = await listen(silent);
  stalling = createServer((s) => {
    sockets.push(s);
    s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789'));
  });
  stallingAddr = await listen(stalling);
});
after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([new Promise((r) => silent.close(r)), new Promise((r) => stalling.close(r))]);
});

const timedOut =
  (endpoint: () => string, attempts: number) =>
  (e: unknown): boolean => {
    const msg = (e as Error).message;
    assert.ok(isStorageError(e), `${(e as Error).name}: ${msg}`);
    assert.doesNotMatch(msg, /\n/);
    assert.ok(msg.includes(endpoint()), `endpoint ${endpoint()} missing: ${msg}`);
    assert.match(msg, /stopped answering: no byte received for 0\.2 s \(storage_idle_timeout_seconds/);
    assert.match(msg, new RegExp(`${attempts} attempts`));
    assert.match(msg, /raise storage_idle_timeout_seconds/);
    return true;
  };

const fast = { idleTimeoutMs: 200, connectTimeoutMs: 1000, maxAttempts: 2, retryBaseMs: 1 };

test('http: an endpoint that never answers fails after the idle timeout and bounded retries', async () => {
  const before = silentConnections;
  const st = openStorage(`http://${silentAddr}/coll`, fast);
  await assert.rejects(
    () => st.readAll('LATEST'),
    timedOut(() => silentAddr, 2),
  );
  assert.equal(silentConnections - before, 2, 'one connection per attempt');
  await assert.rejects(
    () => st.reader('data/1.sst').read(0, 10),
    timedOut(() => silentAddr, 2),
  );
});

test('http: an answer that stops inside the body fails after the idle timeout', async () => {
  const st = openStorage(`http://${stallingAddr}/coll`, fast);
  await assert.rejects(
    () => st.readAll('LATEST'),
    timedOut(() => stallingAddr, 2),
  );
});

test('azure: an AZURE_ENDPOINT that never answers fails after the idle timeout', async () => {
  const st = openStorage(
    `azure://backups/coll?AZURE_ACCOUNT_NAME=${AZURITE_ACCOUNT}&AZURE_ACCOUNT_KEY=${encodeURIComponent(AZURITE_KEY)}&AZURE_ENDPOINT=${encodeURIComponent(`http://${silentAddr}/${AZURITE_ACCOUNT}`)}`,
    fast,
  );
  await assert.rejects(
    () => st.readAll('LATEST'),
    timedOut(() => silentAddr, 2),
  );
  await assert.rejects(
    () => st.list('2024/'),
    timedOut(() => silentAddr, 2),
  );
});

test('s3 (through the config keys): an endpoint that never answers fails after the idle timeout', async () => {
  const before = silentConnections;
  const { config } = resolveConfig({
    file: {
      s3_backup_path: 's3://backups/coll',
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'secret',
      aws_endpoint: `http://${silentAddr}`,
      storage_idle_timeout_seconds: 0.2,
      storage_connect_timeout_seconds: 1,
      storage_max_attempts: 2,
    },
    env: {},
  });
  await assert.rejects(
    () => readBackup('s3://backups/coll', { ...backupOptions(config), retryBaseMs: 1 }),
    (e: unknown) => {
      timedOut(() => silentAddr, 2)(e);
      assert.match((e as Error).message, /^s3:\/\/backups\/coll\//);
      return true;
    },
  );
  assert.ok(silentConnections - before >= 2, `${silentConnections - before} connections`);
});
