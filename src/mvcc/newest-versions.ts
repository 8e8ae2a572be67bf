import { compareBytes } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { compareTimestamps, decodeEngineKey } from './engine-key.js';
import { decodeMVCCMetadata, LOCK_TABLE_SINGLE_PREFIX } from './mvcc-metadata.js';
import { decodeMVCCValue, MVCC_EXTENDED_ENCODING_SENTINEL } from './mvcc-value.js';
import { ZERO_TIMESTAMP, type MVCCKeyValue, type Timestamp } from './types.js';

/** An engine-level KV as produced by a store or SST scan (engine key + stored value). */
export interface EngineKV {
  readonly userKey: Uint8Array;
  readonly value: Uint8Array;
}

/** An MVCC range tombstone over roach keys [start, end) (docs/formats.md §5.9). */
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
  return {
    keys: 0,
    emitted: 0,
    tombstones: 0,
    rangeTombstoned: 0,
    newerThanReadAt: 0,
    intentsSkipped: 0,
    lockTableKeys: 0,
    inlineValues: 0,
  };
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

/** Timestamp of the version bytes `k[at .. at+len)` (len 8, 12 or 13; big-endian wall ‖ logical). */
function versionTimestamp(k: Uint8Array, at: number, len: number): Timestamp {
  const hi = ((k[at]! << 24) | (k[at + 1]! << 16) | (k[at + 2]! << 8) | k[at + 3]!) >>> 0;
  const lo = ((k[at + 4]! << 24) | (k[at + 5]! << 16) | (k[at + 6]! << 8) | k[at + 7]!) >>> 0;
  const wallTime = hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  const logical = len >= 12 ? ((k[at + 8]! << 24) | (k[at + 9]! << 16) | (k[at + 10]! << 8) | k[at + 11]!) >>> 0 : 0;
  return { wallTime, logical };
}

/**
 * One emitted version. The roach key view and the timestamp are made from the engine key only when
 * read (row decoding reads neither: it uses `keyBytes`/`keyLength`), so the hot path allocates no
 * view and no bigint per KV.
 */
class VersionKV implements MVCCKeyValue {
  #key: Uint8Array | undefined;
  #ts: Timestamp | undefined;
  constructor(
    /** The engine key: roach key ‖ 0x00 ‖ version ‖ length byte. */
    readonly keyBytes: Uint8Array,
    readonly keyLength: number,
    readonly value: Uint8Array,
    ts: Timestamp | undefined,
  ) {
    this.#ts = ts;
  }
  get key(): Uint8Array {
    return (this.#key ??= this.keyBytes.subarray(0, this.keyLength));
  }
  get timestamp(): Timestamp {
    const ek = this.keyBytes;
    const at = this.keyLength + 1;
    return (this.#ts ??= versionTimestamp(ek, at, ek.length - 1 - at));
  }
}

/**
 * The synchronous core of `newestVersions`: feed engine KVs in engine-key order with `push`, which
 * appends what becomes visible to `out`; call `finish` after the last KV. Holds one key's state.
 */
export class NewestVersionsReducer {
  private readonly stats: NewestVersionsStats;
  private readonly readAt: Timestamp | undefined;
  /** readAt as big-endian words, for comparing raw version bytes without decoding them. */
  private readonly rHi: number;
  private readonly rLo: number;
  private readonly rLogical: number;
  private readonly includeInline: boolean;
  private readonly isIntent: ((key: Uint8Array, ts: Timestamp) => boolean) | undefined;
  private readonly tombs: MVCCRangeTombstone[];
  private nextTomb = 0;
  private active: MVCCRangeTombstone[] = [];
  /** The current roach key as `curBytes[0, curLength)` (an engine key), and its view once made. */
  private curBytes: Uint8Array | undefined;
  private curLength = 0;
  private curView: Uint8Array | undefined;
  private done = false;
  private sawVisibleCandidate = false;
  private intentTs: Timestamp | undefined;

  constructor(opts: NewestVersionsOptions = {}) {
    this.stats = opts.stats ?? newNewestVersionsStats();
    this.readAt = opts.readAt;
    const w = opts.readAt?.wallTime ?? 0n;
    this.rHi = Number(w >> 32n);
    this.rLo = Number(w & 0xffffffffn);
    this.rLogical = opts.readAt?.logical ?? 0;
    this.includeInline = opts.includeInline ?? false;
    this.isIntent = opts.isIntent;
    this.tombs = [...(opts.rangeTombstones ?? [])].sort((a, b) => compareBytes(a.start, b.start));
  }

  /** Processes one engine KV; visible versions are appended to `out`. */
  push(userKey: Uint8Array, value: Uint8Array, out: MVCCKeyValue[]): void {
    const k = userKey;
    const n = k.length;
    const vlen = n > 0 ? k[n - 1]! : 0;
    // Roach key end (the 0x00 sentinel's index) and version bytes [n-vlen, n-1).
    let keyEnd: number;
    let versionLen = 0;
    if (vlen === 0) {
      if (n === 0) decodeEngineKey(k); // throws the usual error
      keyEnd = n - 1;
    } else {
      keyEnd = n - 1 - vlen;
      versionLen = vlen - 1;
      if (keyEnd < 0 || k[keyEnd] !== 0 || (versionLen !== 8 && versionLen !== 12 && versionLen !== 13 && versionLen !== 17)) {
        decodeEngineKey(k); // throws a DecodeError describing the malformed key
      }
    }
    // Lock-table keys (`\x01zk…`, or any 17-byte lock version).
    if (
      versionLen === 17 ||
      (k[0] === 0x01 && keyEnd >= 3 && k[1] === LOCK_TABLE_SINGLE_PREFIX[1] && k[2] === LOCK_TABLE_SINGLE_PREFIX[2])
    ) {
      this.stats.lockTableKeys++;
      return;
    }
    const cb = this.curBytes;
    if (cb === undefined || !sameKey(cb, this.curLength, k, keyEnd)) {
      this.finishKey();
      // No view of the roach key yet: most keys never need one (see `VersionKV`).
      this.curBytes = k;
      this.curLength = keyEnd;
      this.curView = undefined;
      this.done = false;
      this.sawVisibleCandidate = false;
      this.intentTs = undefined;
      this.stats.keys++;
      // Maintain the range tombstones covering this key (keys arrive ascending).
      if (this.tombs.length > 0) {
        const tombs = this.tombs;
        const cur = this.cur();
        while (this.nextTomb < tombs.length && compareBytes(tombs[this.nextTomb]!.start, cur) <= 0)
          this.active.push(tombs[this.nextTomb++]!);
        if (this.active.length > 0) this.active = this.active.filter((t) => compareBytes(cur, t.end) < 0);
      }
    }
    if (this.done) return;
    if (versionLen === 0) {
      this.unversioned(this.cur(), value, out);
      return;
    }
    const at = keyEnd + 1;
    const readAt = this.readAt;
    if (readAt !== undefined && this.newerThanReadAt(k, at, versionLen)) return;
    let ts: Timestamp | undefined;
    if (this.intentTs !== undefined || this.isIntent !== undefined) {
      ts = versionTimestamp(k, at, versionLen);
      if ((this.intentTs && compareTimestamps(ts, this.intentTs) === 0) || this.isIntent?.(this.cur(), ts)) {
        this.stats.intentsSkipped++;
        return;
      }
    }
    this.sawVisibleCandidate = true;
    this.done = true;
    if (this.active.length > 0) {
      const t0 = (ts ??= versionTimestamp(k, at, versionLen));
      if (this.active.some((t) => (!readAt || compareTimestamps(t.timestamp, readAt) <= 0) && compareTimestamps(t0, t.timestamp) < 0)) {
        this.stats.rangeTombstoned++;
        return;
      }
    }
    let v = value;
    if (v.length === 0) {
      this.stats.tombstones++;
      return;
    }
    if (v.length <= 4 || v[4] === MVCC_EXTENDED_ENCODING_SENTINEL) {
      const mv = decodeMVCCValue(v);
      if (mv.isTombstone) {
        this.stats.tombstones++;
        return;
      }
      v = mv.value;
    }
    this.stats.emitted++;
    out.push(new VersionKV(k, keyEnd, v, ts));
  }

  /** Call once after the last KV. */
  finish(): void {
    this.finishKey();
    this.curBytes = undefined;
    this.curView = undefined;
  }

  /** The current roach key as a view (made once per key, when needed). */
  private cur(): Uint8Array {
    return (this.curView ??= this.curBytes!.subarray(0, this.curLength));
  }

  /** True when the version bytes at k[at..] are newer than readAt (synthetic byte ignored). */
  private newerThanReadAt(k: Uint8Array, at: number, len: number): boolean {
    const hi = ((k[at]! << 24) | (k[at + 1]! << 16) | (k[at + 2]! << 8) | k[at + 3]!) >>> 0;
    if (hi !== this.rHi) return hi > this.rHi;
    const lo = ((k[at + 4]! << 24) | (k[at + 5]! << 16) | (k[at + 6]! << 8) | k[at + 7]!) >>> 0;
    if (lo !== this.rLo) return lo > this.rLo;
    const logical = len >= 12 ? ((k[at + 8]! << 24) | (k[at + 9]! << 16) | (k[at + 10]! << 8) | k[at + 11]!) >>> 0 : 0;
    return logical > this.rLogical;
  }

  private unversioned(key: Uint8Array, value: Uint8Array, out: MVCCKeyValue[]): void {
    let meta;
    try {
      meta = decodeMVCCMetadata(value);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Unversioned non-MVCC value (e.g. written with PutUnversioned): not SQL data.
      this.stats.inlineValues++;
      this.done = true;
      this.sawVisibleCandidate = true;
      return;
    }
    if (meta.hasTxn) {
      this.intentTs = meta.timestamp;
      return;
    }
    if (meta.rawBytes !== undefined) {
      this.stats.inlineValues++;
      this.done = true;
      this.sawVisibleCandidate = true;
      if (this.includeInline) {
        this.stats.emitted++;
        out.push({ key, timestamp: ZERO_TIMESTAMP, value: meta.rawBytes });
      }
    }
  }

  private finishKey(): void {
    if (this.curBytes !== undefined && !this.done && !this.sawVisibleCandidate) this.stats.newerThanReadAt++;
  }
}

/** `cur[0, curLength)` equals `k[0, end)`. */
function sameKey(cur: Uint8Array, curLength: number, k: Uint8Array, end: number): boolean {
  if (curLength !== end) return false;
  for (let i = end - 1; i >= 0; i--) if (cur[i] !== k[i]) return false;
  return true;
}

/**
 * For each roach key, the newest live version at or below `readAt` (docs/formats.md §4.7, §5.1,
 * §5.9): point tombstones and versions shadowed by a newer MVCC range tombstone drop the key,
 * lock-table keys (`\x01zk…`, 17-byte versions) and intent provisional values are skipped.
 * Input must be in engine-key order (roach key ascending, unversioned first, then newest first).
 * Streaming: holds one key's state at a time plus the active range tombstones.
 */
export async function* newestVersions(kvs: AsyncIterable<EngineKV>, opts: NewestVersionsOptions = {}): AsyncGenerator<MVCCKeyValue> {
  const r = new NewestVersionsReducer(opts);
  const out: MVCCKeyValue[] = [];
  for await (const kv of kvs) {
    r.push(kv.userKey, kv.value, out);
    if (out.length > 0) {
      for (const x of out) yield x;
      out.length = 0;
    }
  }
  r.finish();
}

/**
 * `newestVersions` over batches (e.g. one per SST block): one promise per batch instead of per KV.
 * Each yielded array is fresh (the consumer may keep it); empty results are not yielded.
 */
export async function* newestVersionBatches(
  batches: AsyncIterable<readonly EngineKV[]>,
  opts: NewestVersionsOptions = {},
): AsyncGenerator<MVCCKeyValue[]> {
  const r = new NewestVersionsReducer(opts);
  for await (const batch of batches) {
    const out: MVCCKeyValue[] = [];
    for (let i = 0; i < batch.length; i++) {
      const kv = batch[i]!;
      r.push(kv.userKey, kv.value, out);
    }
    if (out.length > 0) yield out;
  }
  r.finish();
}
