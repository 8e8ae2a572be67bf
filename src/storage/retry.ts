import { setTimeout as sleep } from 'node:timers/promises';

/** Whether an error from a storage request is worth retrying (throttling, 5xx, dropped connections). */
export type RetryPredicate = (e: unknown) => boolean;

export interface RetryOptions {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs?: number;
  readonly retryable: RetryPredicate;
}

const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'TimeoutError', // AbortSignal.timeout, and the AWS SDK clients behind the credential chain (STS, SSO)
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TooManyRequestsException',
]);

/** Status code of an HTTP-ish error (our own `status`, or `$metadata.httpStatusCode` of the AWS SDK clients the credential chain uses). */
export function errorStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { status?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof o.status === 'number') return o.status;
  const s = o.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

/** Default predicate: 429, 5xx, known throttling codes and transient network errors. */
export function isTransient(e: unknown): boolean {
  const status = errorStatus(e);
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (typeof e !== 'object' || e === null) return false;
  const o = e as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof o.code === 'string' && RETRY_CODES.has(o.code)) return true;
  if (typeof o.name === 'string' && RETRY_CODES.has(o.name)) return true;
  if (o.cause !== undefined && o.cause !== e) return isTransient(o.cause);
  return false;
}

/**
 * Runs `fn` up to `maxAttempts` times, sleeping base·2^n ms (full jitter, capped) between attempts
 * while `retryable(error)` holds. The last error is rethrown unchanged.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const maxMs = opts.maxMs ?? 20_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= opts.maxAttempts || !opts.retryable(e)) throw e;
      const cap = Math.min(maxMs, opts.baseMs * 2 ** (attempt - 1));
      await sleep(cap / 2 + Math.random() * (cap / 2));
    }
  }
}

/** A counting semaphore: at most `limit` calls of `run` are in flight at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be >= 1, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Requests currently running (for tests and progress output). */
  get inFlight(): number {
    return this.active;
  }
}
