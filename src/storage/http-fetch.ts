import { request as httpGet, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsGet } from 'node:https';
import type { Socket } from 'node:net';
import { concatBytes } from '../util/bytes.js';
import { StorageError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';
import { Limiter, isTransient, withRetry } from './retry.js';
import type { StorageOptions } from './storage.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, RequestTimeoutError, timeoutError } from './timeouts.js';

/** Header lookup by case-insensitive name (a WHATWG `Headers` is one). */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * A whole HTTP answer: status, headers and the body read in full. Plain bytes rather than a
 * WHATWG Response, whose body stream and header copies cost more CPU than the request itself on
 * small objects (≈ 0.5 ms of the main thread per answer, 1,200 answers for a backup of 1,200 SSTs).
 */
export class HttpResponse {
  constructor(
    readonly status: number,
    private readonly rawHeaders: IncomingHttpHeaders,
    /** Empty for HEAD and bodiless answers. */
    readonly body: Uint8Array,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  readonly headers: HeaderLookup = {
    get: (name) => {
      const v = this.rawHeaders[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };

  text(): string {
    return Buffer.from(this.body.buffer, this.body.byteOffset, this.body.length).toString('utf8');
  }

  json(): unknown {
    return JSON.parse(this.text()) as unknown;
  }
}

/** An HTTP status that is not 2xx, carried so the retry predicate and messages can see it. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    readonly status: number,
    readonly body: string,
    /** Response headers (service error codes such as `x-ms-error-code` travel here on HEAD). */
    readonly headers?: HeaderLookup,
  ) {
    super(`HTTP ${status}`);
  }
}

export interface HttpContext {
  readonly limiter: Limiter;
  readonly maxAttempts: number;
  readonly baseMs: number;
  /** Time allowed to establish the TCP connection. */
  readonly connectTimeoutMs: number;
  /** Time allowed without receiving a byte (waiting for headers or inside the body). */
  readonly idleTimeoutMs: number;
  /** Headers to add to every request (authorization); may be async (token refresh). */
  readonly headers: (method: string, url: URL, extra: Record<string, string>) => Promise<Record<string, string>>;
}

/**
 * Requests in flight per storage (one storage serves every worker of a run). A backup of many
 * small SSTs costs one request per file, so what bounds its reading is requests per round trip:
 * 64 at once (the AWS SDK allows 50 sockets) read the 1,211 files of the bench's production-shaped
 * backup at 50 ms latency ≈ 0.5 s sooner than 16. Bytes in flight stay bounded by the scans'
 * read-ahead budgets, not by this.
 */
export const DEFAULT_MAX_CONCURRENCY = 64;

/** The request policy every HTTP-based backend shares: concurrency, retries with backoff, timeouts. */
export function requestPolicy(opts: StorageOptions): Omit<HttpContext, 'headers'> {
  return {
    limiter: new Limiter(opts.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY),
    maxAttempts: opts.maxAttempts ?? 6,
    baseMs: opts.retryBaseMs ?? 200,
    connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * One HTTP exchange through node:http(s) — not fetch, whose connect and header timeouts cannot be
 * set without undici — with the body read in full: a connect timeout until the socket connects,
 * and an idle timeout on the socket (waiting for the answer, or between body bytes), each failing
 * with a RequestTimeoutError. Redirects are followed (Authorization dropped when the origin changes).
 */
function exchange(
  ctx: HttpContext,
  method: 'GET' | 'HEAD',
  url: URL,
  headers: Record<string, string>,
  redirects = 0,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const endpoint = url.host;
    const send = url.protocol === 'https:' ? httpsGet : httpGet;
    const req = send(url, { method, headers });
    /** The timeout that ended the exchange: reported instead of the socket error it causes. */
    let timedOut: RequestTimeoutError | undefined;
    const giveUp = (kind: 'connect' | 'idle', ms: number): void => {
      timedOut ??= new RequestTimeoutError(kind, ms, endpoint);
      req.destroy(timedOut);
    };
    const fail = (e: unknown): void => {
      clearTimeout(connectTimer);
      reject(timedOut ?? e);
    };
    const connectTimer = setTimeout(() => giveUp('connect', ctx.connectTimeoutMs), ctx.connectTimeoutMs);
    req.on('socket', (socket: Socket) => {
      if (socket.connecting) socket.once('connect', () => clearTimeout(connectTimer));
      else clearTimeout(connectTimer);
    });
    req.setTimeout(ctx.idleTimeoutMs, () => giveUp('idle', ctx.idleTimeoutMs));
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location && redirects < MAX_REDIRECTS) {
        res.resume();
        const next = new URL(location, url);
        const h = { ...headers };
        if (next.origin !== url.origin) delete h.Authorization;
        exchange(ctx, method, next, h, redirects + 1).then(resolve, reject);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error(`${endpoint} closed the connection inside the body`), { code: 'ECONNRESET' }));
      });
      res.on('end', () => {
        const nullBody = method === 'HEAD' || status === 204 || status === 304 || status < 200;
        // One Uint8Array of its own (concatBytes always copies): a socket's chunks may be views into
        // a buffer shared with other data, and readers hand bodies to other threads by transferring
        // their ArrayBuffer.
        const body = nullBody ? new Uint8Array(0) : concatBytes(chunks);
        resolve(new HttpResponse(status < 200 ? 502 : status, res.headers, body));
      });
    });
    req.end();
  });
}

/** One request with bounded concurrency and retries on 429/5xx/network errors and timeouts; throws HttpStatusError. */
export async function httpRequest(
  ctx: HttpContext,
  method: 'GET' | 'HEAD',
  url: URL,
  extra: Record<string, string> = {},
): Promise<HttpResponse> {
  let attempts = 0;
  return withRetry(
    (attempt) =>
      ctx.limiter.run(async () => {
        attempts = attempt;
        const headers = { ...extra, ...(await ctx.headers(method, url, extra)) };
        const res = await exchange(ctx, method, url, headers);
        if (!res.ok) {
          const body = method === 'HEAD' ? '' : res.text().slice(0, 300);
          throw new HttpStatusError(res.status, body, res.headers);
        }
        return res;
      }),
    { maxAttempts: ctx.maxAttempts, baseMs: ctx.baseMs, retryable: isTransient },
  ).catch((e: unknown) => {
    if (e instanceof RequestTimeoutError) e.attempts = attempts;
    throw e;
  });
}

/** The one-line error for a failed request on `where` (an object name without query string). */
export function httpError(e: unknown, where: string, action: string, authHint: string): StorageError {
  if (e instanceof StorageError) return e;
  if (e instanceof RequestTimeoutError) return timeoutError(where, e.kind, e.ms, e.endpoint, e.attempts, e);
  if (e instanceof HttpStatusError) {
    if (e.status === 404)
      return new StorageError(`${where}: no such object`, 'the backup is incomplete or the path is wrong', { cause: e });
    if (e.status === 401 || e.status === 403) return new StorageError(`${where}: access denied (HTTP ${e.status})`, authHint, { cause: e });
    return new StorageError(`${where}: ${action} failed with HTTP ${e.status}`, undefined, { cause: e });
  }
  let msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  // A wrapped network error carries the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
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
        const buf = res.body;
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
    return (await httpRequest(ctx, 'GET', objectUrl)).body;
  } catch (e) {
    throw httpError(e, where, 'read', authHint);
  }
}
