import { compareEngineKeys } from '../sst/comparer.js';
import { openSst } from '../sst/reader.js';
import { InternalKeyKind, type InternalKV, type KeyBounds, type SstReader } from '../sst/types.js';
import type { RangeReader } from '../storage/range-reader.js';
import { openingRanges, ReadAhead, type ReadAheadOptions, type ReadAheadStats } from '../storage/read-ahead.js';
import type { Storage } from '../storage/storage.js';
import { joinPath } from '../storage/storage.js';
import { compareBytes, concatBytes, hasPrefix } from '../util/bytes.js';
import { MigrateError, isDecodeError } from '../util/errors.js';
import { mergeSortedBatches, type RankedBatches } from '../util/merge-batches.js';
import { decodeEngineKey, decodeMVCCTimestampSuffix, encodeEngineKeyPrefix } from '../mvcc/engine-key.js';
import {
  newestVersionBatches,
  newNewestVersionsStats,
  type EngineKV,
  type MVCCRangeTombstone,
  type NewestVersionsStats,
} from '../mvcc/newest-versions.js';
import { layerDiffBatches, type ChangedKV } from '../mvcc/layer-diff.js';
import { compareTimestamps } from '../mvcc/engine-key.js';
import { pickSplitKeys, roachKeyOfSeparator, type SplitCandidates, type WeightedKey } from '../mvcc/split-points.js';
import { batchesOf, flattenBatches, type MVCCKeyValue, type MVCCSource, type Timestamp } from '../mvcc/types.js';
import { decryptingReader } from './encryption.js';
import { elidedPrefixLength } from './elided-prefix.js';
import type { BackupFile } from './manifest.js';
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
  warm(start: Uint8Array, end: Uint8Array): void;
  /**
   * The keys of [start, end) that changed after `since` up to `readAt` (mvcc/layer-diff.ts), read
   * only from the layers that end after `since` (for a sync: the incrementals, not the chain).
   */
  scanChanges(start: Uint8Array, end: Uint8Array, since: Timestamp, readAt?: Timestamp): AsyncIterable<readonly ChangedKV[]>;
  /** MVCC range tombstones of [start, end) in the layers that end after `since`. */
  rangeTombstonesAfter(start: Uint8Array, end: Uint8Array, since: Timestamp): Promise<MVCCRangeTombstone[]>;
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

const maxBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => (compareBytes(a, b) >= 0 ? a : b);
const minBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => (b.length === 0 || compareBytes(a, b) <= 0 ? a : b);

/** The layers of a chain and where their files are read from: what every reading step needs. */
interface ChainFiles {
  readonly layers: readonly BackupLayer[];
  readonly stores: readonly LayerStorage[];
  readonly opts: ChainSourceOptions;
  /** Called once per data file opened (`ChainSource.filesOpened`). */
  readonly countOpened: () => void;
  /** Summed over the scans' read-aheads (`ChainSource.readAheadStats`). */
  readonly readAheadStats: ReadAheadStats;
}

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
  const chain: ChainFiles = { layers, stores, opts, countOpened: () => void filesOpened++, readAheadStats };

  /**
   * The chosen layers' files over [start, end), merged in engine-key order; for equal engine keys
   * the later layer's entry wins and the rest are dropped (the later layers' runs rank first).
   */
  async function* mergedLayers(layerIdx: readonly number[], start: Uint8Array, end: Uint8Array): AsyncGenerator<readonly EngineKV[]> {
    const { runs, ra } = scanRuns(layerIdx, start, end);
    const streams: Array<RankedBatches<EngineKV> & { readonly batches: AsyncGenerator<readonly EngineKV[]> }> = runs.map(
      ({ layer, run }, rank) => ({
        rank,
        batches: runStream(chain, layer, run, start, end, ra),
      }),
    );
    try {
      yield* mergeSortedBatches(streams, (a, b) => compareEngineKeys(a.userKey, b.userKey), { firstOfEqual: true });
    } finally {
      for (const s of streams) await s.batches.return(undefined);
    }
  }

  /** The runs a scan of [start, end) over the chosen layers merges (later layers first), and each run's read-ahead. */
  function scanRuns(layerIdx: readonly number[], start: Uint8Array, end: Uint8Array) {
    const runs = [...layerIdx].reverse().flatMap((layer) => fileRuns(layers[layer]!.files, start, end).map((run) => ({ layer, run })));
    // The scan's read-ahead budget is shared by its runs (they are merged, so read side by side).
    const ra = opts.readAhead
      ? {
          ...opts.readAhead,
          budgetBytes: Math.max(opts.readAhead.chunkBytes, Math.floor(opts.readAhead.budgetBytes / Math.max(1, runs.length))),
        }
      : undefined;
    return { runs, ra };
  }

  /**
   * Asks the storages to fetch what a scan of [start, end) would request first (its read-ahead's
   * opening window): a table that starts loading later, maybe in another thread, then finds its
   * first bytes there instead of waiting a round trip. Files of unknown size are left out.
   */
  const warm = (start: Uint8Array, end: Uint8Array): void => {
    const { runs, ra } = scanRuns(layersAfter(layers), start, end);
    if (!ra) return;
    for (const { layer, run } of runs) {
      if (chain.layers[layer]!.encrypted) continue; // stored sizes differ from the manifest's
      const unknown = run.findIndex((f) => f.backingFileSize <= 0n);
      const known = unknown < 0 ? run : run.slice(0, unknown);
      const sizes = known.map((f) => Number(f.backingFileSize));
      for (const r of openingRanges(sizes, runReadAheadOptions(run, ra))) {
        try {
          storedReader(chain, layer, known[r.object]!).warm?.(r.start, r.end);
        } catch {
          return; // the scan itself reports a file it cannot read
        }
      }
    }
  };

  const scanBatches = (start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<readonly MVCCKeyValue[]> => {
    const at = readAt ?? opts.readAt;
    return (async function* () {
      const tombs = await rangeTombstones(chain, layersAfter(layers), start, end);
      yield* newestVersionBatches(mergedLayers(layersAfter(layers), start, end), { readAt: at, rangeTombstones: tombs, stats });
    })();
  };

  const scanChanges = (start: Uint8Array, end: Uint8Array, since: Timestamp, readAt?: Timestamp): AsyncIterable<readonly ChangedKV[]> => {
    const at = readAt ?? opts.readAt;
    return (async function* () {
      const after = layersAfter(layers, since);
      const tombs = await rangeTombstones(chain, after, start, end);
      yield* layerDiffBatches(mergedLayers(after, start, end), { since, readAt: at, rangeTombstones: tombs });
    })();
  };

  return {
    stats,
    warm,
    splitCandidates: (start, end, bytesPerPart) => chainSplitCandidates(chain, start, end, bytesPerPart),
    scanChanges,
    rangeTombstonesAfter: (start, end, since) => rangeTombstones(chain, layersAfter(layers, since), start, end),
    get filesOpened() {
      return filesOpened;
    },
    readAheadStats,
    scan: (start: Uint8Array, end: Uint8Array, readAt?: Timestamp): AsyncIterable<MVCCKeyValue> =>
      flattenBatches(scanBatches(start, end, readAt)),
    scanBatches,
  };
}

/** The stored bytes of a data file of layer `layerIdx`, from its locality's storage (still encrypted when the backup is). */
function storedReader(chain: ChainFiles, layerIdx: number, f: BackupFile): RangeReader {
  const layer = chain.layers[layerIdx]!;
  const ls = chain.stores[layerIdx]!;
  const st = f.localityKv && ls.byLocality?.get(f.localityKv) ? ls.byLocality.get(f.localityKv)! : ls.storage;
  if (f.localityKv && !ls.byLocality?.get(f.localityKv) && ls.byLocality) {
    throw new MigrateError(
      `data file ${f.path} lives in locality ${f.localityKv}, which has no URI`,
      'pass every locality URI of the backup',
    );
  }
  return st.reader(joinPath(layer.dir, f.path));
}

/** Opens one data file of layer `layerIdx` (through `stored` when a read-ahead supplies it), decrypting when needed. */
async function openLayerFile(chain: ChainFiles, layerIdx: number, f: BackupFile, stored?: RangeReader): Promise<SstReader> {
  const layer = chain.layers[layerIdx]!;
  let reader: RangeReader = stored ?? storedReader(chain, layerIdx, f);
  if (layer.encrypted && chain.opts.key) reader = decryptingReader(reader, chain.opts.key);
  chain.countOpened();
  try {
    return await openSst(reader, { verifyChecksums: chain.opts.verifyChecksums ?? true });
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
}

/**
 * One run of non-overlapping files of a layer, as engine KVs with elided prefixes restored, one
 * array per SST data block (never empty).
 */
async function* runStream(
  chain: ChainFiles,
  layerIdx: number,
  run: readonly BackupFile[],
  start: Uint8Array,
  end: Uint8Array,
  readAhead: ReadAheadOptions | undefined,
): AsyncGenerator<readonly EngineKV[]> {
  const mode = chain.layers[layerIdx]!.manifest.elidedPrefix;
  const ahead = readAhead ? runReadAhead(chain, layerIdx, run, readAhead) : undefined;
  try {
    for (const [fi, f] of run.entries()) {
      const lo = maxBytes(start, f.span.key);
      const hi = minBytes(end, f.span.endKey);
      const plen = elidedPrefixLength(f.span.key, mode);
      const prefix = f.span.key.subarray(0, plen);
      const sst = await openLayerFile(chain, layerIdx, f, ahead?.reader(fi));
      try {
        const b = fileBounds(lo, hi, prefix);
        const batches: AsyncIterable<readonly InternalKV[]> = sst.entryBatches ? sst.entryBatches(b) : batchesOf(sst.entries(b));
        for await (const batch of batches) {
          const out = pointSets(batch, prefix);
          if (out.length > 0) yield out;
        }
      } finally {
        await sst.close();
      }
    }
  } finally {
    if (ahead) {
      ahead.close();
      addReadAheadStats(chain.readAheadStats, ahead.stats);
    }
  }
}

/** A run's files planned for read-ahead, sized from the manifest where it records file sizes. */
function runReadAhead(chain: ChainFiles, layerIdx: number, run: readonly BackupFile[], o: ReadAheadOptions): ReadAhead {
  // An encrypted file's stored size is not the one the manifest records: ask the storage.
  const sized = !chain.layers[layerIdx]!.encrypted;
  const planned = run.map((f) => ({
    reader: storedReader(chain, layerIdx, f),
    ...(sized && f.backingFileSize > 0n ? { size: Number(f.backingFileSize) } : {}),
  }));
  return new ReadAhead(planned, runReadAheadOptions(run, o));
}

/** A run's read-ahead never holds more than the run's bytes (but at least one piece). */
function runReadAheadOptions(run: readonly BackupFile[], o: ReadAheadOptions): ReadAheadOptions {
  const total = run.reduce((n, f) => n + fileBytes(f), 0);
  return { ...o, budgetBytes: Math.max(o.chunkBytes, Math.min(o.budgetBytes, total)) };
}

function addReadAheadStats(into: ReadAheadStats, s: ReadAheadStats): void {
  into.requests += s.requests;
  into.servedReads += s.servedReads;
  into.directReads += s.directReads;
  into.maxHeldBytes = Math.max(into.maxHeldBytes, s.maxHeldBytes);
  into.maxInFlight = Math.max(into.maxInFlight, s.maxInFlight);
}

/** A block's SET entries with the elided `prefix` put back (the block itself when nothing changes). */
function pointSets(batch: readonly InternalKV[], prefix: Uint8Array): readonly EngineKV[] {
  const plen = prefix.length;
  let allSets = true;
  for (let i = 0; i < batch.length; i++) {
    const kind = batch[i]!.kind;
    if (kind !== InternalKeyKind.Set && kind !== InternalKeyKind.SetWithDelete) {
      allSets = false;
      break;
    }
  }
  // InternalKV is an EngineKV: pass the block's entries through untouched when possible.
  if (plen === 0 && allSets) return batch;
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
  return out;
}

/** Indexes of the layers that end after `since` (every layer without it), oldest first. */
function layersAfter(layers: readonly BackupLayer[], since?: Timestamp): number[] {
  return layers.flatMap((l, i) => (since === undefined || compareTimestamps(l.manifest.endTime, since) > 0 ? [i] : []));
}

/** MVCC range tombstones (range keys with a timestamp) of the chosen layers' files overlapping [start, end). */
async function rangeTombstones(
  chain: ChainFiles,
  layerIdx: readonly number[],
  start: Uint8Array,
  end: Uint8Array,
): Promise<MVCCRangeTombstone[]> {
  const { layers } = chain;
  const out: MVCCRangeTombstone[] = [];
  for (const i of layerIdx) {
    for (const run of fileRuns(
      layers[i]!.files.filter((f) => f.hasRangeKeys),
      start,
      end,
    )) {
      for (const f of run) {
        const plen = elidedPrefixLength(f.span.key, layers[i]!.manifest.elidedPrefix);
        const prefix = f.span.key.subarray(0, plen);
        const sst = await openLayerFile(chain, i, f);
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
 * Split candidates from the manifests (docs/formats.md §2.2 `File`: span, size): each file
 * overlapping the span is a piece ending at its span end; files big relative to a part are
 * opened and contribute their data-block index entries instead (index blocks only).
 */
async function chainSplitCandidates(chain: ChainFiles, start: Uint8Array, end: Uint8Array, bytesPerPart: number): Promise<SplitCandidates> {
  const { layers } = chain;
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
      const sst = await openLayerFile(chain, layer, f);
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
}
