import { StorageError } from '../util/errors.js';

/** Default connect timeout (config key `storage_connect_timeout_seconds`). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default idle timeout: no byte received for this long (config key `storage_idle_timeout_seconds`). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export type TimeoutKind = 'connect' | 'idle';

/**
 * A request gave up waiting: no connection within the connect timeout, or no byte for the idle
 * timeout. Carries `code` ETIMEDOUT, so the retry predicate treats it as transient.
 */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  readonly code = 'ETIMEDOUT';
  /** Attempts made before giving up (set by the retry loop). */
  attempts = 1;
  constructor(
    readonly kind: TimeoutKind,
    readonly ms: number,
    /** `host:port` or origin the request went to. */
    readonly endpoint: string,
  ) {
    super(`${kind === 'connect' ? 'no connection to' : 'no answer from'} ${endpoint} within ${ms / 1000} s`);
  }
}

const seconds = (ms: number): string => `${ms / 1000} s`;

/**
 * The one-line error for a request on `where` that timed out (after its retries): names the
 * endpoint, the timeout, the config key that sets it, and what to check.
 */
export function timeoutError(
  where: string,
  kind: TimeoutKind,
  ms: number,
  endpoint: string,
  attempts: number,
  cause?: unknown,
): StorageError {
  const key = kind === 'connect' ? 'storage_connect_timeout_seconds' : 'storage_idle_timeout_seconds';
  const what =
    kind === 'connect'
      ? `could not connect to ${endpoint} within ${seconds(ms)}`
      : `${endpoint} stopped answering: no byte received for ${seconds(ms)}`;
  return new StorageError(
    `${where}: ${what} (${key}; ${attempts} attempt${attempts === 1 ? '' : 's'})`,
    `check that the endpoint is right and reachable from this host (proxy, firewall, VPN), or raise ${key}`,
    cause === undefined ? undefined : { cause },
  );
}
