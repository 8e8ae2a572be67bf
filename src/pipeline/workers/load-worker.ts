/**
 * A load worker thread: opens the source itself (from the recipe of its first message), then loads
 * the tables the main thread sends, one at a time, with `copyTable`, keeping one connection per target
 * database. Decoding and COPY rendering are the CPU-heavy part of a migration; in workers they run
 * on every core instead of interleaving on the main thread.
 */
import type pg from 'pg';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { forwardingOpener } from '../../storage/forwarded-storage.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage, StorageOptions } from '../../storage/storage.js';
import { parseStorageUrl } from '../../storage/storage-url.js';
import { copyTable } from '../../load/copy-table.js';
import { serializeError } from '../../util/errors.js';
import { planFromSpec } from '../load-plans.js';
import { connectTo } from '../pg-target.js';
import { openRowReader, type RowReader } from '../../source/reopen.js';
import type { SourceRecipe } from '../../source/migration-source.js';
import type { FromWorker, LoadJob, ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('load-worker.ts runs as a worker thread only');
const post = (m: FromWorker): void => port.postMessage(m);

// Opened as soon as the recipe arrives, not at the first table: decoding the manifests takes a
// moment (the recipe of a backup carries what the main thread's open read, so there is no request
// to wait for), done while the main thread still creates databases and schemas. A failure
// surfaces at the first load, as an error of that load.
let reader: Promise<RowReader> | undefined;
function open(recipe: SourceRecipe, storagePort: MessagePort | undefined): void {
  reader = openRowReader(recipe, storagePort ? { openStorage: remoteThroughMainThread(storagePort) } : {});
  reader.catch(() => undefined);
}
/**
 * Object storage and HTTP are asked through the main thread (one connection pool and credential
 * lookup per process, not per thread); local files are read here, directly.
 */
function remoteThroughMainThread(storagePort: MessagePort): (url: string, opts: StorageOptions) => Storage {
  const forwarded = forwardingOpener(storagePort, openStorage);
  return (url, opts) => (parseStorageUrl(url).scheme === 'local' ? openStorage(url, opts) : forwarded(url, opts));
}

const clients = new Map<string, Promise<pg.Client>>();
let abort = new AbortController();

function clientFor(t: LoadJob['target']): Promise<pg.Client> {
  const c = t.clientConfig;
  const key = `${c.user}@${c.host}:${c.port}/${t.database}`;
  let client = clients.get(key);
  if (!client) {
    client = connectTo({ label: t.label, description: t.description, maintenanceDb: t.database, clientConfig: () => c }, t.database);
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

async function load(job: LoadJob): Promise<void> {
  try {
    if (abort.signal.aborted) abort = new AbortController();
    if (!reader) throw new Error('no source was opened in this worker thread (internal error)');
    const source = await reader;
    if (job.warm) source.warm?.(job.warm.table, job.warm.range);
    const client = await clientFor(job.target);
    const result = await copyTable(client, planFromSpec(job.plan, source), {
      ...job.copy,
      signal: abort.signal,
      onProgress: (event) => post({ type: 'progress', event }),
    });
    post({ type: 'loaded', result });
  } catch (e) {
    post({ type: 'failed', error: serializeError(e) });
  }
}

async function disconnect(): Promise<void> {
  for (const c of clients.values()) await c.then((x) => x.end()).catch(() => undefined);
  clients.clear();
}

async function close(): Promise<void> {
  await disconnect();
  await reader?.then((r) => r.close()).catch(() => undefined);
  post({ type: 'closed' });
  port!.close();
}

// Messages are handled in order: a table load runs to its end before `close` is looked at; an
// abort is handled at once (it is what stops a running load).
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  if (m.type === 'open') open(m.recipe, m.storagePort);
  else if (m.type === 'warm') void reader?.then((r) => m.tables.forEach((t) => r.warm?.(t.table, t.range))).catch(() => undefined);
  else if (m.type === 'abort') abort.abort(new Error('aborted by the main thread'));
  else if (m.type === 'load') queue = queue.then(() => load(m.job));
  else if (m.type === 'disconnect') queue = queue.then(disconnect).then(() => post({ type: 'disconnected' }));
  else queue = queue.then(close);
});
