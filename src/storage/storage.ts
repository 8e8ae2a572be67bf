import { isStorageError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';

/**
 * Credentials and tuning for `openStorage`. Every field is optional; URL query parameters
 * (CockroachDB's own names, e.g. `AWS_ACCESS_KEY_ID`, `AUTH=implicit`) take precedence over these.
 */
export interface StorageOptions {
  /** Config keys `aws_access_key_id` / `aws_secret_access_key` / `aws_session_token`. */
  readonly awsAccessKeyId?: string;
  readonly awsSecretAccessKey?: string;
  readonly awsSessionToken?: string;
  /** A shell-style file with `export AWS_ACCESS_KEY=…` / `AWS_SECRET_KEY=…` lines (standard names accepted too). */
  readonly awsKeysFile?: string;
  /** Named profile of the standard AWS config (SSO and role profiles included). */
  readonly awsProfile?: string;
  readonly region?: string;
  /** S3-compatible endpoint, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint?: string;
  /** Path-style addressing (default: on when a custom endpoint is given). */
  readonly forcePathStyle?: boolean;
  /** Google service-account JSON key file (else GOOGLE_APPLICATION_CREDENTIALS / metadata server). */
  readonly gcsCredentialsFile?: string;
  readonly gcsBearerToken?: string;
  /**
   * Cloud Storage endpoint instead of Google's, e.g. the emulator `http://127.0.0.1:9199` (URL:
   * `GCS_ENDPOINT`; env `STORAGE_EMULATOR_HOST`). Requests to it are anonymous unless credentials
   * are given for it (URL, these options, or `AUTH=implicit`).
   */
  readonly gcsEndpoint?: string;
  readonly azureAccountName?: string;
  readonly azureAccountKey?: string;
  /** A SAS token (`sv=…&sig=…`, with or without the leading `?`) with read and list permissions. */
  readonly azureSasToken?: string;
  /**
   * Blob service endpoint instead of `https://<account>.blob.<cloud suffix>`, e.g. a private
   * endpoint or the Azurite emulator `http://127.0.0.1:10000/devstoreaccount1` (URL: `AZURE_ENDPOINT`).
   */
  readonly azureEndpoint?: string;
  /** Folder that `nodelocal://<node>/path` is mapped to (default: the current directory). */
  readonly nodelocalRoot?: string;
  /** Maximum requests in flight per storage (default 64, `DEFAULT_MAX_CONCURRENCY`). */
  readonly maxConcurrency?: number;
  /** Attempts per request on throttling / 5xx / network errors (default 6). */
  readonly maxAttempts?: number;
  /** First backoff delay in ms, doubled each retry with jitter (default 200). */
  readonly retryBaseMs?: number;
  /** Time allowed to connect to the endpoint, ms (default 10 000; config `storage_connect_timeout_seconds`). */
  readonly connectTimeoutMs?: number;
  /** Time allowed without receiving a byte, ms (default 30 000; config `storage_idle_timeout_seconds`). */
  readonly idleTimeoutMs?: number;
}

export interface ListOptions {
  /**
   * S3 semantics: a name whose remainder after `prefix` contains `delimiter` is collapsed to one entry
   * ending with the delimiter (CockroachDB lists backup collections with delimiter `data/`).
   */
  readonly delimiter?: string;
}

/** A folder-like view of a bucket prefix or a local directory. Paths are relative, `/`-separated. */
export interface Storage {
  /** The location without query string or credentials, for messages. */
  readonly name: string;
  /** Object names below the base that start with `prefix`, sorted bytewise ascending. */
  list(prefix: string, opts?: ListOptions): Promise<string[]>;
  reader(path: string): RangeReader;
  exists(path: string): Promise<boolean>;
  readAll(path: string): Promise<Uint8Array>;
  /** The same storage rooted at a sub-folder. */
  sub(path: string): Storage;
  close(): Promise<void>;
}

/** Joins a base prefix and a relative path with exactly one `/` between non-empty parts. */
export function joinPath(base: string, path: string): string {
  const b = base.replace(/\/+$/, '');
  const p = path.replace(/^\/+/, '');
  if (b === '') return p;
  if (p === '') return b;
  return `${b}/${p}`;
}

/** Applies S3 delimiter semantics to a sorted list of names (for backends that list recursively). */
export function collapseDelimited(names: readonly string[], prefix: string, delimiter: string | undefined): string[] {
  if (!delimiter) return [...names];
  const out: string[] = [];
  let last = '';
  for (const n of names) {
    const i = n.indexOf(delimiter, prefix.length);
    const v = i < 0 ? n : n.slice(0, i + delimiter.length);
    if (v !== last) out.push(v);
    last = v;
  }
  return out;
}

/** Bytewise (UTF-8 code unit order for ASCII) comparison used to sort listings like S3 does. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The failure of a read of an object that does not exist (every backend says "no such file" or "no such object"). */
export const isAbsentError = (e: unknown): boolean => isStorageError(e) && /no such (file|object)/.test(e.message);

/** The whole object, or undefined when it does not exist (other failures are thrown). */
export async function readIfPresent(storage: Storage, path: string): Promise<Uint8Array | undefined> {
  try {
    return await storage.readAll(path);
  } catch (e) {
    if (isAbsentError(e)) return undefined;
    throw e;
  }
}

/**
 * `storage` with its listings and existence checks remembered (by prefix and delimiter, by path):
 * a backup is opened by several steps that ask the same questions, and a question can be asked
 * ahead, while other requests are in flight, so that the step needing it finds it answered. For
 * folders that do not change while they are read (a backup). An answer asked ahead and never used
 * fails silently; one that is used fails where it is used. A listing with a delimiter is cut from
 * the full listing of the same prefix when that one was asked first: S3 applies a multi-character
 * delimiter (`data/`) on the client, so the two would be the same request.
 */
export function rememberingLookups(storage: Storage): Storage {
  const lists = new Map<string, Promise<string[]>>();
  const exists = new Map<string, Promise<boolean>>();
  const remember = <T>(m: Map<string, Promise<T>>, key: string, ask: () => Promise<T>): Promise<T> => {
    let p = m.get(key);
    if (!p) {
      p = ask();
      p.catch(() => undefined);
      m.set(key, p);
    }
    return p;
  };
  const listKey = (prefix: string, delimiter: string | undefined): string => `${delimiter ?? ''}\u0000${prefix}`;
  const list = (prefix: string, opts?: ListOptions): Promise<string[]> => {
    const full = opts?.delimiter ? lists.get(listKey(prefix, undefined)) : undefined;
    const ask = full ? () => full.then((names) => collapseDelimited(names, prefix, opts?.delimiter)) : () => storage.list(prefix, opts);
    return remember(lists, listKey(prefix, opts?.delimiter), ask);
  };
  return {
    name: storage.name,
    list,
    exists: (path) => remember(exists, path, () => storage.exists(path)),
    reader: (path) => storage.reader(path),
    readAll: (path) => storage.readAll(path),
    sub: (path) => storage.sub(path),
    close: () => storage.close(),
  };
}
