import { compareEngineKeys } from '../sst/comparer.js';
import { openSst } from '../sst/reader.js';
import { InternalKeyKind, type InternalKV, type KeyBounds, type SstReader } from '../sst/types.js';
import type { RangeReader } from '../storage/range-reader.js';
import { ReadAhead, type ReadAheadOptions, type ReadAheadStats } from '../storage/read-ahead.js';
import type { Storage } from '../storage/storage.js';
import { joinPath } from '../storage/storage.js';
import { compareBytes, concatBytes, hasPrefix } from '../util/bytes.js';
import { MigrateError, isDecodeError } from '../util/errors.js';
import { decodeEngineKey, decodeMVCCTimestampSuffix, encodeEngineKeyPrefix } from '../mvcc/engine-key.js';
import { newestVersionBatches, newNewestVersionsStats, type EngineKV, type MVCCRangeTombstone, type NewestVersionsStats } from '../mvcc/newest-versions.js';
import { pickSplitKeys, roachKeyOfSeparator, type SplitCandidates, type WeightedKey } from '../mvcc/split-points.js';
import { batchesOf, flattenBatches, type MVCCKeyValue, type MVCCSource, type Timestamp } from '../mvcc/types.js';
import { decryptingReader } from './encryption.js';
import { elidedPrefixLength } from './key-encoding.js';
import type { BackupFile, ElidePrefix } from './manifest.js';
import type { BackupLayer } from './read-manifest.js';

/** Where a layer's data files are read from (the default URI, or a locality URI). */
export interface LayerStorage {
  readonly storage: Storage;
  /** Locality-aware backups: `locality_kv` → the storage holding those files. */
  readonly byLocality?: ReadonlyMap<string, Storage>;
}

export interface ChainSourceOptions {
  readonly key?: Uint8Array;
  /** Default read time (the chain's as-of time). */
  readonly readAt: Timestamp;
  readonly verifyChecksums?: boolean;
  /** How many data SSTs may be open at once per scan (default 64; runs are opened lazily). */
  readonly stats?: NewestVersionsStats;
  /**
   * Read the data files of each scan ahead, in parallel (object storage: a round trip per request).
   * `budgetBytes` is per scan, shared by the scan's runs; off when absent (local files).
   */
  readonly readAhead?: ReadAheadOptions;
}

export interface ChainSource extends MVCCSource {
  readonly stats: NewestVersionsStats;
  /** Data files opened so far (for progress output and tests). */
  readonly filesOpened: number;
  /** What the read-ahead did so far, summed over scans (zeros when it is off). */
  readonly readAheadStats: ReadAheadStats;
  scanBatches(start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<readonly MVCCKeyValue[]>;
  splitCandidates(start: Uint8Array, end: Uint8Array, bytesPerPart: number): Promise<SplitCandidates>;
}

/** Files whose span overlaps [start, end), grouped into runs of non-overlapping files in key order. */
export function fileRuns(files: readonly BackupFile[], start: Uint8Array, end: Uint8Array): BackupFile[][] {
  const sel = files
    .filter((f) => compareBytes(f.span.key, end) < 0 && (f.span.endKey.length === 0 || compareBytes(start, f.span.endKey) < 0))
    .sort((a, b) => compareBytes(a.span.key, b.span.key));
  const runs: BackupFile[][] = [];
  for (const f of sel) {
    const run = runs.find((r) => {
      const last = r[r.length - 1]!;
      return last.span.endKey.length > 0 && compareBytes(last.span.endKey, f.span.key) <= 0;
    });
    if (run) run.push(f);
    else runs.push([f]);
  }
  return runs;
}

/**
 * Engine-key bounds inside one data file for roach keys [lo, hi) (`hi` empty = open). With
 * elision, keys inside the SST lack `prefix`: strip it from bounds that carry it; a bound outside
 * the prefix (e.g. the next table's start) leaves that side open.
 */
function fileBounds(lo: Uint8Array, hi: Uint8Array, prefix: Uint8Array): KeyBounds {
  const plen = prefix.length;
  return plen === 0
    ? { start: encodeEngineKeyPrefix(lo), ...(hi.length > 0 ? { end: encodeEngineKeyPrefix(hi) } : {}) }
    : {
        ...(hasPrefix(lo, prefix) && lo.length > plen ? { start: encodeEngineKeyPrefix(lo.subarray(plen)) } : {}),
        ...(hasPrefix(hi, prefix) && hi.length > plen ? { end: encodeEngineKeyPrefix(hi.subarray(plen)) } : {}),
      };
}

/** Bytes of a data file: its size when the manifest records it (backing_file_size), else the logical data size. */
function fileBytes(f: BackupFile): number {
  const n = f.backingFileSize > 0n ? f.backingFileSize : f.entryCounts.dataSize;
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/**
 * A data file is opened for its index separators only when it holds a good share of a part
 * (bigger than a quarter of `bytesPerPart`) and the span has at most this many such files; with
 * more, file boundaries alone are fine-grained enough and opening them would cost a request each.
 */
const MAX_INDEXED_FILES = 64;

/** Largest merged batch (entries) when several runs are merged. */
const MERGE_BATCH = 1024;

const maxBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => (compareBytes(a, b) >= 0 ? a : b);
const minBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => (b.length === 0 || compareBytes(a, b) <= 0 ? a : b);

/**
 * An MVCCSource over a resolved backup chain (docs/formats.md §7.1 steps 5–7): for a key span, the
 * data files of every layer that overlap it are streamed (only the blocks inside the span are
 * read), merged in engine-key order with later layers winning on identical versions, then reduced
 * to the newest live version ≤ readAt per key by `mvcc/newestVersions` (point and range tombstones).
 */
export function chainSource(layers: readonly BackupLayer[], stores: readonly LayerStorage[], opts: ChainSourceOptions): ChainSource {
  const stats = opts.stats ?? newNewestVersionsStats();
  let filesOpened = 0;
  const readAheadStats: ReadAheadStats = { requests: 0, servedReads: 0, directReads: 0, maxHeldBytes: 0, maxInFlight: 0 };

  /** The stored bytes of a data file (still encrypted when the backup is). */
  const storedReader = (layerIdx: number, f: BackupFile): RangeReader => {
    const layer = layers[layerIdx]!;
    const ls = stores[layerIdx]!;
    const st = f.localityKv && ls.byLocality?.get(f.localityKv) ? ls.byLocality.get(f.localityKv)! : ls.storage;
    if (f.localityKv && !ls.byLocality?.get(f.localityKv) && ls.byLocality) {
      throw new MigrateError(`data file ${f.path} lives in locality ${f.localityKv}, which has no URI`, 'pass every locality URI of the backup');
    }
    return st.reader(joinPath(layer.dir, f.path));
  };

  const openFile = async (layerIdx: number, f: BackupFile, stored?: RangeReader): Promise<SstReader> => {
    const layer = layers[layerIdx]!;
    let reader: RangeReader = stored ?? storedReader(layerIdx, f);
    if (layer.encrypted && opts.key) reader = decryptingReader(reader, opts.key);
    filesOpened++;
    try {
      return await openSst(reader, { verifyChecksums: opts.verifyChecksums ?? true });
    } catch (e) {
      await reader.close?.().catch(() => undefined);
      const msg = (e as Error).message ?? '';
      if (/ENOENT|no such (file|object)/.test(msg)) {
        throw new MigrateError(
          `backup data file ${reader.name} is missing (listed in ${joinPath(layer.dir, layer.manifestName)})`,
          'the backup copy is incomplete; copy the whole backup folder including data/',
          { cause: e },
        );
      }
      if (isDecodeError(e) && layer.encrypted) throw e;
      throw e;
    }
  };

  /**
   * One run of non-overlapping files of a layer, as engine KVs with elided prefixes restored, one
   * array per SST data block (never empty).
   */
  async function* runStream(
    layerIdx: number,
    run: readonly BackupFile[],
    start: Uint8Array,
    end: Uint8Array,
    readAhead: ReadAheadOptions | undefined,
  ): AsyncGenerator<readonly EngineKV[]> {
    const mode = layers[layerIdx]!.manifest.elidedPrefix;
    const ahead = readAhead ? runReadAhead(layerIdx, run, readAhead) : undefined;
    try {
      for (const [fi, f] of run.entries()) yield* fileStream(layerIdx, f, start, end, mode, ahead?.reader(fi));
    } finally {
      if (ahead) {
        ahead.close();
        addReadAheadStats(readAheadStats, ahead.stats);
      }
    }
  }

  /** A run's files planned for read-ahead, sized from the manifest where it records file sizes. */
  const runReadAhead = (layerIdx: number, run: readonly BackupFile[], o: ReadAheadOptions): ReadAhead => {
    // An encrypted file's stored size is not the one the manifest records: ask the storage.
    const sized = !layers[layerIdx]!.encrypted;
    const planned = run.map((f) => ({
      reader: storedReader(layerIdx, f),
      ...(sized && f.backingFileSize > 0n ? { size: Number(f.backingFileSize) } : {}),
    }));
    const total = run.reduce((n, f) => n + fileBytes(f), 0);
    return new ReadAhead(planned, { ...o, budgetBytes: Math.max(o.chunkBytes, Math.min(o.budgetBytes, total)) });
  };

  /** One data file's KVs inside [start, end), through `stored` when the read-ahead supplies it. */
  async function* fileStream(
    layerIdx: number,
    f: BackupFile,
    start: Uint8Array,
    end: Uint8Array,
    mode: ElidePrefix,
    stored: RangeReader | undefined,
  ): AsyncGenerator<readonly EngineKV[]> {
    const lo = maxBytes(start, f.span.key);
    const hi = minBytes(end, f.span.endKey);
    const plen = elidedPrefixLength(f.span.key, mode);
    const prefix = f.span.key.subarray(0, plen);
    const sst = await openFile(layerIdx, f, stored);
    try {
      const b = fileBounds(lo, hi, prefix);
      const batches: AsyncIterable<readonly InternalKV[]> = sst.entryBatches ? sst.entryBatches(b) : batchesOf(sst.entries(b));
      for await (const batch of batches) {
        let allSets = true;
        for (let i = 0; i < batch.length; i++) {
          const kind = batch[i]!.kind;
          if (kind !== InternalKeyKind.Set && kind !== InternalKeyKind.SetWithDelete) {
            allSets = false;
            break;
          }
        }
        // InternalKV is an EngineKV: pass the block's entries through untouched when possible.
        if (plen === 0 && allSets) {
          if (batch.length > 0) yield batch;
          continue;
        }
        const out: EngineKV[] = [];
        for (const kv of batch) {
          if (kv.kind !== InternalKeyKind.Set && kv.kind !== InternalKeyKind.SetWithDelete) continue;
          if (plen === 0) {
            out.push(kv);
          } else {
            const k = new Uint8Array(plen + kv.userKey.length);
            k.set(prefix);
            k.set(kv.userKey, plen);
            out.push({ userKey: k, value: kv.value });
          }
        }
        if (out.length > 0) yield out;
      }
    } finally {
      await sst.close();
    }
  }

  async function rangeTombstones(start: Uint8Array, end: Uint8Array): Promise<MVCCRangeTombstone[]> {
    const out: MVCCRangeTombstone[] = [];
    for (let i = 0; i < layers.length; i++) {
      for (const run of fileRuns(layers[i]!.files.filter((f) => f.hasRangeKeys), start, end)) {
        for (const f of run) {
          const plen = elidedPrefixLength(f.span.key, layers[i]!.manifest.elidedPrefix);
          const prefix = f.span.key.subarray(0, plen);
          const sst = await openFile(i, f);
          try {
            for await (const rk of sst.rangeKeys()) {
              if (rk.kind !== InternalKeyKind.RangeKeySet) continue;
              const ts = decodeMVCCTimestampSuffix(rk.suffix);
              if (!ts) continue;
              const s = decodeEngineKey(rk.start).key;
              const e = decodeEngineKey(rk.end).key;
              const add = (k: Uint8Array): Uint8Array => (plen === 0 ? k : Uint8Array.from([...prefix, ...k]));
              out.push({ start: add(s), end: add(e), timestamp: ts });
            }
          } finally {
            await sst.close();
          }
        }
      }
    }
    return out;
  }

  /**
   * Merges per-run batch streams; for equal engine keys the later layer's entry wins and the rest
   * are dropped. A single run is passed through (runs hold no duplicate keys). Batches out are
   * bounded by MERGE_BATCH entries; one await per input batch.
   */
  async function* merged(streams: Array<{ layer: number; it: AsyncIterator<readonly EngineKV[]> }>): AsyncGenerator<readonly EngineKV[]> {
    if (streams.length === 1) {
      const it = streams[0]!.it;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    }
    interface Head {
      readonly layer: number;
      readonly it: AsyncIterator<readonly EngineKV[]>;
      batch: readonly EngineKV[];
      i: number;
    }
    const heads: Head[] = [];
    for (const s of streams) {
      const r = await s.it.next();
      if (!r.done && r.value.length > 0) heads.push({ layer: s.layer, it: s.it, batch: r.value, i: 0 });
    }
    let last: Uint8Array | undefined;
    let out: EngineKV[] = [];
    while (heads.length > 0) {
      let best = 0;
      let bk = heads[0]!.batch[heads[0]!.i]!.userKey;
      for (let j = 1; j < heads.length; j++) {
        const h = heads[j]!;
        const k = h.batch[h.i]!.userKey;
        const c = compareEngineKeys(k, bk) || heads[best]!.layer - h.layer;
        if (c < 0) {
          best = j;
          bk = k;
        }
      }
      const h = heads[best]!;
      const kv = h.batch[h.i]!;
      if (last === undefined || compareEngineKeys(last, kv.userKey) !== 0) {
        last = kv.userKey;
        out.push(kv);
      }
      if (++h.i >= h.batch.length) {
        if (out.length >= MERGE_BATCH) {
          yield out;
          out = [];
        }
        let r = await h.it.next();
        while (!r.done && r.value.length === 0) r = await h.it.next();
        if (r.done) heads.splice(best, 1);
        else {
          h.batch = r.value;
          h.i = 0;
        }
      }
    }
    if (out.length > 0) yield out;
  }

  const scanBatches = (start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<readonly MVCCKeyValue[]> => {
    const at = readAt ?? opts.readAt;
    return (async function* () {
      const runs: Array<{ layer: number; run: BackupFile[] }> = [];
      for (let i = 0; i < layers.length; i++) for (const run of fileRuns(layers[i]!.files, start, end)) runs.push({ layer: i, run });
      // The scan's read-ahead budget is shared by its runs (they are merged, so read side by side).
      const ra = opts.readAhead
        ? { ...opts.readAhead, budgetBytes: Math.max(opts.readAhead.chunkBytes, Math.floor(opts.readAhead.budgetBytes / Math.max(1, runs.length))) }
        : undefined;
      const streams = runs.map(({ layer, run }) => ({ layer, it: runStream(layer, run, start, end, ra)[Symbol.asyncIterator]() }));
      const tombs = await rangeTombstones(start, end);
      try {
        yield* newestVersionBatches(merged(streams), { readAt: at, rangeTombstones: tombs, stats });
      } finally {
        for (const s of streams) await s.it.return?.(undefined);
      }
    })();
  };

  /**
   * Split candidates from the manifests (docs/formats.md §2.2 `File`: span, size): each file
   * overlapping the span is a piece ending at its span end; files big relative to a part are
   * opened and contribute their data-block index entries instead (index blocks only).
   */
  const splitCandidates = async (start: Uint8Array, end: Uint8Array, bytesPerPart: number): Promise<SplitCandidates> => {
    const pieces: WeightedKey[] = [];
    const big: Array<{ layer: number; file: BackupFile }> = [];
    for (let i = 0; i < layers.length; i++) {
      for (const run of fileRuns(layers[i]!.files, start, end)) {
        for (const f of run) {
          if (fileBytes(f) > bytesPerPart / 4) big.push({ layer: i, file: f });
          else pieces.push({ key: minBytes(end, f.span.endKey), bytes: fileBytes(f) });
        }
      }
    }
    if (big.length > MAX_INDEXED_FILES) {
      for (const { file: f } of big) pieces.push({ key: minBytes(end, f.span.endKey), bytes: fileBytes(f) });
    } else {
      for (const { layer, file: f } of big) {
        const lo = maxBytes(start, f.span.key);
        const hi = minBytes(end, f.span.endKey);
        const prefix = f.span.key.subarray(0, elidedPrefixLength(f.span.key, layers[layer]!.manifest.elidedPrefix));
        const sst = await openFile(layer, f);
        try {
          if (!sst.dataBlockIndex) {
            pieces.push({ key: hi, bytes: fileBytes(f) });
            continue;
          }
          for (const e of await sst.dataBlockIndex(fileBounds(lo, hi, prefix))) {
            const k = roachKeyOfSeparator(e.separator);
            pieces.push({ key: prefix.length === 0 ? k : concatBytes([prefix, k]), bytes: e.length });
          }
        } finally {
          await sst.close();
        }
      }
    }
    return pickSplitKeys(pieces, start, end, bytesPerPart);
  };

  return {
    stats,
    splitCandidates,
    get filesOpened() {
      return filesOpened;
    },
    readAheadStats,
    scan: (start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<MVCCKeyValue> => flattenBatches(scanBatches(start, end, readAt)),
    scanBatches,
  };
}

function addReadAheadStats(into: ReadAheadStats, s: ReadAheadStats): void {
  into.requests += s.requests;
  into.servedReads += s.servedReads;
  into.directReads += s.directReads;
  into.maxHeldBytes = Math.max(into.maxHeldBytes, s.maxHeldBytes);
  into.maxInFlight = Math.max(into.maxInFlight, s.maxInFlight);
}
