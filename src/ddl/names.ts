/**
 * PostgreSQL identifier limits: names longer than NAMEDATALEN-1 = 63 bytes are silently truncated
 * by PostgreSQL (CockroachDB has no limit: cockroachdb/cockroach#44961), and index names share the
 * schema namespace with tables, while CockroachDB scopes them per table. `NameScope` hands out
 * names that fit and do not collide, deterministically, and says when it had to rename.
 */
import { createHash } from 'node:crypto';

export const MAX_IDENT_BYTES = 63;

const utf8 = new TextEncoder();

/** The longest prefix of `s` that fits in `max` UTF-8 bytes, without splitting a character. */
export function truncateBytes(s: string, max: number): string {
  if (utf8.encode(s).length <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const len = utf8.encode(ch).length;
    if (n + len > max) break;
    out += ch;
    n += len;
  }
  return out;
}

/** Short stable hash (8 hex digits) of a name, for truncated-name suffixes. */
export function nameHash(s: string): string {
  return createHash('sha1').update(s).digest('hex').slice(0, 8);
}

/** `s` made to fit 63 bytes: unchanged when it fits, else a prefix + `_` + hash of the full name. */
export function fitName(s: string): string {
  if (utf8.encode(s).length <= MAX_IDENT_BYTES) return s;
  return `${truncateBytes(s, MAX_IDENT_BYTES - 9)}_${nameHash(s)}`;
}

/** One namespace (a schema's relations, a table's columns or constraints). */
export class NameScope {
  private readonly used = new Set<string>();

  has(name: string): boolean {
    return this.used.has(name);
  }

  /** Marks a name as taken. */
  reserve(name: string): void {
    this.used.add(name);
  }

  /**
   * A free name for `wanted`: `wanted` itself when it fits and is free, else the first free of
   * `alternatives` (fitted), else `<fitted>_<n>`.
   */
  allocate(wanted: string, ...alternatives: string[]): string {
    for (const cand of [wanted, ...alternatives].map(fitName)) {
      if (!this.used.has(cand)) {
        this.used.add(cand);
        return cand;
      }
    }
    const base = fitName(alternatives[alternatives.length - 1] ?? wanted);
    for (let n = 1; ; n++) {
      const suffix = `_${n}`;
      const cand = `${truncateBytes(base, MAX_IDENT_BYTES - suffix.length)}${suffix}`;
      if (!this.used.has(cand)) {
        this.used.add(cand);
        return cand;
      }
    }
  }
}
