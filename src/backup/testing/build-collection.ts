/**
 * Writes backup collections around real store bytes, in each manifest generation CockroachDB has
 * used (docs/formats.md §1): `legacy-backup` (BACKUP file, `BACKUP TO` layout, incrementals inside),
 * `manifest-gzip` (collection, root LATEST, gzip BACKUP_MANIFEST + CHECKSUM, incrementals under
 * `incrementals/`), `metadata-ssts` (23.1+: BACKUP_METADATA + filelist.sst + descriptorslist.sst,
 * metadata/latest/, 25.2 incremental names), `encrypted` (metadata-ssts + passphrase encryption),
 * `revision-history` (mvcc_filter=All, every version) and `elided-prefix` (TenantAndTable elision).
 * Locality-aware variants (docs/formats.md §1.7) lay one collection per URI side by side:
 * `default/` plus one folder per entry of `LOCALITIES` (see `writeLocalityLayer`).
 * Deterministic: IVs, salts and IDs derive from the store name. @internal
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compareTimestamps } from '../../mvcc/engine-key.js';
import { compareEngineKeys } from '../../sst/comparer.js';
import { ZERO_TIMESTAMP, type Timestamp } from '../../mvcc/types.js';
import { deriveKeyFromPassphrase } from '../encryption.js';
import { elidedPrefixLength } from '../elided-prefix.js';
import { encodeBytesKey, encodeUvarintAscending } from '../../encoding/ordered.js';
import { ElidePrefix, MVCCFilter, type BackupFile, type BackupManifest, type DescriptorRevision } from '../manifest.js';
import { encryptBytes } from './encrypt.js';
import { encodeBackupFile, encodeBackupManifest, encodeEncryptionInfo, encodePartitionDescriptor } from './proto-writer.js';
import { writeSst, type SstEntry } from './sst-writer.js';
import { exportWindow, type ExtractedKV, type StoreExtract } from './store-extract.js';

type BaseGeneration = 'legacy-backup' | 'manifest-gzip' | 'metadata-ssts' | 'encrypted' | 'revision-history' | 'elided-prefix';
/**
 * Locality-aware generations: `locality-aware` (full backup only, BACKUP_MANIFEST), `locality-incremental`
 * (full + incrementals, BACKUP_MANIFEST), `locality-metadata-ssts` (23.1+ BACKUP_METADATA + filelist.sst,
 * 25.2 incremental names) and `locality-encrypted` (the latter with passphrase encryption).
 */
export type LocalityGeneration = 'locality-aware' | 'locality-incremental' | 'locality-metadata-ssts' | 'locality-encrypted';
export type Generation = BaseGeneration | LocalityGeneration;
/** Non-default localities of the locality-aware fixtures: `kv` is the COCKROACH_LOCALITY value, `dir` its folder. */
export const LOCALITIES: ReadonlyArray<{ readonly kv: string; readonly dir: string }> = [
  { kv: 'region=us-west', dir: 'us-west' },
  { kv: 'region=eu-central', dir: 'eu-central' },
];
/** Folder of the default URI in locality-aware fixtures. */
export const DEFAULT_LOCALITY_DIR = 'default';
export const LOCALITY_KV = LOCALITIES[0]!.kv;
export const LOCALITY_DIR = LOCALITIES[0]!.dir;
export const GENERATIONS: readonly BaseGeneration[] = [
  'legacy-backup',
  'manifest-gzip',
  'metadata-ssts',
  'encrypted',
  'revision-history',
  'elided-prefix',
];
export const LOCALITY_GENERATIONS: readonly LocalityGeneration[] = [
  'locality-aware',
  'locality-incremental',
  'locality-metadata-ssts',
  'locality-encrypted',
];

/** The non-locality generation whose layout and manifests a locality generation uses for its default URI. */
export function baseGeneration(gen: Generation): BaseGeneration {
  switch (gen) {
    case 'locality-aware':
    case 'locality-incremental':
      return 'manifest-gzip';
    case 'locality-metadata-ssts':
      return 'metadata-ssts';
    case 'locality-encrypted':
      return 'encrypted';
    default:
      return gen;
  }
}
export const isLocalityGeneration = (gen: Generation): gen is LocalityGeneration =>
  (LOCALITY_GENERATIONS as readonly string[]).includes(gen);

/** `SanitizeLocalityKV` (`pkg/backup/backupinfo/manifest_handling.go`): keeps [a-zA-Z0-9=-], the rest becomes `_`. */
export const sanitizeLocalityKV = (kv: string): string => kv.replace(/[^a-zA-Z0-9=-]/g, '_');
export const FIXTURE_PASSPHRASE = 'correct horse battery staple';

export interface CollectionPlan {
  /** End times of the full backup and each incremental, ascending. */
  readonly ends: readonly Timestamp[];
  /**
   * Per layer (same index as `ends`), descriptor IDs the layer leaves out: a table created after
   * that layer's end, or dropped before it. A table a layer has and the one before did not is an
   * introduced span: exported from time zero, as `backup_job.go` does for spans new to a backup.
   */
  readonly omit?: ReadonlyArray<readonly number[]>;
  /**
   * Per layer, descriptor bytes that replace the store's (by ID): the table as it reads after a
   * schema change made between the previous layer's end and this one's (see evolve-descriptor.ts).
   */
  readonly descriptorBytes?: ReadonlyArray<ReadonlyMap<number, Uint8Array> | undefined>;
  /**
   * `revision-history` only: write the full backup and one incremental per further end, each
   * `WITH revision_history` (every MVCC version of its window; each descriptor as a revision at the
   * window's start, as `getRelevantDescChanges` records the state at an incremental's start time).
   * Without it that generation is one full backup ending at the last end.
   */
  readonly revisionIncrementals?: boolean;
}

const seeded = (seed: string, n: number): Uint8Array => new Uint8Array(createHash('sha256').update(seed).digest().subarray(0, n));

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
function timeParts(t: Timestamp): { y: string; mo: string; d: string; hms: string } {
  const ms = Number(t.wallTime / 1_000_000n);
  const dt = new Date(ms);
  const cs = Math.floor((ms % 1000) / 10);
  return {
    y: String(dt.getUTCFullYear()),
    mo: pad(dt.getUTCMonth() + 1),
    d: pad(dt.getUTCDate()),
    hms: `${pad(dt.getUTCHours())}${pad(dt.getUTCMinutes())}${pad(dt.getUTCSeconds())}.${pad(cs)}`,
  };
}
/** `/2006/01/02-150405.00` (DateBasedIntoFolderName). */
export const fullFolderName = (t: Timestamp): string => {
  const p = timeParts(t);
  return `${p.y}/${p.mo}/${p.d}-${p.hms}`;
};
/** `/20060102/150405.00` (DateBasedIncFolderName), 25.2+ adds `-20060102-150405.00` of the start. */
export const incFolderName = (end: Timestamp, start?: Timestamp): string => {
  const e = timeParts(end);
  const base = `${e.y}${e.mo}${e.d}/${e.hms}`;
  if (!start) return base;
  const s = timeParts(start);
  return `${base}-${s.y}${s.mo}${s.d}-${s.hms}`;
};

/** `LATEST-<hex>` name: hex of the descending ordered-bytes encoding of a time string (newest sorts first). */
export function latestHistoryName(t: Timestamp): string {
  const asc = encodeBytesKey(new TextEncoder().encode(new Date(Number(t.wallTime / 1_000_000n)).toISOString()));
  const desc = Uint8Array.from(asc, (b, i) => (i === 0 ? 0x13 : ~b & 0xff));
  return `LATEST-${Buffer.from(desc).toString('hex')}`;
}

interface LayerOut {
  readonly dir: string;
  readonly files: Map<string, Uint8Array>;
}

function rowCount(kvs: readonly ExtractedKV[], tablePrefixLen: number): { dataSize: bigint; rows: bigint; indexEntries: bigint } {
  let dataSize = 0n;
  let rows = 0n;
  let indexEntries = 0n;
  for (const k of kvs) {
    dataSize += BigInt(k.key.length + k.value.length);
    if (k.roachKey[tablePrefixLen] === 0x89) {
      if (k.roachKey[k.roachKey.length - 1] === 0x88) rows++;
    } else indexEntries++;
  }
  return { dataSize, rows, indexEntries };
}

/** How a layer's data is laid out in files. */
export interface FileLayout {
  /**
   * Most KVs per data file: a table's KVs (engine-key order) are cut into files of this many, each
   * file's span ending where the next begins (never inside one key's versions), the way a real
   * BACKUP writes one file per exported range piece. Default: one file per table.
   */
  readonly fileKvs?: number;
}

/** A table's window KVs cut into files of at most `fileKvs` KVs, with their spans. */
function fileSlices(
  kvs: readonly ExtractedKV[],
  t: { start: Uint8Array; end: Uint8Array },
  fileKvs: number | undefined,
): Array<{ kvs: ExtractedKV[]; key: Uint8Array; endKey: Uint8Array }> {
  if (!fileKvs || kvs.length <= fileKvs) return [{ kvs: [...kvs], key: t.start, endKey: t.end }];
  const sorted = [...kvs].sort((a, b) => compareEngineKeys(a.key, b.key));
  const out: Array<{ kvs: ExtractedKV[]; key: Uint8Array; endKey: Uint8Array }> = [];
  let from = 0;
  while (from < sorted.length) {
    let to = Math.min(sorted.length, from + fileKvs);
    while (to < sorted.length && Buffer.compare(sorted[to]!.roachKey, sorted[to - 1]!.roachKey) === 0) to++;
    out.push({
      kvs: sorted.slice(from, to),
      key: from === 0 ? t.start : sorted[from]!.roachKey,
      endKey: to === sorted.length ? t.end : sorted[to]!.roachKey,
    });
    from = to;
  }
  return out;
}

/** Builds one layer: data SSTs (one per table, or per `layout.fileKvs` KVs) and the manifest object (not yet serialized). */
function buildLayer(
  ex: StoreExtract,
  gen: Generation,
  start: Timestamp,
  end: Timestamp,
  dataDir: string,
  fileNo: { n: number },
  layout: FileLayout = {},
  present: {
    readonly omit: ReadonlySet<number>;
    readonly introduced: ReadonlySet<number>;
    readonly bytes?: ReadonlyMap<number, Uint8Array>;
  } = { omit: new Set(), introduced: new Set() },
): { manifest: BackupManifest; ssts: Map<string, Uint8Array> } {
  const tables = ex.tables.filter((t) => !present.omit.has(t.id));
  const descriptors = ex.descriptors
    .filter((d) => !present.omit.has(d.id))
    .map((d) => ({ ...d, bytes: present.bytes?.get(d.id) ?? d.bytes }));
  const base = baseGeneration(gen);
  const revisions = base === 'revision-history';
  const elide = base === 'elided-prefix' ? ElidePrefix.TenantAndTable : ElidePrefix.None;
  const files: BackupFile[] = [];
  const ssts = new Map<string, Uint8Array>();
  let total = { dataSize: 0n, rows: 0n, indexEntries: 0n };
  for (const t of tables) {
    const window = exportWindow(t.kvs, present.introduced.has(t.id) ? ZERO_TIMESTAMP : start, end, revisions);
    if (window.length === 0) continue;
    const plen = elidedPrefixLength(t.start, elide);
    for (const { kvs, key, endKey } of fileSlices(window, t, layout.fileKvs)) {
      const entries: SstEntry[] = kvs.map((k) => ({ key: plen ? k.key.subarray(plen) : k.key, value: k.value }));
      const path = `${dataDir}${fileNo.n++}.sst`;
      ssts.set(path, writeSst(entries));
      const counts = rowCount(kvs, t.start.length);
      total = {
        dataSize: total.dataSize + counts.dataSize,
        rows: total.rows + counts.rows,
        indexEntries: total.indexEntries + counts.indexEntries,
      };
      files.push({
        span: { key, endKey },
        path,
        entryCounts: counts,
        startTime: ZERO_TIMESTAMP,
        endTime: ZERO_TIMESTAMP,
        localityKv: '',
        backingFileSize: BigInt(ssts.get(path)!.length),
        hasRangeKeys: false,
      });
    }
  }
  const revTime: Timestamp = { wallTime: (ex.timestamps[0]?.wallTime ?? 1n) - 1n, logical: 0 };
  const full = start.wallTime === 0n;
  const descriptorChanges: DescriptorRevision[] = revisions
    ? descriptors.map((d) => ({ time: full ? revTime : start, id: d.id, desc: d.bytes }))
    : [];
  const dbIds = descriptors.filter((d) => d.head.kind === 'database').map((d) => d.id);
  return {
    ssts,
    manifest: {
      startTime: start,
      endTime: end,
      spans: tables.map((t) => ({ key: t.start, endKey: t.end })),
      introducedSpans: tables.filter((t) => present.introduced.has(t.id)).map((t) => ({ key: t.start, endKey: t.end })),
      files,
      descriptors: descriptors.map((d) => d.bytes),
      descriptorChanges,
      formatVersion: 1,
      clusterId: seeded(`${ex.store}/cluster`, 16),
      nodeId: 1,
      buildTag: `fixture from ${ex.store}`,
      entryCounts: total,
      mvccFilter: revisions ? MVCCFilter.All : MVCCFilter.Latest,
      completeDbs: dbIds,
      revisionStartTime: revisions && full ? revTime : ZERO_TIMESTAMP,
      id: seeded(`${ex.store}/${gen}/${end.wallTime}`, 16),
      partitionDescriptorFilenames: [],
      localityKvs: [],
      descriptorCoverage: 0,
      statisticsFilenames: new Map(),
      clusterVersion: base === 'metadata-ssts' || base === 'encrypted' ? '23.1' : base === 'legacy-backup' ? '20.1' : '21.2',
      hasExternalManifestSsts: false,
      elidedPrefix: elide,
      isCompacted: false,
    },
  };
}

const checksum = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest().subarray(0, 4));

/** The slim BACKUP_METADATA plus its filelist.sst / descriptorslist.sst (23.1+ `writeExternalSSTsMetadata`). */
function externalSsts(m: BackupManifest): { slim: BackupManifest; filelist: Uint8Array; descs: Uint8Array } {
  const filelist = writeSst(
    m.files.map((f) => ({
      key: Uint8Array.from([...encodeBytesKey(f.span.key), ...encodeBytesKey(new TextEncoder().encode(f.path)), 0]),
      value: encodeBackupFile(f),
    })),
  );
  const descKey = (id: number, t?: Timestamp): Uint8Array => {
    const roach = Uint8Array.from([...new TextEncoder().encode('desc/'), ...encodeUvarintAscending(id)]);
    if (!t) return Uint8Array.from([...roach, 0]);
    const k = new Uint8Array(roach.length + 1 + 8 + 1);
    k.set(roach);
    new DataView(k.buffer).setBigUint64(roach.length + 1, t.wallTime, false);
    k[k.length - 1] = 9;
    return k;
  };
  const entries: SstEntry[] =
    m.descriptorChanges.length > 0
      ? m.descriptorChanges.map((r) => ({ key: descKey(r.id, r.time), value: r.desc ?? new Uint8Array(0) }))
      : m.descriptors.map((d, i) => ({ key: descKey(descIdOf(m, i)), value: d }));
  const descs = writeSst(entries);
  const placeholder: BackupFile = {
    span: { key: new TextEncoder().encode('bogus'), endKey: new TextEncoder().encode('bogusend') },
    path: 'BOGUS_PLACEHOLDER_DO_NOT_READ',
    entryCounts: { dataSize: 0n, rows: 0n, indexEntries: 0n },
    startTime: ZERO_TIMESTAMP,
    endTime: ZERO_TIMESTAMP,
    localityKv: '',
    backingFileSize: 0n,
    hasRangeKeys: false,
  };
  return {
    slim: { ...m, files: [placeholder], descriptors: [Uint8Array.of(0x12, 0x00)], descriptorChanges: [], hasExternalManifestSsts: true },
    filelist,
    descs,
  };
}

let descIds: Map<BackupManifest, number[]> = new Map();
function descIdOf(m: BackupManifest, i: number): number {
  return descIds.get(m)?.[i] ?? i;
}

/**
 * Which URI a data file of a locality-aware backup is written to: the files are dealt round-robin
 * by their number over `default` ('' = the default URI, as `backup_processor.go` leaves
 * `File.locality_kv` empty there) and each entry of `LOCALITIES`.
 */
function localityOfFile(path: string): string {
  const n = Number(/(\d+)\.sst$/.exec(path)?.[1] ?? '0');
  const slot = n % (LOCALITIES.length + 1);
  return slot === 0 ? '' : LOCALITIES[slot - 1]!.kv;
}

/**
 * Splits one layer of a locality-aware backup the way `backup_job.go` does after the export: every
 * `File` keeps its `locality_kv`, the default manifest keeps the whole file list (so a 23.1+
 * `filelist.sst` carries each file's locality in field 9) and names one partition descriptor per
 * non-default locality, `BACKUP_PART_<n>_<SanitizeLocalityKV(kv)>`, numbered from 1 in locality
 * order and written (gzip, then encrypted like every other metadata file) to that locality's URI at
 * the same layer path, next to its `data/` SSTs. A locality without files still gets a descriptor
 * with an empty file list. Returns the files for each locality folder; `ssts` keeps the default's.
 */
function splitLocalities(
  manifest: BackupManifest,
  ssts: Map<string, Uint8Array>,
  enc: (b: Uint8Array) => Uint8Array,
): Map<string, Map<string, Uint8Array>> {
  const files = manifest.files.map((f) => ({ ...f, localityKv: localityOfFile(f.path) }));
  const names = LOCALITIES.map((l, i) => `BACKUP_PART_${i + 1}_${sanitizeLocalityKV(l.kv)}`);
  Object.assign(manifest, { files, partitionDescriptorFilenames: names, localityKvs: LOCALITIES.map((l) => l.kv) });
  const out = new Map<string, Map<string, Uint8Array>>();
  LOCALITIES.forEach((l, i) => {
    const mine = files.filter((f) => f.localityKv === l.kv);
    const m = new Map<string, Uint8Array>();
    for (const f of mine) {
      m.set(f.path, enc(ssts.get(f.path)!));
      ssts.delete(f.path);
    }
    m.set(names[i]!, enc(gzipSync(encodePartitionDescriptor(l.kv, mine, manifest.id), { level: 9 })));
    out.set(l.dir, m);
  });
  return out;
}

/**
 * Writes one generation of a collection for `ex` under `out`. `plan.ends[0]` is the full backup's
 * end time; further entries add incrementals. Returns the relative path of every file written.
 * Locality generations write `default/` (manifests, LATEST, ENCRYPTION-INFO, lock, default data)
 * and one folder per locality, each laid out like its own collection: the full backup's files
 * under `<full subdir>/`, each incremental's under `incrementals/<full subdir>/<inc subdir>/`
 * (`ResolveIncrementalsBackupLocation` appends the same paths to every locality URI).
 */
export async function writeGeneration(
  out: string,
  ex: StoreExtract,
  gen: Generation,
  plan: CollectionPlan,
  layout: FileLayout = {},
): Promise<string[]> {
  descIds = new Map();
  const base = baseGeneration(gen);
  const locality = isLocalityGeneration(gen);
  const fullOnly = (base === 'revision-history' && !plan.revisionIncrementals) || base === 'elided-prefix' || gen === 'locality-aware';
  const ends = fullOnly ? plan.ends.slice(-1) : plan.ends;
  const files = new Map<string, Uint8Array>();
  const encrypted = base === 'encrypted';
  const salt = seeded(`${ex.store}/salt`, 16);
  const key = encrypted ? deriveKeyFromPassphrase(FIXTURE_PASSPHRASE, salt) : undefined;
  let ivCounter = 0;
  const enc = (b: Uint8Array): Uint8Array => (key ? encryptBytes(b, key, { iv: seeded(`${ex.store}/iv/${ivCounter++}`, 12) }) : b);
  const inDefault = (p: string): string => (locality ? (p ? `${DEFAULT_LOCALITY_DIR}/${p}` : DEFAULT_LOCALITY_DIR) : p);

  const fullDir = base === 'legacy-backup' ? '' : fullFolderName(ends[0]!);
  const layers: LayerOut[] = [];
  let prev: Timestamp = ZERO_TIMESTAMP;
  const fileNo = { n: 1 };
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    let dir: string;
    if (i === 0) dir = fullDir;
    else if (base === 'legacy-backup') dir = incFolderName(end);
    else if (base === 'manifest-gzip' || base === 'revision-history') dir = `incrementals/${fullDir}/${incFolderName(end)}`;
    else dir = `incrementals/${fullDir}/${incFolderName(end, prev)}`;
    const omit = new Set(plan.omit?.[i] ?? []);
    const introduced = new Set(i === 0 ? [] : (plan.omit?.[i - 1] ?? []).filter((id) => !omit.has(id)));
    const { manifest, ssts } = buildLayer(ex, gen, prev, end, base === 'legacy-backup' ? '' : 'data/', fileNo, layout, {
      omit,
      introduced,
      ...(plan.descriptorBytes?.[i] ? { bytes: plan.descriptorBytes[i] } : {}),
    });
    descIds.set(
      manifest,
      ex.descriptors.filter((d) => !omit.has(d.id)).map((d) => d.id),
    );
    const lf = new Map<string, Uint8Array>();
    if (locality) {
      for (const [ldir, lfiles] of splitLocalities(manifest, ssts, enc)) layers.push({ dir: dir ? `${ldir}/${dir}` : ldir, files: lfiles });
    }
    for (const [p, b] of ssts) lf.set(p, enc(b));
    if (base === 'legacy-backup') {
      lf.set('BACKUP', encodeBackupManifest(manifest));
    } else {
      const body = enc(gzipSync(encodeBackupManifest(manifest), { level: 9 }));
      lf.set('BACKUP_MANIFEST', body);
      lf.set('BACKUP_MANIFEST-CHECKSUM', checksum(body));
      if (base === 'metadata-ssts' || base === 'encrypted') {
        const x = externalSsts(manifest);
        const slim = enc(gzipSync(encodeBackupManifest(x.slim), { level: 9 }));
        lf.set('BACKUP_METADATA', slim);
        lf.set('BACKUP_METADATA-CHECKSUM', checksum(slim));
        lf.set('filelist.sst', enc(x.filelist));
        lf.set('descriptorslist.sst', enc(x.descs));
      }
      lf.set(`BACKUP-LOCK-${1000 + i}`, new TextEncoder().encode('lock'));
    }
    // ENCRYPTION-INFO: only in the full backup's folder of the default URI (`WriteEncryptionInfoIfNotExists`).
    if (i === 0 && encrypted) lf.set('ENCRYPTION-INFO', encodeEncryptionInfo(salt));
    layers.push({ dir: inDefault(dir), files: lf });
    prev = end;
  }
  for (const l of layers) for (const [p, b] of l.files) files.set(l.dir ? `${l.dir}/${p}` : p, b);
  // LATEST lives in the default URI's collection only.
  if (base === 'manifest-gzip' || base === 'revision-history' || base === 'elided-prefix')
    files.set(inDefault('LATEST'), new TextEncoder().encode(`/${fullDir}`));
  if (base === 'metadata-ssts' || base === 'encrypted') {
    files.set(inDefault(`metadata/latest/${latestHistoryName(ends[0]!)}`), new TextEncoder().encode(`/${fullDir}`));
  }
  const written: string[] = [];
  for (const [p, b] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    await mkdir(dirname(join(out, p)), { recursive: true });
    await writeFile(join(out, p), b);
    written.push(p);
  }
  return written;
}

/** Picks end times for full + incrementals: the full ends before the last third of the history. */
export function planFor(ex: StoreExtract, incrementals: number): CollectionPlan {
  const ts = ex.timestamps;
  const last = ts[ts.length - 1];
  if (!last) throw new Error(`${ex.store}: no table data`);
  const endOf = (t: Timestamp): Timestamp => ({ wallTime: t.wallTime + 1000n, logical: 0 });
  if (incrementals === 0) return { ends: [endOf(last)] };
  const ends: Timestamp[] = [];
  for (let i = 1; i <= incrementals; i++) {
    const idx = Math.floor((ts.length * i) / (incrementals + 1)) - 1;
    ends.push(endOf(ts[Math.max(0, idx)]!));
  }
  ends.push(endOf(last));
  return { ends: ends.filter((t, i) => i === 0 || compareTimestamps(t, ends[i - 1]!) > 0) };
}
