/**
 * Protobuf encoders for the backup container messages (BackupManifest, File, EncryptionInfo,
 * BackupPartitionDescriptor), used to build fixture backups around real descriptor and KV bytes.
 * Field numbers as in docs/formats.md §2.2 / §1.6; written with the tests' one protobuf writer
 * (proto/testing/wire.ts). Fixture-only code.
 * @internal
 */
import type { Timestamp } from '../../mvcc/types.js';
import type { BackupFile, BackupManifest } from '../manifest.js';
import type { RowCount, Span } from '../proto-wire.js';
import { PbWriter } from '../../proto/testing/wire.js';

export const encodeTimestamp = (t: Timestamp): PbWriter => new PbWriter().uint(1, t.wallTime).uint(2, t.logical);
export const encodeSpan = (s: Span): PbWriter => new PbWriter().bytes(3, s.key).bytes(4, s.endKey);
export const encodeRowCount = (c: RowCount): PbWriter => new PbWriter().uint(1, c.dataSize).uint(2, c.rows).uint(3, c.indexEntries);

export function encodeBackupFile(f: BackupFile): Uint8Array {
  return new PbWriter()
    .message(1, encodeSpan(f.span), true)
    .string(2, f.path)
    .message(6, encodeRowCount(f.entryCounts), true)
    .message(7, encodeTimestamp(f.startTime), true)
    .message(8, encodeTimestamp(f.endTime), true)
    .string(9, f.localityKv)
    .uint(10, f.backingFileSize)
    .bool(12, f.hasRangeKeys)
    .finish();
}

/** Encodes the manifest fields this project reads (gogoproto non-nullable messages always written). */
export function encodeBackupManifest(m: BackupManifest): Uint8Array {
  const w = new PbWriter().message(1, encodeTimestamp(m.startTime), true).message(2, encodeTimestamp(m.endTime), true);
  for (const s of m.spans) w.message(3, encodeSpan(s), true);
  for (const f of m.files) w.message(4, encodeBackupFile(f), true);
  for (const d of m.descriptors) w.message(5, d, true);
  w.uint(8, m.formatVersion)
    .bytes(9, m.clusterId)
    .uint(10, m.nodeId)
    .message(11, new PbWriter().string(2, m.buildTag), true)
    .message(12, encodeRowCount(m.entryCounts), true)
    .uint(13, m.mvccFilter);
  for (const id of m.completeDbs) w.uint(14, id, true);
  for (const s of m.introducedSpans) w.message(15, encodeSpan(s), true);
  for (const r of m.descriptorChanges) {
    const rw = new PbWriter().message(1, encodeTimestamp(r.time), true).uint(2, r.id);
    if (r.desc) rw.message(3, r.desc, true);
    w.message(16, rw, true);
  }
  w.message(17, encodeTimestamp(m.revisionStartTime), true).bytes(18, m.id);
  for (const p of m.partitionDescriptorFilenames) w.string(19, p);
  for (const l of m.localityKvs) w.string(20, l);
  w.uint(22, m.descriptorCoverage);
  for (const [k, v] of m.statisticsFilenames) w.message(23, new PbWriter().uint(1, k).string(2, v));
  if (m.clusterVersion) {
    const [maj, min] = m.clusterVersion.split('.').map(Number);
    w.message(25, new PbWriter().uint(1, maj ?? 0).uint(2, min ?? 0), true);
  }
  return w.bool(27, m.hasExternalManifestSsts).uint(28, m.elidedPrefix).bool(29, m.isCompacted).finish();
}

export function encodeEncryptionInfo(
  salt: Uint8Array,
  kms: ReadonlyArray<{ keyIdHash: Uint8Array; encryptedKey: Uint8Array }> = [],
): Uint8Array {
  const w = new PbWriter().uint(1, 0).bytes(2, salt);
  for (const k of kms) w.message(3, new PbWriter().bytes(1, k.keyIdHash).bytes(2, k.encryptedKey));
  return w.finish();
}

export function encodePartitionDescriptor(localityKv: string, files: readonly BackupFile[], backupId: Uint8Array): Uint8Array {
  const w = new PbWriter().string(1, localityKv);
  for (const f of files) w.message(2, encodeBackupFile(f), true);
  return w.bytes(3, backupId).finish();
}
