import type { Timestamp } from '../mvcc/types.js';
import { ConfigError } from '../util/errors.js';

/**
 * Parses `as_of`: an RFC 3339 time ("2024-05-01T12:00:00Z", nanoseconds allowed) or a CockroachDB
 * HLC decimal ("1714564800000000000.0000000002": wall nanos, logical after the dot).
 */
export function parseAsOf(text: string): Timestamp {
  const hlc = /^(\d{1,19})(?:\.(\d{1,10}))?$/.exec(text.trim());
  if (hlc) return { wallTime: BigInt(hlc[1]!), logical: hlc[2] ? Number(hlc[2].padEnd(10, '0')) : 0 };
  const m = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i.exec(text.trim());
  if (m) {
    const ms = Date.parse(`${m[1]!.replace(' ', 'T')}${m[3]!.toUpperCase()}`);
    if (!Number.isNaN(ms)) return { wallTime: BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0'), logical: 0 };
  }
  throw new ConfigError(
    `as_of "${text}" is not a time`,
    'use RFC 3339 (2024-05-01T12:00:00Z) or a CockroachDB HLC decimal (1714564800000000000.0000000000)',
  );
}
