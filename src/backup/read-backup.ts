import { allInOrder } from '../util/all-in-order.js';
import pMap from 'p-map';
import { compareTimestamps } from '../mvcc/engine-key.js';
import type { Timestamp } from '../mvcc/types.js';
import { openStorage } from '../storage/open-storage.js';
import type { RangeReader } from '../storage/range-reader.js';
import type { ReadAheadOptions } from '../storage/read-ahead.js';
import type { Storage, StorageOptions } from '../storage/storage.js';
import { joinPath, rememberingLookups } from '../storage/storage.js';
import { answeringFrom, recordingAnswers, type AnswerRecorder, type StorageAnswers } from '../storage/storage-answers.js';
import { parseStorageUrl } from '../storage/storage-url.js';
import { bytesEqual } from '../util/bytes.js';
import { DecodeError, MigrateError, isDecodeError } from '../util/errors.js';
import { missingFilesError } from '../util/missing-files.js';
import { chainSource, type ChainSource, type LayerStorage } from './chain-source.js';
import { decodeDescriptorHead } from './descriptor-id.js';
import { candidateKeys, readEncryptionInfos, type EncryptionSettings } from './encryption-key.js';
import { listFullBackups, listIncrementals, resolveLatest, selectChain } from './layout.js';
import { decodeBackupPartitionDescriptor, MVCCFilter, type BackupFile } from './manifest.js';
import {
  decodeLayer,
  fetchManifest,
  findManifestName,
  readLayer,
  unwrapManifestBytes,
  type BackupLayer,
  type StoredManifest,
} from './read-manifest.js';

export interface ReadBackupOptions extends StorageOptions, EncryptionSettings {
  /** Full backup to read: `LATEST` (default) or a subdirectory such as `/2024/05/01-120000.00`. */
  readonly subdir?: string;
  /** Read time; must be a layer end time, or inside a revision-history layer. Default: newest. */
  readonly asOf?: Timestamp;
  /** Only the full backup, ignoring incrementals. */
  readonly fullOnly?: boolean;
  /** Locality-aware backups: the other URIs, each with `COCKROACH_LOCALITY=<kv>`. */
  readonly localityUrls?: readonly string[];
  /** An already opened storage for `url` (tests); not closed by `close()`. */
  readonly storage?: Storage;
  /**
   * Opens the storages of `url` and of `localityUrls` instead of `openStorage` (a load worker's
   * storages forward their requests to the main thread's; see storage/forwarded-storage.ts).
   */
  readonly openStorage?: (url: string, opts: StorageOptions) => Storage;
  /**
   * Data files the manifests list but the storage lacks: by default an error naming them; true
   * reads the rest (the absent files are listed in `missingFiles`, their rows are missing).
   */
  readonly allowMissingFiles?: boolean;
  /**
   * What `missingFiles` said when this same chain was opened before (a load worker reopening the
   * chain the main thread checked): the files are not looked for again (a listing per layer, and
   * on object storage its requests), those named are left out.
   */
  readonly knownMissingFiles?: readonly string[];
  /**
   * What the storages answered when this same chain was opened before (`OpenedBackup.answers`; a
   * load worker reopening the chain the main thread opened): the listings, existence checks and
   * manifests found there are not asked again, so such an open makes no request at all when it is
   * also given `knownMissingFiles`.
   */
  readonly answered?: BackupAnswers;
  /** Keep what the storages answered during the open (`OpenedBackup.answers`), to hand to another opening. */
  readonly keepAnswers?: boolean;
  /**
   * Read-ahead of data files (see `ChainSourceOptions.readAhead`): by default on for object
   * storage and HTTP (`REMOTE_READ_AHEAD`), off for local files; `false` turns it off.
   */
  readonly readAhead?: ReadAheadOptions | false;
}

/**
 * Read-ahead for storages where each request costs a round trip: 16 MiB per scan covers the
 * bandwidth-delay product of one S3 stream (≈ 100 MB/s × 50–100 ms) several times over while
 * keeping a worker's buffers small; 2 MiB ranged reads, 16 at a time per scan
 * (the storage allows 64 for all scans together).
 * The window starts at two pieces: an SST is opened at its end and then read from its start, so the
 * footer and the first data piece are asked for together instead of one round trip after the other.
 */
export const REMOTE_READ_AHEAD: ReadAheadOptions = {
  budgetBytes: 16 * 1024 * 1024,
  chunkBytes: 2 * 1024 * 1024,
  maxInFlight: 16,
  initialBytes: 4 * 1024 * 1024,
};

/** What the storages of one open answered: the URL's own, and each locality URI's in `localityUrls` order. */
export interface BackupAnswers {
  readonly main: StorageAnswers;
  readonly localities: readonly StorageAnswers[];
}

export interface BackupDescriptor {
  readonly id: number;
  /** Marshaled `sql.sqlbase.Descriptor`. */
  readonly bytes: Uint8Array;
}

export interface OpenedBackup {
  /** The URL without query string (safe to print). */
  readonly name: string;
  readonly storage: Storage;
  /** The full backup's subdirectory ('' when the URL points at a backup directory). */
  readonly fullDir: string;
  /** Every layer found for that full backup (full first), before chain selection. */
  readonly allLayers: readonly BackupLayer[];
  /** The layers read for `readAt`, full first. */
  readonly chain: readonly BackupLayer[];
  readonly readAt: Timestamp;
  /** Descriptors of the chain at `readAt` (dropped tables removed). */
  readonly descriptors: readonly BackupDescriptor[];
  readonly source: ChainSource;
  readonly encrypted: boolean;
  /** Data files of the chain that are absent and were skipped (only with `allowMissingFiles`). */
  readonly missingFiles: readonly string[];
  /**
   * With `keepAnswers`: what the storages answered while the chain was opened (manifests included),
   * but the data-file listings of the missing-file check (see `answered`, `knownMissingFiles`).
   */
  readonly answers?: BackupAnswers;
  close(): Promise<void>;
}

const strip = (s: string): string => s.replace(/^\/+/, '').replace(/\/+$/, '');

async function resolveFullDir(storage: Storage, opts: ReadBackupOptions, name: string): Promise<string> {
  if (opts.subdir && opts.subdir.toUpperCase() !== 'LATEST') return strip(opts.subdir);
  // A backup folder itself, or a collection's LATEST: asked at once (a round trip each on object
  // storage); LATEST's failure matters only when the folder is not a backup itself.
  const latestOrError = resolveLatest(storage).then(
    (dir) => ({ dir }),
    (error: unknown) => ({ error }),
  );
  if (await findManifestName(storage, '')) return '';
  const latest = await latestOrError;
  if ('error' in latest) throw latest.error;
  if (latest.dir !== undefined) return latest.dir;
  const fulls = await listFullBackups(storage);
  const last = fulls[fulls.length - 1];
  if (last !== undefined) return last;
  throw await noBackupError(storage, name);
}

/** A store directory's own files (MANIFEST-*, CURRENT, numbered SSTs and WALs; docs/formats.md §6.9). */
const STORE_FILE = /^(MANIFEST-\d+|CURRENT|\d+\.(sst|log))$/;

/** The error for a location without any backup: empty, a store directory, or something else. */
async function noBackupError(storage: Storage, name: string): Promise<MigrateError> {
  const names = (await storage.list('', { delimiter: '/' })).map((n) => n.replace(/\/$/, ''));
  if (names.some((n) => STORE_FILE.test(n))) {
    return new MigrateError(
      `${name} is a CockroachDB store directory (cockroach-data), not a BACKUP`,
      'use source {"type": "store", "path": …} / --store for it',
    );
  }
  const what = names.length === 0 ? 'is empty, does not exist or cannot be listed' : 'holds no backup';
  return new MigrateError(
    `${name} ${what}: no LATEST, BACKUP_MANIFEST, BACKUP_METADATA or BACKUP`,
    'point at a backup collection, a dated backup folder, or a folder holding BACKUP_MANIFEST',
  );
}

/** Reads the full layer with each candidate key until one decrypts it. */
async function readFullLayer(
  storage: Storage,
  fetched: StoredManifest,
  keys: readonly Uint8Array[],
  where: (p: string) => string,
): Promise<{ layer: BackupLayer; key: Uint8Array | undefined }> {
  const fullDir = fetched.dir;
  if (keys.length === 0) return { layer: await decodeLayer(storage, fetched, undefined, where), key: undefined };
  let last: unknown;
  for (const k of keys) {
    try {
      return { layer: await decodeLayer(storage, fetched, k, where), key: k };
    } catch (e) {
      if (!(isDecodeError(e) && (e as DecodeError).layer === 'encryption')) throw e;
      last = e;
    }
  }
  const f = (last as DecodeError).file ?? where(fullDir);
  throw new MigrateError(
    `${f}: wrong encryption passphrase (cannot decrypt the manifest)`,
    'pass the passphrase used for BACKUP … WITH encryption_passphrase',
    {
      cause: last,
    },
  );
}

/** Descriptors at `readAt` (mirrors `LoadSQLDescsFromBackupsAtTime`, docs/formats.md §2.3). */
export function descriptorsAt(layers: readonly BackupLayer[], readAt: Timestamp): BackupDescriptor[] {
  const last = layers[layers.length - 1]!;
  const keep = (bytes: Uint8Array): BackupDescriptor | undefined => {
    const h = decodeDescriptorHead(bytes);
    if (h.kind === 'table' && h.state === 2) return undefined; // DROP
    return { id: h.id, bytes };
  };
  const revs = layers.flatMap((l) => l.descriptorChanges);
  if (last.manifest.mvccFilter !== MVCCFilter.All || revs.length === 0) {
    return last.descriptors
      .map(keep)
      .filter((d): d is BackupDescriptor => d !== undefined)
      .sort((a, b) => a.id - b.id);
  }
  const best = new Map<number, { time: Timestamp; desc: Uint8Array | undefined; order: number }>();
  revs.forEach((r, order) => {
    if (compareTimestamps(r.time, readAt) > 0) return;
    const cur = best.get(r.id);
    const c = cur ? compareTimestamps(r.time, cur.time) : 1;
    if (!cur || c > 0 || (c === 0 && order > cur.order)) best.set(r.id, { time: r.time, desc: r.desc, order });
  });
  const out: BackupDescriptor[] = [];
  for (const [, v] of best) {
    if (!v.desc) continue;
    const d = keep(v.desc);
    if (d) out.push(d);
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * A view of a locality's storage whose readers name the locality, so that a missing or damaged data
 * file there is reported as e.g. `…/us-west/…/data/4.sst (locality region=us-west)`.
 */
function localityView(st: Storage, kv: string): Storage {
  return {
    name: st.name,
    list: (prefix, o) => st.list(prefix, o),
    exists: (p) => st.exists(p),
    readAll: (p) => st.readAll(p),
    sub: (p) => localityView(st.sub(p), kv),
    close: () => st.close(),
    reader(p: string): RangeReader {
      const r = st.reader(p);
      return {
        name: `${r.name} (locality ${kv})`,
        size: () => r.size(),
        read: (a, b) => r.read(a, b),
        ...(r.close ? { close: () => r.close!() } : {}),
      };
    },
  };
}

/**
 * Locality-aware backups (docs/formats.md §1.7; `GetLocalityInfo` in
 * `pkg/backup/backupinfo/manifest_handling.go`, `makeBackupLocalityMap` in restore). For each layer,
 * every `partition_descriptor_filenames` entry is looked up at the layer's path (`<full subdir>` or
 * `incrementals/<full subdir>/<inc subdir>`) in each given URI, the default one included. Like
 * CockroachDB, the locality's data files are then read from the URI where its descriptor was
 * found — not from the URI whose COCKROACH_LOCALITY names it — so moved partitions and URIs given
 * with other locality tags still work. Files listed only in a descriptor are merged into the layer.
 */
async function localityStorages(
  layers: readonly BackupLayer[],
  main: Storage,
  urls: readonly string[],
  open: (url: string, index: number) => Storage,
  key: Uint8Array | undefined,
): Promise<{ stores: LayerStorage[]; layers: BackupLayer[]; opened: Storage[] }> {
  const given: Array<{ kv: string; storage: Storage }> = [];
  const opened: Storage[] = [];
  for (const [i, u] of urls.entries()) {
    const parsed = parseStorageUrl(u);
    const kv = parsed.params.get('COCKROACH_LOCALITY');
    if (!kv) {
      // A plain path is a folder name as written: a `?` in it starts no query string.
      const plainPath = parsed.scheme === 'local' && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(u);
      throw new MigrateError(
        `locality URI ${parsed.redacted} has no COCKROACH_LOCALITY parameter`,
        plainPath && u.includes('?')
          ? `a plain path is read as written, "?" included: give it as a file:// URL (${u.startsWith('/') ? `file://${u}` : 'file:///absolute/path?COCKROACH_LOCALITY=<key=value>'})`
          : 'add ?COCKROACH_LOCALITY=<key=value>',
      );
    }
    const st = open(u, i);
    opened.push(st);
    given.push({ kv: decodeURIComponent(kv), storage: st });
  }
  const all = [{ kv: 'default', storage: main }, ...given];
  const outLayers: BackupLayer[] = [];
  const stores: LayerStorage[] = [];
  for (const l of layers) {
    const names = l.manifest.partitionDescriptorFilenames;
    if (names.length === 0) {
      outLayers.push(l);
      stores.push({ storage: main });
      continue;
    }
    const byLocality = new Map<string, Storage>();
    const files: BackupFile[] = [...l.files];
    const seen = new Set(files.map((f) => `${f.path}\u0000${Buffer.from(f.span.key).toString('hex')}`));
    for (const [pi, name] of names.entries()) {
      const kv = l.manifest.localityKvs[pi];
      const p = joinPath(l.dir, name);
      // The URI tagged with this locality first, then the others (CockroachDB tries them all).
      const order = [...all.filter((g) => g.kv === kv), ...all.filter((g) => g.kv !== kv)];
      let found = false;
      let wrongId: string | undefined;
      for (const { storage: st } of order) {
        if (!(await st.exists(p))) continue;
        const where = `${st.name.replace(/\/+$/, '')}/${p}`;
        const { bytes } = unwrapManifestBytes(await st.readAll(p), where, key);
        const part = decodeBackupPartitionDescriptor(bytes, where);
        if (!bytesEqual(part.backupId, l.manifest.id)) {
          wrongId = where;
          continue;
        }
        const partKv = part.localityKv || kv || '';
        byLocality.set(partKv, localityView(st, partKv));
        for (const f of part.files) {
          const k = `${f.path}\u0000${Buffer.from(f.span.key).toString('hex')}`;
          if (!seen.has(k)) {
            seen.add(k);
            files.push(f.localityKv ? f : { ...f, localityKv: partKv });
          }
        }
        found = true;
        break;
      }
      if (!found) {
        const tag = kv ? encodeURIComponent(kv) : '<key=value>';
        throw new MigrateError(
          wrongId
            ? `locality ${kv ?? '?'}: ${wrongId} belongs to another backup (its backup_id differs from the manifest's)`
            : `locality ${kv ?? '?'}: partition descriptor ${p} not found in any given URI (${all.map((g) => g.storage.name).join(', ')})`,
          `pass the URI of locality ${kv ?? '?'} as given to BACKUP (config locality_urls: ['<uri>?COCKROACH_LOCALITY=${tag}'])`,
        );
      }
    }
    outLayers.push({ ...l, files });
    stores.push({ storage: main, byLocality });
  }
  return { stores, layers: outLayers, opened };
}

/** Independent requests in flight at once while a backup is opened (manifests, listings, existence checks). */
const REQUESTS_AT_ONCE = 16;

/**
 * Data files of the chain that the storage holding them lacks (keyed by the manifest's file entry,
 * valued with the name to print). One listing per layer and storage; a storage that cannot list
 * (its listing lacks the layer's own manifest) is asked per file. With `known` (the names an
 * earlier open of the same chain printed), nothing is asked: those files are the absent ones.
 */
async function absentDataFiles(
  layers: readonly BackupLayer[],
  stores: readonly LayerStorage[],
  nameOf: (st: Storage, path: string) => string,
  known: ReadonlySet<string> | undefined,
): Promise<Map<BackupFile, { layer: BackupLayer; where: string }>> {
  const checks: Array<{ layer: BackupLayer; ls: LayerStorage; st: Storage; files: BackupFile[] }> = [];
  for (const [i, layer] of layers.entries()) {
    const ls = stores[i]!;
    const byStorage = new Map<Storage, BackupFile[]>();
    for (const f of layer.files) {
      if (f.path === '') continue;
      const st = (f.localityKv ? ls.byLocality?.get(f.localityKv) : undefined) ?? ls.storage;
      byStorage.set(st, [...(byStorage.get(st) ?? []), f]);
    }
    for (const [st, files] of byStorage) checks.push({ layer, ls, st, files });
  }
  // Every layer's listing at once; the results are kept in chain order (the error lists them so).
  const missing = await pMap(
    checks,
    async ({ layer, ls, st, files }) => {
      const whereOf = (f: BackupFile): string =>
        `${nameOf(st, joinPath(layer.dir, f.path))}${f.localityKv ? ` (locality ${f.localityKv})` : ''}`;
      if (known) return files.flatMap((f) => (known.has(whereOf(f)) ? [{ f, layer, where: whereOf(f) }] : []));
      const listed = new Set(await st.list(layer.dir === '' ? '' : `${layer.dir}/`));
      const canList = st === ls.storage ? listed.has(joinPath(layer.dir, layer.manifestName)) : listed.size > 0;
      const present = canList
        ? files.map((f) => listed.has(joinPath(layer.dir, f.path)))
        : await pMap(files, (f) => st.exists(joinPath(layer.dir, f.path)), { concurrency: REQUESTS_AT_ONCE });
      return files.flatMap((f, k) => (present[k] ? [] : [{ f, layer, where: whereOf(f) }]));
    },
    { concurrency: REQUESTS_AT_ONCE },
  );
  const absent = new Map<BackupFile, { layer: BackupLayer; where: string }>();
  for (const m of missing.flat()) absent.set(m.f, { layer: m.layer, where: m.where });
  return absent;
}

/**
 * What the storages of an open answered, without the listings of the missing-file check: the
 * largest answers (every data file's name, in every layer), and not asked by an opening that is
 * given what the check found (`knownMissingFiles`, as load workers are).
 */
function answersOf(recorded: { main: AnswerRecorder[]; localities: AnswerRecorder[] }, layers: readonly BackupLayer[]): BackupAnswers {
  const checked = new Set(layers.map((l) => (l.dir === '' ? '' : `${l.dir}/`)));
  const lean = (a: StorageAnswers): StorageAnswers => ({
    ...a,
    lists: a.lists.filter((l) => l.delimiter !== '' || !checked.has(l.prefix)),
  });
  return { main: lean(recorded.main[0]!.finish()), localities: recorded.localities.map((r) => lean(r.finish())) };
}

/**
 * A storage as an open asks it: its lookups remembered, answered from what an earlier open of the
 * chain was answered (`known`), and the answers recorded into `recorders` when they are to be kept
 * (above the remembering, so that what it derives is recorded as asked).
 */
function openingStorage(storage: Storage, known: StorageAnswers | undefined, recorders: AnswerRecorder[] | undefined): Storage {
  const remembering = rememberingLookups(known ? answeringFrom(storage, known) : storage);
  if (!recorders) return remembering;
  const r = recordingAnswers(remembering);
  recorders.push(r);
  return r.storage;
}

/**
 * Opens a backup: resolves LATEST / the chosen full backup, finds incrementals in both locations,
 * reads every manifest (BACKUP_METADATA + external SSTs, BACKUP_MANIFEST or BACKUP; checksum,
 * decryption, gzip), selects the chain for `asOf`, and returns descriptors plus an MVCCSource
 * yielding the newest version ≤ readAt of every key across the chain.
 */
export async function readBackup(url: string, opts: ReadBackupOptions = {}): Promise<OpenedBackup> {
  const recorded = opts.keepAnswers ? { main: [] as AnswerRecorder[], localities: [] as AnswerRecorder[] } : undefined;
  const open = opts.openStorage ?? openStorage;
  const storage = openingStorage(opts.storage ?? open(url, opts), opts.answered?.main, recorded?.main);
  const name = parseStorageUrl(url).redacted;
  const where = (p: string): string => (p === '' ? name : `${name.replace(/\/+$/, '')}/${p}`);
  const toClose: Storage[] = opts.storage ? [] : [storage];
  try {
    const fullDir = await resolveFullDir(storage, opts, name);
    // Asked now, beside the requests below, and found answered by the step that needs it: the
    // folder's listing (the missing-file check).
    if (!opts.knownMissingFiles) void storage.list(fullDir === '' ? '' : `${fullDir}/`);
    // What does not depend on each other is asked at once: on object storage every request is a
    // round trip, and a chain of hourly incrementals has hundreds of manifests. The full backup's
    // manifest is fetched beside its encryption info (needed only to decrypt it).
    const [infos, incrementals, fullManifest] = await allInOrder([
      readEncryptionInfos(storage, fullDir),
      opts.fullOnly ? Promise.resolve([]) : listIncrementals(storage, fullDir),
      fetchManifest(storage, fullDir, where),
    ]);
    const keys = infos.length > 0 || opts.dataKey ? candidateKeys(infos, opts, where(fullDir)) : [];
    const { layer: full, key } = await readFullLayer(storage, fullManifest, keys, where);
    const layers: BackupLayer[] = [
      full,
      ...(await pMap(incrementals, (dir) => readLayer(storage, dir, key, where, full.manifestName), { concurrency: REQUESTS_AT_ONCE })),
    ];
    const { layers: chain, readAt } = selectChain(layers, opts.asOf);
    const loc = await localityStorages(
      chain,
      storage,
      opts.localityUrls ?? [],
      (u, i) => openingStorage(open(u, opts), opts.answered?.localities[i], recorded?.localities),
      key,
    );
    toClose.push(...loc.opened);
    const absent = await absentDataFiles(
      loc.layers,
      loc.stores,
      (st, p) => (st === storage ? where(p) : `${st.name.replace(/\/+$/, '')}/${p}`),
      opts.knownMissingFiles ? new Set(opts.knownMissingFiles) : undefined,
    );
    const missingFiles = [...absent.values()].map((f) => f.where);
    if (missingFiles.length > 0 && !opts.allowMissingFiles) {
      const manifests = [...new Set([...absent.values()].map((f) => where(joinPath(f.layer.dir, f.layer.manifestName))))].join(', ');
      throw missingFilesError(missingFiles, manifests, 'backup folder, data/ included');
    }
    const layersRead =
      missingFiles.length > 0 ? loc.layers.map((l) => ({ ...l, files: l.files.filter((f) => !absent.has(f)) })) : loc.layers;
    const readAhead = opts.readAhead ?? (parseStorageUrl(url).scheme === 'local' ? false : REMOTE_READ_AHEAD);
    const source = chainSource(layersRead, loc.stores, { readAt, ...(key ? { key } : {}), ...(readAhead ? { readAhead } : {}) });
    return {
      name,
      storage,
      fullDir,
      allLayers: layers,
      chain: layersRead,
      readAt,
      descriptors: descriptorsAt(loc.layers, readAt),
      source,
      encrypted: full.encrypted,
      missingFiles,
      ...(recorded ? { answers: answersOf(recorded, layers) } : {}),
      async close() {
        for (const s of toClose) await s.close();
      },
    };
  } catch (e) {
    for (const s of toClose) await s.close().catch(() => undefined);
    throw e;
  }
}
