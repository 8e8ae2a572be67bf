/**
 * Writes backup collections around real store bytes, in each manifest generation CockroachDB has
 * used (crdb-formats.md §1): `legacy-backup` (BACKUP file, `BACKUP TO` layout, incrementals inside),
 * `manifest-gzip` (collection, root LATEST, gzip BACKUP_MANIFEST + CHECKSUM, incrementals under
 * `incrementals/`), `metadata-ssts` (23.1+: BACKUP_METADATA + filelist.sst + descriptorslist.sst,
 * metadata/latest/, 25.2 incremental names), `encrypted` (metadata-ssts + passphrase encryption),
 * `revision-history` (mvcc_filter=All, every version) and `elided-prefix` (TenantAndTable elision).
 * Deterministic: IVs, salts and IDs derive from the store name. @internal
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compareTimestamps } from '../../mvcc/engine-key.js';
import { ZERO_TIMESTAMP, type Timestamp } from '../../mvcc/types.js';
import { deriveKeyFromPassphrase } from '../encryption.js';
import { elidedPrefixLength, encodeBytesAscending, encodeUvarintAscending } from '../key-encoding.js';
import { ElidePrefix, MVCCFilter, type BackupFile, type BackupManifest, type DescriptorRevision } from '../manifest.js';
import { encryptBytes } from './encrypt.js';
import { encodeBackupFile, encodeBackupManifest, encodeEncryptionInfo, encodePartitionDescriptor } from './proto-writer.js';
import { writeSst, type SstEntry } from './sst-writer.js';
import { exportWindow, type ExtractedKV, type StoreExtract } from './store-extract.js';

export type Generation = 'legacy-backup' | 'manifest-gzip' | 'metadata-ssts' | 'encrypted' | 'revision-history' | 'elided-prefix' | 'locality-aware';
/** Locality-aware fixture: `default/` is the default URI, `LOCALITY_DIR/` holds the `LOCALITY_KV` partition. */
export const LOCALITY_KV = 'region=us-west';
export const LOCALITY_DIR = 'us-west';
export const GENERATIONS: readonly Generation[] = ['legacy-backup', 'manifest-gzip', 'metadata-ssts', 'encrypted', 'revision-history', 'elided-prefix'];
export const FIXTURE_PASSPHRASE = 'correct horse battery staple';

export interface CollectionPlan {
  /** End times of the full backup and each incremental, ascending. */
  readonly ends: readonly Timestamp[];
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
  const asc = encodeBytesAscending(new TextEncoder().encode(new Date(Number(t.wallTime / 1_000_000n)).toISOString()));
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

/** Builds one layer: data SSTs (one per table) and the manifest object (not yet serialized). */
function buildLayer(
  ex: StoreExtract,
  gen: Generation,
  start: Timestamp,
  end: Timestamp,
  dataDir: string,
  fileNo: { n: number },
): { manifest: BackupManifest; ssts: Map<string, Uint8Array> } {
  const revisions = gen === 'revision-history';
  const elide = gen === 'elided-prefix' ? ElidePrefix.TenantAndTable : ElidePrefix.None;
  const files: BackupFile[] = [];
  const ssts = new Map<string, Uint8Array>();
  let total = { dataSize: 0n, rows: 0n, indexEntries: 0n };
  for (const t of ex.tables) {
    const kvs = exportWindow(t.kvs, start, end, revisions);
    if (kvs.length === 0) continue;
    const plen = elidedPrefixLength(t.start, elide);
    const entries: SstEntry[] = kvs.map((k) => ({ key: plen ? k.key.subarray(plen) : k.key, value: k.value }));
    const path = `${dataDir}${fileNo.n++}.sst`;
    ssts.set(path, writeSst(entries));
    const counts = rowCount(kvs, t.start.length);
    total = { dataSize: total.dataSize + counts.dataSize, rows: total.rows + counts.rows, indexEntries: total.indexEntries + counts.indexEntries };
    files.push({
      span: { key: t.start, endKey: t.end },
      path,
      entryCounts: counts,
      startTime: ZERO_TIMESTAMP,
      endTime: ZERO_TIMESTAMP,
      localityKv: '',
      backingFileSize: BigInt(ssts.get(path)!.length),
      hasRangeKeys: false,
    });
  }
  const revTime: Timestamp = { wallTime: (ex.timestamps[0]?.wallTime ?? 1n) - 1n, logical: 0 };
  const full = start.wallTime === 0n;
  const descriptorChanges: DescriptorRevision[] =
    revisions && full ? ex.descriptors.map((d) => ({ time: revTime, id: d.id, desc: d.bytes })) : [];
  const dbIds = ex.descriptors.filter((d) => d.head.kind === 'database').map((d) => d.id);
  return {
    ssts,
    manifest: {
      startTime: start,
      endTime: end,
      spans: ex.tables.map((t) => ({ key: t.start, endKey: t.end })),
      introducedSpans: [],
      files,
      descriptors: ex.descriptors.map((d) => d.bytes),
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
      clusterVersion: gen === 'metadata-ssts' || gen === 'encrypted' ? '23.1' : gen === 'legacy-backup' ? '20.1' : '21.2',
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
      key: Uint8Array.from([...encodeBytesAscending(f.span.key), ...encodeBytesAscending(new TextEncoder().encode(f.path)), 0]),
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
 * Writes one generation of a collection for `ex` under `out`. `plan.ends[0]` is the full backup's
 * end time; further entries add incrementals. Returns the relative path of every file written.
 */
export async function writeGeneration(out: string, ex: StoreExtract, gen: Generation, plan: CollectionPlan): Promise<string[]> {
  descIds = new Map();
  const ends = gen === 'revision-history' || gen === 'elided-prefix' || gen === 'locality-aware' ? plan.ends.slice(-1) : plan.ends;
  const files = new Map<string, Uint8Array>();
  const encrypted = gen === 'encrypted';
  const salt = seeded(`${ex.store}/salt`, 16);
  const key = encrypted ? deriveKeyFromPassphrase(FIXTURE_PASSPHRASE, salt) : undefined;
  let ivCounter = 0;
  const enc = (b: Uint8Array): Uint8Array => (key ? encryptBytes(b, key, { iv: seeded(`${ex.store}/iv/${ivCounter++}`, 12) }) : b);

  const fullDir = gen === 'legacy-backup' ? '' : fullFolderName(ends[0]!);
  const layers: LayerOut[] = [];
  let prev: Timestamp = ZERO_TIMESTAMP;
  const fileNo = { n: 1 };
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    let dir: string;
    if (i === 0) dir = fullDir;
    else if (gen === 'legacy-backup') dir = incFolderName(end);
    else if (gen === 'manifest-gzip') dir = `incrementals/${fullDir}/${incFolderName(end)}`;
    else dir = `incrementals/${fullDir}/${incFolderName(end, prev)}`;
    const { manifest, ssts } = buildLayer(ex, gen, prev, end, gen === 'legacy-backup' ? '' : 'data/', fileNo);
    descIds.set(manifest, ex.descriptors.map((d) => d.id));
    const lf = new Map<string, Uint8Array>();
    if (gen === 'locality-aware') {
      // Every other data file goes to the second locality. As in backup_job.go, the default manifest
      // still lists every file (those of the locality carry its locality_kv) and names the partition
      // descriptor BACKUP_PART_<n>_<sanitized kv>, which lives (with those files) under the other URI.
      const all = manifest.files.map((f, k) => (k % 2 === 1 ? { ...f, localityKv: LOCALITY_KV } : f));
      const moved = all.filter((f) => f.localityKv === LOCALITY_KV);
      const part = `BACKUP_PART_1_${LOCALITY_KV.replace(/[^a-zA-Z0-9]/g, '_')}`;
      Object.assign(manifest, {
        files: all,
        partitionDescriptorFilenames: [part],
        localityKvs: [LOCALITY_KV],
      });
      const other = new Map<string, Uint8Array>();
      for (const f of moved) {
        other.set(f.path, ssts.get(f.path)!);
        ssts.delete(f.path);
      }
      other.set(part, encodePartitionDescriptor(LOCALITY_KV, moved, manifest.id));
      layers.push({ dir: dir ? `${LOCALITY_DIR}/${dir}` : LOCALITY_DIR, files: other });
      dir = dir ? `default/${dir}` : 'default';
    }
    for (const [p, b] of ssts) lf.set(p, enc(b));
    if (gen === 'legacy-backup') {
      lf.set('BACKUP', encodeBackupManifest(manifest));
    } else {
      const body = enc(gzipSync(encodeBackupManifest(manifest), { level: 9 }));
      lf.set('BACKUP_MANIFEST', body);
      lf.set('BACKUP_MANIFEST-CHECKSUM', checksum(body));
      if (gen === 'metadata-ssts' || gen === 'encrypted') {
        const x = externalSsts(manifest);
        const slim = enc(gzipSync(encodeBackupManifest(x.slim), { level: 9 }));
        lf.set('BACKUP_METADATA', slim);
        lf.set('BACKUP_METADATA-CHECKSUM', checksum(slim));
        lf.set('filelist.sst', enc(x.filelist));
        lf.set('descriptorslist.sst', enc(x.descs));
      }
      lf.set(`BACKUP-LOCK-${1000 + i}`, new TextEncoder().encode('lock'));
    }
    if (i === 0 && encrypted) lf.set('ENCRYPTION-INFO', encodeEncryptionInfo(salt));
    layers.push({ dir, files: lf });
    prev = end;
  }
  for (const l of layers) for (const [p, b] of l.files) files.set(l.dir ? `${l.dir}/${p}` : p, b);
  if (gen === 'locality-aware') files.set('default/LATEST', new TextEncoder().encode(`/${fullDir}`));
  if (gen === 'manifest-gzip' || gen === 'revision-history' || gen === 'elided-prefix') files.set('LATEST', new TextEncoder().encode(`/${fullDir}`));
  if (gen === 'metadata-ssts' || gen === 'encrypted') {
    files.set(`metadata/latest/${latestHistoryName(ends[0]!)}`, new TextEncoder().encode(`/${fullDir}`));
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
