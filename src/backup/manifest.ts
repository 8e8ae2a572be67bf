import { DecodeError } from '../util/errors.js';
import { ZERO_TIMESTAMP, type Timestamp } from '../mvcc/types.js';
import {
  bytesCopy,
  newReader,
  readMessage,
  readRowCount,
  readSpan,
  readTimestamp,
  subEnd,
  uint64Big,
  ZERO_ROW_COUNT,
  type PbReader,
  type RowCount,
  type Span,
} from './proto-wire.js';

/**
 * `cockroach.ccl.backupccl.BackupManifest` and friends, decoded by hand (docs/formats.md §2.2;
 * `crdb: pkg/backup/backuppb/backup.proto`, older `pkg/ccl/backupccl/backuppb/backup.proto`).
 * Only fields a restore-to-SQL reader needs; unknown fields are skipped. Descriptors stay bytes.
 */

export const enum MVCCFilter {
  Latest = 0,
  All = 1,
}

/** `execinfrapb.ElidePrefix` (values assumed 0/1/2, docs/formats.md §1.8 [M]). */
export const enum ElidePrefix {
  None = 0,
  Tenant = 1,
  TenantAndTable = 2,
}

/** `BackupManifest.File`: one span of one data SST. */
export interface BackupFile {
  readonly span: Span;
  /** Relative to the layer directory (e.g. `data/812.sst`). */
  readonly path: string;
  readonly entryCounts: RowCount;
  readonly startTime: Timestamp;
  readonly endTime: Timestamp;
  /** Non-empty in locality-aware backups: which locality URI holds the file. */
  readonly localityKv: string;
  readonly backingFileSize: bigint;
  readonly hasRangeKeys: boolean;
}

/** `BackupManifest.DescriptorRevision`: `desc` absent ⇒ the descriptor was deleted at `time`. */
export interface DescriptorRevision {
  readonly time: Timestamp;
  readonly id: number;
  readonly desc?: Uint8Array;
}

export interface BackupManifest {
  readonly startTime: Timestamp;
  readonly endTime: Timestamp;
  readonly spans: readonly Span[];
  readonly introducedSpans: readonly Span[];
  readonly files: readonly BackupFile[];
  /** Marshaled `sql.sqlbase.Descriptor` bytes, in manifest order. */
  readonly descriptors: readonly Uint8Array[];
  readonly descriptorChanges: readonly DescriptorRevision[];
  readonly formatVersion: number;
  readonly clusterId: Uint8Array;
  readonly nodeId: number;
  /** `build_info.tag`, e.g. `v23.1.11`. */
  readonly buildTag: string;
  readonly entryCounts: RowCount;
  readonly mvccFilter: MVCCFilter;
  readonly completeDbs: readonly number[];
  readonly revisionStartTime: Timestamp;
  readonly id: Uint8Array;
  readonly partitionDescriptorFilenames: readonly string[];
  readonly localityKvs: readonly string[];
  readonly descriptorCoverage: number;
  readonly statisticsFilenames: ReadonlyMap<number, string>;
  /** `cluster_version` as "major.minor" (or "" when absent). */
  readonly clusterVersion: string;
  readonly hasExternalManifestSsts: boolean;
  readonly elidedPrefix: ElidePrefix;
  readonly isCompacted: boolean;
}

function readString(r: PbReader): string {
  return r.string();
}

function readRepeatedUint32(r: PbReader, wt: number, out: number[]): void {
  if (wt === 2) {
    const end = subEnd(r);
    while (r.pos < end) out.push(r.uint32());
  } else out.push(r.uint32());
}

/** `BackupManifest.File` (field numbers in docs/formats.md §2.2). */
export function readBackupFile(r: PbReader, end: number): BackupFile {
  let span: Span = { key: new Uint8Array(0), endKey: new Uint8Array(0) };
  let path = '';
  let entryCounts = ZERO_ROW_COUNT;
  let startTime = ZERO_TIMESTAMP;
  let endTime = ZERO_TIMESTAMP;
  let localityKv = '';
  let backingFileSize = 0n;
  let hasRangeKeys = false;
  readMessage(r, end, (no, wt) => {
    switch (no) {
      case 1:
        span = readSpan(r);
        break;
      case 2:
        path = readString(r);
        break;
      case 6:
        entryCounts = readRowCount(r);
        break;
      case 7:
        startTime = readTimestamp(r);
        break;
      case 8:
        endTime = readTimestamp(r);
        break;
      case 9:
        localityKv = readString(r);
        break;
      case 10:
        backingFileSize = wt === 0 ? uint64Big(r) : (r.skipType(wt), 0n);
        break;
      case 12:
        hasRangeKeys = wt === 0 ? r.bool() : (r.skipType(wt), false);
        break;
      default:
        r.skipType(wt);
    }
  });
  return { span, path, entryCounts, startTime, endTime, localityKv, backingFileSize, hasRangeKeys };
}

/** Decodes a marshaled `BackupManifest.File` (a filelist.sst value). */
export function decodeBackupFile(bytes: Uint8Array, file?: string): BackupFile {
  try {
    const r = newReader(bytes);
    return readBackupFile(r, r.len);
  } catch (e) {
    throw wrap(e, 'BackupManifest.File', file);
  }
}

function readRevision(r: PbReader): DescriptorRevision {
  const end = subEnd(r);
  let time = ZERO_TIMESTAMP;
  let id = 0;
  let desc: Uint8Array | undefined;
  readMessage(r, end, (no, wt) => {
    if (no === 1 && wt === 2) time = readTimestamp(r);
    else if (no === 2 && wt === 0) id = r.uint32();
    else if (no === 3 && wt === 2) desc = bytesCopy(r);
    else r.skipType(wt);
  });
  return desc ? { time, id, desc } : { time, id };
}

function readVersion(r: PbReader): string {
  const end = subEnd(r);
  let major = 0;
  let minor = 0;
  readMessage(r, end, (no, wt) => {
    if (no === 1 && wt === 0) major = r.int32();
    else if (no === 2 && wt === 0) minor = r.int32();
    else r.skipType(wt);
  });
  return major === 0 && minor === 0 ? '' : `${major}.${minor}`;
}

function readBuildTag(r: PbReader): string {
  const end = subEnd(r);
  let tag = '';
  readMessage(r, end, (no, wt) => {
    if (no === 2 && wt === 2) tag = r.string();
    else r.skipType(wt);
  });
  return tag;
}

function readStatsEntry(r: PbReader, into: Map<number, string>): void {
  const end = subEnd(r);
  let k = 0;
  let v = '';
  readMessage(r, end, (no, wt) => {
    if (no === 1 && wt === 0) k = r.uint32();
    else if (no === 2 && wt === 2) v = r.string();
    else r.skipType(wt);
  });
  into.set(k, v);
}

function wrap(e: unknown, what: string, file?: string): DecodeError {
  if (e instanceof DecodeError) return file ? e.inFile(file) : e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DecodeError(
    'backup',
    `cannot decode ${what}: ${msg}`,
    file,
    undefined,
    'the file is damaged or not a CockroachDB backup manifest',
    {
      cause: e,
    },
  );
}

/** A BackupManifest being decoded: the same fields, writable, lists growing as the fields arrive. */
type ManifestDraft = {
  startTime: Timestamp;
  endTime: Timestamp;
  spans: Span[];
  introducedSpans: Span[];
  files: BackupFile[];
  descriptors: Uint8Array[];
  descriptorChanges: DescriptorRevision[];
  formatVersion: number;
  clusterId: Uint8Array;
  nodeId: number;
  buildTag: string;
  entryCounts: RowCount;
  mvccFilter: MVCCFilter;
  completeDbs: number[];
  revisionStartTime: Timestamp;
  id: Uint8Array;
  partitionDescriptorFilenames: string[];
  localityKvs: string[];
  descriptorCoverage: number;
  statisticsFilenames: Map<number, string>;
  clusterVersion: string;
  hasExternalManifestSsts: boolean;
  elidedPrefix: ElidePrefix;
  isCompacted: boolean;
};

/** The manifest's defaults (proto3: an absent field is its zero value), in the order of the fields of BackupManifest. */
function emptyManifest(): ManifestDraft {
  return {
    startTime: ZERO_TIMESTAMP,
    endTime: ZERO_TIMESTAMP,
    spans: [],
    introducedSpans: [],
    files: [],
    descriptors: [],
    descriptorChanges: [],
    formatVersion: 0,
    clusterId: new Uint8Array(0),
    nodeId: 0,
    buildTag: '',
    entryCounts: ZERO_ROW_COUNT,
    mvccFilter: MVCCFilter.Latest,
    completeDbs: [],
    revisionStartTime: ZERO_TIMESTAMP,
    id: new Uint8Array(0),
    partitionDescriptorFilenames: [],
    localityKvs: [],
    descriptorCoverage: 0,
    statisticsFilenames: new Map<number, string>(),
    clusterVersion: '',
    hasExternalManifestSsts: false,
    elidedPrefix: ElidePrefix.None,
    isCompacted: false,
  };
}

/** Reads field `no` (wire type `wt`) of a BackupManifest message into `m`; unknown fields are skipped. */
function readManifestField(r: PbReader, no: number, wt: number, m: ManifestDraft): void {
  switch (no) {
    case 1:
      m.startTime = readTimestamp(r);
      break;
    case 2:
      m.endTime = readTimestamp(r);
      break;
    case 3:
      m.spans.push(readSpan(r));
      break;
    case 4:
      m.files.push(readBackupFile(r, subEnd(r)));
      break;
    case 5:
      m.descriptors.push(bytesCopy(r));
      break;
    case 8:
      m.formatVersion = r.uint32();
      break;
    case 9:
      m.clusterId = bytesCopy(r);
      break;
    case 10:
      m.nodeId = r.int32();
      break;
    case 11:
      m.buildTag = readBuildTag(r);
      break;
    case 12:
      m.entryCounts = readRowCount(r);
      break;
    case 13:
      m.mvccFilter = r.int32() as MVCCFilter;
      break;
    case 14:
      readRepeatedUint32(r, wt, m.completeDbs);
      break;
    case 15:
      m.introducedSpans.push(readSpan(r));
      break;
    case 16:
      m.descriptorChanges.push(readRevision(r));
      break;
    case 17:
      m.revisionStartTime = readTimestamp(r);
      break;
    case 18:
      m.id = bytesCopy(r);
      break;
    case 19:
      m.partitionDescriptorFilenames.push(r.string());
      break;
    case 20:
      m.localityKvs.push(r.string());
      break;
    case 22:
      m.descriptorCoverage = r.int32();
      break;
    case 23:
      readStatsEntry(r, m.statisticsFilenames);
      break;
    case 25:
      m.clusterVersion = readVersion(r);
      break;
    case 27:
      m.hasExternalManifestSsts = r.bool();
      break;
    case 28:
      m.elidedPrefix = r.int32() as ElidePrefix;
      break;
    case 29:
      m.isCompacted = r.bool();
      break;
    default:
      r.skipType(wt);
  }
}

/** Decodes the (already decrypted and gunzipped) bytes of BACKUP_MANIFEST / BACKUP / BACKUP_METADATA. Pure. */
export function decodeBackupManifest(bytes: Uint8Array, file?: string): BackupManifest {
  const m = emptyManifest();
  try {
    const r = newReader(bytes);
    readMessage(r, r.len, (no, wt) => readManifestField(r, no, wt, m));
  } catch (e) {
    throw wrap(e, 'BackupManifest', file);
  }
  return m;
}

/** `BackupPartitionDescriptor { locality_kv = 1, files = 2, backup_id = 3 }` (locality-aware backups). */
export interface BackupPartitionDescriptor {
  readonly localityKv: string;
  readonly files: readonly BackupFile[];
  readonly backupId: Uint8Array;
}

export function decodeBackupPartitionDescriptor(bytes: Uint8Array, file?: string): BackupPartitionDescriptor {
  let localityKv = '';
  const files: BackupFile[] = [];
  let backupId: Uint8Array = new Uint8Array(0);
  try {
    const r = newReader(bytes);
    readMessage(r, r.len, (no, wt) => {
      if (no === 1 && wt === 2) localityKv = r.string();
      else if (no === 2 && wt === 2) files.push(readBackupFile(r, subEnd(r)));
      else if (no === 3 && wt === 2) backupId = bytesCopy(r);
      else r.skipType(wt);
    });
  } catch (e) {
    throw wrap(e, 'BackupPartitionDescriptor', file);
  }
  return { localityKv, files, backupId };
}
