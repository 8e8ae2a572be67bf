/**
 * Worker threads that decode and load tables (load-worker.ts), one per job, started once per run
 * and used for every server and database of it: each opens the source itself from the recipe it is
 * sent (`open`) and keeps one connection per target database. `loadTables` has the contract of `load/loadTables`:
 * the first failure stops handing out tables, running tables finish or roll back their chunk,
 * results come back in plan order.
 */
import os from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort, type Transferable } from 'node:worker_threads';
import { StorageServer } from '../../storage/forwarded-storage.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage, StorageOptions } from '../../storage/storage.js';
import type { CopyTableOptions } from '../../load/copy-table.js';
import { loadOrder, type LoadTablesOptions } from '../../load/load-tables.js';
import type { TableLoadResult } from '../../load/types.js';
import { LoadError, reviveError } from '../../util/errors.js';
import { planSpec, type TablePlanSpec } from '../load-plans.js';
import type { PgServer } from '../pg-target.js';
import type { MigrationSource, SourceRecipe } from '../../source/migration-source.js';
import type { FromWorker, LoadJob, RowsToWarm, ToWorker } from './protocol.js';
import { parseStorageUrl } from '../../storage/storage-url.js';
import { packageRoot } from '../../util/package-root.js';

/** `threads: auto` uses workers from this much source data on (below it, starting them costs more than it saves). */
export const THREADS_AUTO_MIN_BYTES = 16 * 1024 * 1024;

/**
 * The recipe workers open, when the `threads` setting, the source and the machine call for
 * workers. `auto` also needs a second core: on one, threads only add switching. From two cores on
 * the benchmark measured workers ahead of one thread (0.79–0.91 vs 0.61–0.84 of the limit, since
 * tables load in parts and COPY BINARY; docs/performance.md).
 */
export function workerRecipe(
  mode: 'auto' | 'on' | 'off',
  source: Pick<MigrationSource, 'recipe' | 'dataBytes'>,
  cores = os.availableParallelism(),
): SourceRecipe | undefined {
  if (mode === 'off' || !source.recipe) return undefined;
  if (mode === 'auto' && ((source.dataBytes ?? 0) < THREADS_AUTO_MIN_BYTES || cores < 2)) return undefined;
  return source.recipe;
}

/** Loads into `database` of `server`, whose load state the caller has made (`ensureLoadState`). */
export interface PoolLoadOptions extends CopyTableOptions, Pick<LoadTablesOptions, 'onLoaded' | 'onJobDone' | 'sizeOf'> {
  readonly server: PgServer;
  readonly database: string;
}

/**
 * The built package starts its worker entry, dist/pipeline/workers/load-worker.js (a bundle, see
 * scripts/bundle.mjs), from the package root: this code itself may be inside another bundle
 * (dist/index.js, dist/cli/main.js). Run from the TypeScript sources (tests, tsx), Node 20 does
 * not apply the parent's `--import tsx` hooks to a worker's entry module, so the worker is a
 * one-line script that imports the .ts entry through tsx's API.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(join(packageRoot(), 'dist', 'pipeline', 'workers', 'load-worker.js'));
  const entry = new URL('./load-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true });
}

/**
 * Whether to start the worker threads before the source is opened: for a backup on object storage
 * (or over HTTP), whose open is a few request rounds, the threads load their modules meanwhile
 * instead of after it. Only where `threads` would use them for a large source; if the opened source
 * turns out too small for `auto`, they are closed unused.
 */
export function startWorkersEarly(mode: 'auto' | 'on' | 'off', backupUrl: string | undefined, cores = os.availableParallelism()): boolean {
  if (mode === 'off' || backupUrl === undefined || (mode === 'auto' && cores < 2)) return false;
  try {
    return parseStorageUrl(backupUrl).scheme !== 'local';
  } catch {
    return false; // opening the source reports the URL
  }
}

/** One worker thread and the table it is loading. */
class LoadWorker {
  private readonly worker: Worker;
  private pending:
    { resolve: (r: TableLoadResult) => void; reject: (e: unknown) => void; onProgress: CopyTableOptions['onProgress'] } | undefined;
  private exited = false;
  /** Why the thread died, when it did (a failed start, an uncaught error). */
  private crash: unknown;
  private readonly closed: Promise<void>;
  private disconnected: (() => void) | undefined;

  constructor() {
    this.worker = startWorker();
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'progress') this.pending?.onProgress?.(m.event);
      else if (m.type === 'loaded') this.settle((p) => p.resolve(m.result));
      else if (m.type === 'failed') this.settle((p) => p.reject(reviveError(m.error)));
      else if (m.type === 'disconnected') this.disconnected?.();
      // Connections and source are closed: nothing left to wait for (an idle keep-alive socket
      // of a storage client must not hold the run).
      else if (m.type === 'closed') void this.worker.terminate();
    });
    this.worker.on('error', (e) => {
      this.crash = e;
      this.settle((p) => p.reject(e));
    });
    this.closed = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited = true;
        this.disconnected?.();
        this.settle((p) => p.reject(new LoadError(`a load worker thread exited (code ${code}) while loading a table`)));
        resolve();
      });
    });
  }

  private settle(f: (p: NonNullable<LoadWorker['pending']>) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) f(p);
  }

  send(m: ToWorker, transfer?: readonly Transferable[]): void {
    if (!this.exited) this.worker.postMessage(m, transfer);
  }

  load(job: LoadJob, onProgress: CopyTableOptions['onProgress']): Promise<TableLoadResult> {
    return new Promise((resolve, reject) => {
      if (this.exited) {
        const why = this.crash instanceof Error ? `: ${this.crash.message}` : '';
        return reject(
          new LoadError(`a load worker thread is gone${why}`, 'rerun with --threads off to load on the main thread', { cause: this.crash }),
        );
      }
      this.pending = { resolve, reject, onProgress };
      this.send({ type: 'load', job });
    });
  }

  open(recipe: SourceRecipe, storagePort: MessagePort | undefined): void {
    if (storagePort) this.send({ type: 'open', recipe, storagePort }, [storagePort]);
    else this.send({ type: 'open', recipe });
  }

  abort(): void {
    this.send({ type: 'abort' });
  }

  /** Resolves once the worker has closed its target connections (after the table in flight). */
  disconnect(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.disconnected = () => {
        this.disconnected = undefined;
        resolve();
      };
      this.send({ type: 'disconnect' });
    });
  }

  /** Lets the worker close its connections and source; terminates it if it does not within 10 s. */
  async close(): Promise<void> {
    this.send({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.closed;
    clearTimeout(timer);
  }
}

export class LoadWorkerPool {
  private readonly workers: LoadWorker[];
  /** The main thread's ends of the workers' storage ports, and the storages that answer them. */
  private readonly served: { readonly ports: MessagePort[]; readonly storages: Map<string, Storage> } = { ports: [], storages: new Map() };

  /**
   * Starts `size` workers at once: they load their modules while the caller opens the source or
   * creates databases and schemas. `open` then hands them the source.
   */
  constructor(size: number) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => new LoadWorker());
  }

  /**
   * Sends every worker the source to open (once, before any `loadTables`). A backup's storages
   * are opened here, once, and the workers' requests are made through them.
   */
  open(recipe: SourceRecipe): void {
    if (recipe.kind !== 'backup') {
      for (const w of this.workers) w.open(recipe, undefined);
      return;
    }
    const server = new StorageServer((url) => this.storageFor(url, recipe.options));
    for (const w of this.workers) {
      const { port1, port2 } = new MessageChannel();
      this.served.ports.push(port1);
      server.serve(port1);
      w.open(recipe, port2);
    }
  }

  /**
   * Has the first bytes of these rows fetched now (one worker asks; any worker's later read finds
   * them): for the tables that load first, while the database and its tables are being created.
   */
  warm(rows: readonly RowsToWarm[]): void {
    if (rows.length > 0) this.workers[0]?.send({ type: 'warm', tables: rows });
  }

  private storageFor(url: string, opts: StorageOptions): Storage {
    let s = this.served.storages.get(url);
    if (!s) this.served.storages.set(url, (s = openStorage(url, opts)));
    return s;
  }

  async loadTables(plans: readonly TablePlanSpec[], opts: PoolLoadOptions): Promise<TableLoadResult[]> {
    if (plans.length === 0) return [];
    const { server, database, onProgress, onLoaded, onJobDone, signal, sizeOf, ...copy } = opts;
    const target: LoadJob['target'] = {
      label: server.label,
      description: server.description,
      database,
      clientConfig: server.clientConfig(database),
    };
    const onAbort = (): void => this.workers.forEach((w) => w.abort());
    signal?.addEventListener('abort', onAbort, { once: true });

    const queue = loadOrder(plans, sizeOf);
    const results: TableLoadResult[] = [];
    let next = 0;
    let failure: unknown;
    const run = async (w: LoadWorker): Promise<void> => {
      while (failure === undefined && next < queue.length && !signal?.aborted) {
        const plan = queue[next++]!;
        // The table the next free worker takes: this worker has its first bytes fetched meanwhile.
        const after = queue[next];
        const warm = after ? { table: after.table, ...(after.part ? { range: after.part.range } : {}) } : undefined;
        try {
          const r = await w.load({ plan: planSpec(plan), target, copy, ...(warm ? { warm } : {}) }, onProgress);
          results.push(r);
          onLoaded?.(r);
        } catch (e) {
          failure ??= e;
        }
      }
      onJobDone?.();
    };
    const used = this.workers.slice(0, plans.length);
    try {
      await Promise.all(used.map(run));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // The database is loaded: what follows (indexes, DROP DATABASE of a rerun, stopping the
      // test instance) must not meet idle worker connections.
      await Promise.all(used.map((w) => w.disconnect()));
    }
    signal?.throwIfAborted();
    if (failure !== undefined) throw failure;
    const order = new Map(plans.map((p, i) => [p.id, i]));
    return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    for (const p of this.served.ports) p.close();
    for (const s of this.served.storages.values()) await s.close().catch(() => undefined);
  }
}
