import { StorageError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';
import { Limiter, isTransient, withRetry } from './retry.js';

/** An HTTP status that is not 2xx, carried so the retry predicate and messages can see it. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    readonly status: number,
    readonly body: string,
    /** Response headers (service error codes such as `x-ms-error-code` travel here on HEAD). */
    readonly headers?: Headers,
  ) {
    super(`HTTP ${status}`);
  }
}

export interface HttpContext {
  readonly limiter: Limiter;
  readonly maxAttempts: number;
  readonly baseMs: number;
  /** Headers to add to every request (authorization); may be async (token refresh). */
  readonly headers: (method: string, url: URL, extra: Record<string, string>) => Promise<Record<string, string>>;
}

/** One request with bounded concurrency and retries on 429/5xx/network errors; throws HttpStatusError. */
export async function httpRequest(
  ctx: HttpContext,
  method: 'GET' | 'HEAD',
  url: URL,
  extra: Record<string, string> = {},
): Promise<Response> {
  return withRetry(
    () =>
      ctx.limiter.run(async () => {
        const headers = { ...extra, ...(await ctx.headers(method, url, extra)) };
        const res = await fetch(url, { method, headers, redirect: 'follow' });
        if (!res.ok) {
          const body = method === 'HEAD' ? '' : (await res.text().catch(() => '')).slice(0, 300);
          throw new HttpStatusError(res.status, body, res.headers);
        }
        return res;
      }),
    { maxAttempts: ctx.maxAttempts, baseMs: ctx.baseMs, retryable: isTransient },
  );
}

/** The one-line error for a failed request on `where` (an object name without query string). */
export function httpError(e: unknown, where: string, action: string, authHint: string): StorageError {
  if (e instanceof StorageError) return e;
  if (e instanceof HttpStatusError) {
    if (e.status === 404) return new StorageError(`${where}: no such object`, 'the backup is incomplete or the path is wrong', { cause: e });
    if (e.status === 401 || e.status === 403) return new StorageError(`${where}: access denied (HTTP ${e.status})`, authHint, { cause: e });
    return new StorageError(`${where}: ${action} failed with HTTP ${e.status}`, undefined, { cause: e });
  }
  let msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  // undici's "fetch failed" carries the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message.split('\n')[0] : undefined;
  if (cause && cause !== msg) msg += ` (${cause})`;
  return new StorageError(`${where}: ${action} failed: ${msg}`, undefined, { cause: e });
}

/**
 * A RangeReader over an HTTP object: `size()` from a HEAD (or a caller-supplied function),
 * `read()` with a `Range` header; a server that ignores ranges is detected and refused.
 */
export function httpRangeReader(
  ctx: HttpContext,
  where: string,
  objectUrl: URL,
  authHint: string,
  sizeOf?: () => Promise<number>,
  rangeHeader = 'Range',
): RangeReader {
  let size: Promise<number> | undefined;
  return {
    name: where,
    size() {
      size ??= (
        sizeOf
          ? sizeOf()
          : httpRequest(ctx, 'HEAD', objectUrl).then((r) => {
              const n = Number(r.headers.get('content-length'));
              if (!Number.isSafeInteger(n)) throw new StorageError(`${where}: the server sent no Content-Length`);
              return n;
            })
      ).catch((e: unknown) => {
        size = undefined;
        throw httpError(e, where, 'size', authHint);
      });
      return size;
    },
    async read(start, end) {
      if (start < 0 || start > end) throw new StorageError(`${where}: invalid range [${start}, ${end})`);
      if (start === end) return new Uint8Array(0);
      try {
        const res = await httpRequest(ctx, 'GET', objectUrl, { [rangeHeader]: `bytes=${start}-${end - 1}` });
        const buf = new Uint8Array(await res.arrayBuffer());
        if (res.status === 200 && buf.length !== end - start) {
          if (buf.length >= end) return buf.subarray(start, end); // server ignored Range: slice (small objects only)
        }
        if (buf.length !== end - start) {
          throw new StorageError(`${where}: read [${start}, ${end}) returned ${buf.length} bytes`, 'the object is truncated');
        }
        return buf;
      } catch (e) {
        throw httpError(e, where, 'read', authHint);
      }
    },
    async close() {},
  };
}

export async function readAllHttp(ctx: HttpContext, where: string, objectUrl: URL, authHint: string): Promise<Uint8Array> {
  try {
    const res = await httpRequest(ctx, 'GET', objectUrl);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw httpError(e, where, 'read', authHint);
  }
}
