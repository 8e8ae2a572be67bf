/**
 * A storage whose requests another thread makes: the worker side (`forwardingOpener`) sends each
 * question over a MessagePort, the main thread (`StorageServer`) asks its own storage and posts the
 * answer back. Load workers read object storage this way, so that one process holds one connection
 * pool, one credential lookup and one request limit, instead of one per thread (a worker's module
 * loading and TLS handshakes cost CPU on the cores that decode rows).
 * And a range one thread warms (`RangeReader.warm`: the first bytes of the table loaded next) is
 * found by whichever thread reads it.
 */
import type { MessagePort } from 'node:worker_threads';
import { reviveError, serializeError, type SerializedError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';
import { joinPath, type ListOptions, type Storage, type StorageOptions } from './storage.js';

/** One question: about `path` of the storage opened from `url`, below its sub-folder `base`. */
export type StorageQuestion = { readonly id: number; readonly url: string; readonly base: string; readonly path: string } & (
  | { readonly op: 'list'; readonly delimiter?: string }
  | { readonly op: 'exists' | 'readAll' | 'size' }
  | { readonly op: 'read'; readonly start: number; readonly end: number }
  /** Fetch [start, end) and keep it for a `read` inside it (from any thread); not answered. */
  | { readonly op: 'warm'; readonly start: number; readonly end: number }
);

/** What a question is answered with: a listing, an existence, a size or bytes. */
type AnswerValue = string[] | boolean | number | Uint8Array;

export type StorageAnswer = { readonly id: number; readonly value: AnswerValue } | { readonly id: number; readonly error: SerializedError };

/** Most bytes fetched by `warm` questions and not yet read, per `StorageServer`: the memory bound of warming. */
export const WARM_LIMIT_BYTES = 32 * 1024 * 1024;

/** A range fetched ahead (`warm`), until reads inside it have taken all of its bytes. */
interface Warmed {
  readonly start: number;
  readonly end: number;
  /** Undefined when the fetch failed (a later read asks again, and meets the failure itself). */
  readonly bytes: Promise<Uint8Array | undefined>;
  taken: number;
}

/**
 * Answers questions about the storages `storageOf` gives for each URL, on every port it `serve`s:
 * one server per process, so that ranges one thread warms another finds. The caller owns the
 * storages and the ports, and closes them. Each object's reader is made once, so that its size is
 * asked once.
 */
export class StorageServer {
  /** Ranges fetched for `warm`, and reads answered from them (tests, the benchmark). */
  readonly stats = { warmed: 0, readsFromWarm: 0 };
  private readonly subs = new Map<string, Storage>();
  private readonly readers = new Map<string, RangeReader>();
  private readonly warmed = new Map<string, Warmed[]>();
  private warmBytes = 0;
  /** Objects some thread reads already: warming them could only fetch their first bytes twice. */
  private readonly reading = new Set<string>();

  constructor(private readonly storageOf: (url: string) => Storage) {}

  serve(port: MessagePort): void {
    port.on('message', (q: StorageQuestion) => {
      if (q.op === 'warm') return this.warm(q);
      // A synchronous throw (a path outside the storage) is answered like a failed request.
      Promise.resolve()
        .then(() => this.answer(q))
        .then(
          (value) => {
            if (value instanceof Uint8Array) {
              // A copy the receiver owns, moved, not cloned: the bytes may be a view into a larger
              // buffer (cloning copies all of it) or bytes kept here.
              const own = value.slice();
              port.postMessage({ id: q.id, value: own } satisfies StorageAnswer, [own.buffer]);
            } else port.postMessage({ id: q.id, value } satisfies StorageAnswer);
          },
          (e: unknown) => port.postMessage({ id: q.id, error: serializeError(e) } satisfies StorageAnswer),
        );
    });
    // Questions come only from a thread that waits for them: the port alone must not keep this one alive.
    port.unref();
  }

  private at(url: string, base: string): Storage {
    const root = this.storageOf(url);
    if (base === '') return root;
    const key = `${url}\u0000${base}`;
    let sub = this.subs.get(key);
    if (!sub) this.subs.set(key, (sub = root.sub(base)));
    return sub;
  }

  private readerOf(q: StorageQuestion): RangeReader {
    const key = objectKey(q);
    let r = this.readers.get(key);
    if (!r) this.readers.set(key, (r = this.at(q.url, q.base).reader(q.path)));
    return r;
  }

  private answer(q: Exclude<StorageQuestion, { op: 'warm' }>): Promise<AnswerValue> {
    switch (q.op) {
      case 'list':
        return this.at(q.url, q.base).list(q.path, q.delimiter !== undefined ? { delimiter: q.delimiter } : undefined);
      case 'exists':
        return this.at(q.url, q.base).exists(q.path);
      case 'readAll':
        return this.at(q.url, q.base).readAll(q.path);
      case 'size':
        return this.readerOf(q).size();
      case 'read':
        return this.read(q);
    }
  }

  private warm(q: Extract<StorageQuestion, { op: 'warm' }>): void {
    const len = q.end - q.start;
    const key = objectKey(q);
    const list = this.warmed.get(key) ?? [];
    if (
      len <= 0 ||
      this.reading.has(key) ||
      this.warmBytes + len > WARM_LIMIT_BYTES ||
      list.some((w) => w.start < q.end && q.start < w.end)
    ) {
      return;
    }
    let bytes: Promise<Uint8Array | undefined>;
    try {
      bytes = this.readerOf(q)
        .read(q.start, q.end)
        .catch(() => undefined);
    } catch {
      return; // a path the storage refuses: the read itself reports it
    }
    list.push({ start: q.start, end: q.end, bytes, taken: 0 });
    this.stats.warmed++;
    this.warmed.set(key, list);
    this.warmBytes += len;
  }

  /** A read from a warmed range when one holds it (the range is dropped once all of it was read), else from the storage. */
  private async read(q: Extract<StorageQuestion, { op: 'read' }>): Promise<Uint8Array> {
    const key = objectKey(q);
    this.reading.add(key);
    const list = this.warmed.get(key);
    const w = list?.find((x) => x.start <= q.start && q.end <= x.end);
    if (w && q.end > q.start) {
      const bytes = await w.bytes;
      w.taken += q.end - q.start;
      if (!bytes || w.taken >= w.end - w.start) this.drop(key, w);
      if (bytes) {
        this.stats.readsFromWarm++;
        return bytes.subarray(q.start - w.start, q.end - w.start);
      }
    }
    return this.readerOf(q).read(q.start, q.end);
  }

  private drop(key: string, w: Warmed): void {
    const list = this.warmed.get(key);
    const i = list?.indexOf(w) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.warmed.delete(key);
    this.warmBytes -= w.end - w.start;
  }
}

const objectKey = (q: StorageQuestion): string => `${q.url}\u0000${q.base}\u0000${q.path}`;

type Question = StorageQuestion extends infer Q ? (Q extends StorageQuestion ? Omit<Q, 'id'> : never) : never;

/**
 * The worker side: a storage opener whose storages ask the thread serving `port`. `local` opens the
 * same URL here, without a request, for what needs none: names and path checks (error messages name
 * objects as the served storage does).
 */
export function forwardingOpener(
  port: MessagePort,
  local: (url: string, opts: StorageOptions) => Storage,
): (url: string, opts: StorageOptions) => Storage {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  port.on('message', (a: StorageAnswer) => {
    const w = waiting.get(a.id);
    if (!w) return;
    waiting.delete(a.id);
    if ('error' in a) w.reject(reviveError(a.error));
    else w.resolve(a.value);
  });
  // Between questions the port must not keep the thread alive (a question waited for is a
  // promise of a thread that is alive anyway).
  port.unref();
  const ask = <T>(q: Question): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port.postMessage({ ...q, id });
    });

  const forwarded = (url: string, base: string, here: Storage): Storage => ({
    name: here.name,
    list: (path: string, lo?: ListOptions) =>
      ask<string[]>({ op: 'list', url, base, path, ...(lo?.delimiter !== undefined ? { delimiter: lo.delimiter } : {}) }),
    exists: (path) => ask<boolean>({ op: 'exists', url, base, path }),
    readAll: (path) => ask<Uint8Array>({ op: 'readAll', url, base, path }),
    reader(path): RangeReader {
      return {
        name: here.reader(path).name,
        size: () => ask<number>({ op: 'size', url, base, path }),
        read: (start, end) => ask<Uint8Array>({ op: 'read', url, base, path, start, end }),
        warm: (start, end) => port.postMessage({ op: 'warm', url, base, path, start, end, id: -1 } satisfies StorageQuestion),
      };
    },
    sub: (path) => forwarded(url, joinPath(base, path), here.sub(path)),
    close: () => here.close(),
  });
  return (url, opts) => forwarded(url, '', local(url, opts));
}
