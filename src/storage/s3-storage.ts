import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { StorageError } from '../util/errors.js';
import { confinePath } from './confine-path.js';
import type { RangeReader } from './range-reader.js';
import { Limiter, errorStatus, isTransient, withRetry } from './retry.js';
import { resolveS3Auth, S3_CREDENTIALS_HINT } from './s3-credentials.js';
import { collapseDelimited, joinPath, type ListOptions, type Storage, type StorageOptions } from './storage.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, timeoutError } from './timeouts.js';
import type { StorageUrl } from './storage-url.js';

/** The AWS SDK module: loaded when an S3 storage is opened, so that runs without S3 never load it (~250 ms). */
type S3Sdk = typeof import('@aws-sdk/client-s3');

interface S3Context {
  /** The SDK and the client, created once. */
  readonly sdk: () => Promise<{ readonly m: S3Sdk; readonly client: S3Client }>;
  /** Set once `sdk()` was called (close destroys the client it makes). */
  started?: Promise<{ readonly client: S3Client }>;
  readonly bucket: string;
  readonly limiter: Limiter;
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly timeouts: Omit<S3Timeouts, 'attempts'>;
}

function isCredentialsError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as { name?: unknown; message?: unknown; Code?: unknown };
  const name = typeof o.name === 'string' ? o.name : '';
  const msg = typeof o.message === 'string' ? o.message : '';
  return name === 'CredentialsProviderError' || (/Could not load credentials|credential/i.test(msg) && !/signature/i.test(msg));
}

/** Where and how long S3 requests wait, for timeout messages. */
export interface S3Timeouts {
  readonly endpoint: string;
  readonly connectMs: number;
  readonly idleMs: number;
  /** Attempts made by the failed call. */
  readonly attempts: number;
}

const S3_ACCESS_HINT =
  'check aws_access_key_id / aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AUTH=specified in the URL) and that the bucket policy lets this key read the backup';

/**
 * What a 403 means, in words: S3 names the cause in the error code when the response has a body;
 * a HEAD request's 403 has none, and the SDK then calls it "Unknown" — say "HTTP 403" instead.
 */
function accessDeniedDetail(name: string, status: number | undefined): string {
  if (name === 'InvalidAccessKeyId') return 'access denied: the access key id is not known to this endpoint (InvalidAccessKeyId)';
  if (name === 'SignatureDoesNotMatch') return 'access denied: the secret key does not belong to the access key id (SignatureDoesNotMatch)';
  if (name === 'AccessDenied') return 'access denied: the key may not read this object (AccessDenied)';
  return `access denied (HTTP ${status ?? 403})`;
}

/** Turns an SDK error into one StorageError line naming `s3://bucket/key` (never a query string or secret). */
export function s3Error(e: unknown, where: string, action: string, timeouts?: S3Timeouts): StorageError {
  if (e instanceof StorageError) return e;
  if (timeouts && typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'TimeoutError') {
    // The SDK's node handler: "…did not establish a connection…" (connect) or "…timed out after N ms of inactivity…".
    const connect = /establish a connection/.test(String((e as { message?: unknown }).message));
    return timeoutError(
      where,
      connect ? 'connect' : 'idle',
      connect ? timeouts.connectMs : timeouts.idleMs,
      timeouts.endpoint,
      timeouts.attempts,
      e,
    );
  }
  const status = errorStatus(e);
  const name =
    typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : '';
  if (isCredentialsError(e)) return new StorageError(`${where}: no AWS credentials found`, S3_CREDENTIALS_HINT, { cause: e });
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
    return new StorageError(`${where}: no such object`, 'the backup is incomplete or the path is wrong', { cause: e });
  }
  if (name === 'NoSuchBucket') return new StorageError(`${where}: no such bucket`, 'check the bucket name and region', { cause: e });
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return new StorageError(`${where}: ${accessDeniedDetail(name, status)}`, S3_ACCESS_HINT, { cause: e });
  }
  if (status === 301 || name === 'PermanentRedirect') {
    return new StorageError(`${where}: the bucket is in another region`, 'set AWS_REGION in the URL or `region` in the config', {
      cause: e,
    });
  }
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new StorageError(`${where}: ${action} failed: ${name ? `${name}: ` : ''}${msg}`, undefined, { cause: e });
}

/** The SDK client's settings from URL parameters and options (region, endpoint, path style, credentials). */
export function s3ClientConfig(url: StorageUrl, opts: StorageOptions): S3ClientConfig {
  const auth = resolveS3Auth(url.params, opts, url.redacted);
  let endpoint = url.params.get('AWS_ENDPOINT') ?? opts.endpoint;
  if (endpoint && !/^https?:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
  const pathStyleParam = url.params.get('AWS_USE_PATH_STYLE');
  const forcePathStyle =
    pathStyleParam !== undefined ? /^(1|t|true)$/i.test(pathStyleParam) : (opts.forcePathStyle ?? endpoint !== undefined);
  const region = url.params.get('AWS_REGION') ?? opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const config: S3ClientConfig = {
    region,
    forcePathStyle,
    maxAttempts: 1, // retries are ours (withRetry), so that backoff and concurrency are bounded together
    // Without these the SDK waits forever on an endpoint that accepts and never answers.
    requestHandler: {
      connectionTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      socketTimeout: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    },
    ...(endpoint ? { endpoint } : {}),
    ...(auth.kind === 'static' ? { credentials: auth.keys } : {}),
    ...(auth.kind === 'chain' && auth.profile ? { profile: auth.profile } : {}),
  };
  return config;
}

/** A Storage over `s3://bucket/prefix` through the AWS SDK. */
export function s3Storage(url: StorageUrl, opts: StorageOptions): Storage {
  // Settings are resolved now, so that a credential mistake is reported when the storage is opened.
  const config = s3ClientConfig(url, opts);
  let sdk: Promise<{ m: S3Sdk; client: S3Client }> | undefined;
  const ctx: S3Context = {
    sdk: () => (ctx.started = sdk ??= import('@aws-sdk/client-s3').then((m) => ({ m, client: new m.S3Client(config) }))),
    bucket: url.bucket,
    limiter: new Limiter(opts.maxConcurrency ?? 16),
    maxAttempts: opts.maxAttempts ?? 6,
    baseMs: opts.retryBaseMs ?? 200,
    timeouts: {
      endpoint: config.endpoint ? String(config.endpoint) : `s3.${String(config.region)}.amazonaws.com`,
      connectMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    },
  };
  return s3At(ctx, url.prefix, true);
}

/** One S3 request under the concurrency limit, transient failures retried; `onAttempt` hears each attempt's number. */
function withS3Retry<T>(ctx: S3Context, fn: () => Promise<T>, onAttempt: (attempt: number) => void): Promise<T> {
  return withRetry(
    (attempt) => {
      onAttempt(attempt);
      return ctx.limiter.run(fn);
    },
    {
      maxAttempts: ctx.maxAttempts,
      baseMs: ctx.baseMs,
      retryable: (e) => !isCredentialsError(e) && isTransient(e),
    },
  );
}

/** A retried request about `path`; a final failure becomes one StorageError naming the object and the `action`. */
type S3Call = <T>(fn: () => Promise<T>, path: string, action: string) => Promise<T>;

/** Every key below `dir/p` (relative to `dir`, the storage's own prefix), page after page, in byte order. */
async function s3List(ctx: S3Context, call: S3Call, dir: string, p: string, lo: ListOptions | undefined): Promise<string[]> {
  const full = dir === '' ? p : `${dir}/${p}`;
  const base = full.length - p.length;
  const out: string[] = [];
  let token: string | undefined;
  do {
    const res = await call(
      async () => {
        const { m, client } = await ctx.sdk();
        return client.send(
          new m.ListObjectsV2Command({
            Bucket: ctx.bucket,
            Prefix: full,
            // Multi-character delimiters are applied client-side: not every S3-compatible server supports them.
            ...(lo?.delimiter?.length === 1 ? { Delimiter: lo.delimiter } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      },
      p,
      'list',
    );
    for (const o of res.Contents ?? []) if (o.Key !== undefined) out.push(o.Key.slice(base));
    for (const c of res.CommonPrefixes ?? []) if (c.Prefix !== undefined) out.push(c.Prefix.slice(base));
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return collapseDelimited(out, p, lo?.delimiter);
}

/** Ranged reads of the object `key` (shown as `name`); its size is asked once, again only after a failure. */
function s3Reader(ctx: S3Context, call: S3Call, name: string, key: string, path: string): RangeReader {
  let size: Promise<number> | undefined;
  return {
    name,
    size() {
      size ??= call(
        async () => {
          const { m, client } = await ctx.sdk();
          return client.send(new m.HeadObjectCommand({ Bucket: ctx.bucket, Key: key }));
        },
        path,
        'head',
      ).then((h) => h.ContentLength ?? 0);
      size.catch(() => (size = undefined));
      return size;
    },
    async read(start: number, end: number) {
      if (start < 0 || start > end) throw new StorageError(`${name}: invalid range [${start}, ${end})`);
      if (start === end) return new Uint8Array(0);
      const bytes = await call(
        async () => {
          const { m, client } = await ctx.sdk();
          const res = await client.send(new m.GetObjectCommand({ Bucket: ctx.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
          if (!res.Body) throw new StorageError(`${name}: empty response body`);
          return res.Body.transformToByteArray();
        },
        path,
        'read',
      );
      if (bytes.length !== end - start) {
        throw new StorageError(
          `${name}: read [${start}, ${end}) returned ${bytes.length} bytes`,
          'the object is shorter than expected (truncated upload?)',
        );
      }
      return bytes;
    },
    async close() {},
  };
}

function s3At(ctx: S3Context, prefix: string, root: boolean): Storage {
  const where = (path: string): string => `s3://${ctx.bucket}/${joinPath(prefix, path)}`;
  const call: S3Call = <T>(fn: () => Promise<T>, path: string, action: string): Promise<T> => {
    let attempts = 0;
    return withS3Retry(ctx, fn, (attempt) => (attempts = attempt)).catch((e: unknown) => {
      throw s3Error(e, where(path), action, { ...ctx.timeouts, attempts });
    });
  };

  const name = `s3://${ctx.bucket}/${prefix}`;
  const storage: Storage = {
    name,
    async list(given: string, lo?: ListOptions) {
      const p = confinePath(name, given, { prefix: true });
      return s3List(ctx, call, joinPath(prefix, ''), p, lo);
    },
    reader(given: string): RangeReader {
      const path = confinePath(name, given);
      return s3Reader(ctx, call, where(path), joinPath(prefix, path), path);
    },
    async exists(given: string) {
      const path = confinePath(name, given);
      let attempts = 0;
      try {
        const head = async (): Promise<unknown> => {
          const { m, client } = await ctx.sdk();
          return client.send(new m.HeadObjectCommand({ Bucket: ctx.bucket, Key: joinPath(prefix, path) }));
        };
        await withS3Retry(ctx, head, (attempt) => (attempts = attempt));
        return true;
      } catch (e) {
        const status = errorStatus(e);
        const name = (e as { name?: string }).name;
        if (status === 404 || name === 'NotFound' || name === 'NoSuchKey') return false;
        throw s3Error(e, where(path), 'head', { ...ctx.timeouts, attempts });
      }
    },
    async readAll(given: string) {
      const path = confinePath(name, given);
      const key = joinPath(prefix, path);
      return call(
        async () => {
          const { m, client } = await ctx.sdk();
          const res = await client.send(new m.GetObjectCommand({ Bucket: ctx.bucket, Key: key }));
          if (!res.Body) throw new StorageError(`${where(path)}: empty response body`);
          return res.Body.transformToByteArray();
        },
        path,
        'read',
      );
    },
    sub(path: string) {
      return s3At(ctx, joinPath(prefix, confinePath(name, path)), false);
    },
    async close() {
      if (root) await ctx.started?.then((x) => x.client.destroy()).catch(() => undefined);
    },
  };
  return storage;
}
