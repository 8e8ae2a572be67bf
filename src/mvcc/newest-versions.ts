import { compareBytes, bytesEqual, hasPrefix } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { compareTimestamps, decodeEngineKey } from './engine-key.js';
import { decodeMVCCMetadata, LOCK_TABLE_SINGLE_PREFIX } from './mvcc-metadata.js';
import { decodeMVCCValue } from './mvcc-value.js';
import { ZERO_TIMESTAMP, type MVCCKeyValue, type Timestamp } from './types.js';

/** An engine-level KV as produced by a store or SST scan (engine key + stored value). */
export interface EngineKV {
  readonly userKey: Uint8Array;
  readonly value: Uint8Array;
}

/** An MVCC range tombstone over roach keys [start, end) (crdb-formats.md §5.9). */
export interface MVCCRangeTombstone {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly timestamp: Timestamp;
}

export interface NewestVersionsStats {
  /** Distinct roach keys seen (excluding lock-table keys). */
  keys: number;
  emitted: number;
  tombstones: number;
  rangeTombstoned: number;
  /** Keys whose versions were all newer than readAt. */
  newerThanReadAt: number;
  intentsSkipped: number;
  lockTableKeys: number;
  inlineValues: number;
}

export function newNewestVersionsStats(): NewestVersionsStats {
  return { keys: 0, emitted: 0, tombstones: 0, rangeTombstoned: 0, newerThanReadAt: 0, intentsSkipped: 0, lockTableKeys: 0, inlineValues: 0 };
}

export interface NewestVersionsOptions {
  /** Read timestamp (inclusive); default: newest. */
  readonly readAt?: Timestamp;
  /** MVCC range tombstones, any order. */
  readonly rangeTombstones?: readonly MVCCRangeTombstone[];
  /** Emit unversioned inline values (MVCCMetadata.raw_bytes) with a zero timestamp; default false. */
  readonly includeInline?: boolean;
  /**
   * Separated intents (lock table): returns true when the version of `key` at `ts` is a provisional
   * intent value that must be skipped. Interleaved intents (pre-21.1 MVCCMetadata with txn on the
   * unversioned key) are detected here without help.
   */
  readonly isIntent?: (key: Uint8Array, ts: Timestamp) => boolean;
  readonly stats?: NewestVersionsStats;
}

/**
 * For each roach key, the newest live version at or below `readAt` (crdb-formats.md §4.7, §5.1,
 * §5.9): point tombstones and versions shadowed by a newer MVCC range tombstone drop the key,
 * lock-table keys (`\x01zk…`, 17-byte versions) and intent provisional values are skipped.
 * Input must be in engine-key order (roach key ascending, unversioned first, then newest first).
 * Streaming: holds one key's state at a time plus the active range tombstones.
 */
export async function* newestVersions(kvs: AsyncIterable<EngineKV>, opts: NewestVersionsOptions = {}): AsyncGenerator<MVCCKeyValue> {
  const stats = opts.stats ?? newNewestVersionsStats();
  const readAt = opts.readAt;
  const tombs = [...(opts.rangeTombstones ?? [])].sort((a, b) => compareBytes(a.start, b.start));
  let nextTomb = 0;
  let active: MVCCRangeTombstone[] = [];

  let cur: Uint8Array | undefined;
  let done = false;
  let sawVisibleCandidate = false;
  let intentTs: Timestamp | undefined;

  const finishKey = (): void => {
    if (cur !== undefined && !done && !sawVisibleCandidate) stats.newerThanReadAt++;
  };

  for await (const kv of kvs) {
    const ek = decodeEngineKey(kv.userKey);
    if (ek.version.kind === 'lock' || hasPrefix(ek.key, LOCK_TABLE_SINGLE_PREFIX)) {
      stats.lockTableKeys++;
      continue;
    }
    const key = ek.key;
    if (cur === undefined || !bytesEqual(cur, key)) {
      finishKey();
      cur = key;
      done = false;
      sawVisibleCandidate = false;
      intentTs = undefined;
      stats.keys++;
      // Maintain the range tombstones covering this key (keys arrive ascending).
      if (tombs.length > 0) {
        while (nextTomb < tombs.length && compareBytes(tombs[nextTomb]!.start, key) <= 0) active.push(tombs[nextTomb++]!);
        active = active.filter((t) => compareBytes(key, t.end) < 0);
      }
    }
    if (done) continue;
    const v = ek.version;
    if (v.kind === 'none') {
      let meta;
      try {
        meta = decodeMVCCMetadata(kv.value);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        // Unversioned non-MVCC value (e.g. written with PutUnversioned): not SQL data.
        stats.inlineValues++;
        done = true;
        sawVisibleCandidate = true;
        continue;
      }
      if (meta.hasTxn) {
        intentTs = meta.timestamp;
        continue;
      }
      if (meta.rawBytes !== undefined) {
        stats.inlineValues++;
        done = true;
        sawVisibleCandidate = true;
        if (opts.includeInline) {
          stats.emitted++;
          yield { key, timestamp: ZERO_TIMESTAMP, value: meta.rawBytes };
        }
      }
      continue;
    }
    const ts = v.timestamp;
    if (readAt && compareTimestamps(ts, readAt) > 0) continue;
    if ((intentTs && compareTimestamps(ts, intentTs) === 0) || opts.isIntent?.(key, ts)) {
      stats.intentsSkipped++;
      continue;
    }
    sawVisibleCandidate = true;
    done = true;
    if (active.some((t) => (!readAt || compareTimestamps(t.timestamp, readAt) <= 0) && compareTimestamps(ts, t.timestamp) < 0)) {
      stats.rangeTombstoned++;
      continue;
    }
    const mv = decodeMVCCValue(kv.value);
    if (mv.isTombstone) {
      stats.tombstones++;
      continue;
    }
    stats.emitted++;
    yield { key, timestamp: ts, value: mv.value };
  }
  finishKey();
}
