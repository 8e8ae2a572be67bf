import { allInOrder } from '../util/all-in-order.js';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { compareTimestamps, decodeEngineKey } from '../mvcc/engine-key.js';
import type { Timestamp } from '../mvcc/types.js';
import { openSst } from '../sst/reader.js';
import { bytesReader } from '../storage/range-reader.js';
import type { Storage } from '../storage/storage.js';
import { joinPath, readIfPresent } from '../storage/storage.js';
import { DecodeError, MigrateError } from '../util/errors.js';
import { toHex } from '../util/bytes.js';
import { ByteReader } from '../util/byte-reader.js';
import { decodeBytesKey, decodeUvarintAscending } from '../encoding/ordered.js';
import { appearsEncrypted, decryptBytes } from './encryption.js';
import {
  decodeBackupFile,
  decodeBackupManifest,
  MVCCFilter,
  type BackupFile,
  type BackupManifest,
  type DescriptorRevision,
} from './manifest.js';

/** Manifest file names, tried in this order (docs/formats.md §1.3, R1). */
export const MANIFEST_NAMES = ['BACKUP_METADATA', 'BACKUP_MANIFEST', 'BACKUP'] as const;
export type ManifestName = (typeof MANIFEST_NAMES)[number];
export const CHECKSUM_SUFFIX = '-CHECKSUM';
export const FILELIST_SST = 'filelist.sst';
export const DESCRIPTORSLIST_SST = 'descriptorslist.sst';

/**
 * Largest inflated manifest accepted (512 MiB). Since 23.1 the file and descriptor lists live in
 * external SSTs, and older manifests of large clusters stay in the hundreds of MiB; CockroachDB
 * itself holds the whole manifest in memory. A gzip bomb fails once this much is inflated.
 */
export const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

/** A backup needs a key this reader does not have. */
export class EncryptionRequiredError extends MigrateError {
  override name = 'EncryptionRequiredError';
}

/** One layer (full or incremental) with its manifest resolved, including external SSTs (23.1+). */
export interface BackupLayer {
  /** Directory of the layer relative to the storage root ('' for the root). */
  readonly dir: string;
  /** Which manifest file was read (e.g. `BACKUP_MANIFEST`). */
  readonly manifestName: ManifestName;
  readonly manifest: BackupManifest;
  readonly files: readonly BackupFile[];
  /** Descriptors as of end time (bytes of `sql.sqlbase.Descriptor`). */
  readonly descriptors: readonly Uint8Array[];
  /** Revision history (revision-history layers only). */
  readonly descriptorChanges: readonly DescriptorRevision[];
  readonly encrypted: boolean;
}

/** Manifest bytes as stored → plaintext protobuf (checksum, decryption, gunzip), pure. */
export function unwrapManifestBytes(
  stored: Uint8Array,
  file: string,
  key: Uint8Array | undefined,
  checksum?: Uint8Array,
): { bytes: Uint8Array; encrypted: boolean } {
  if (checksum !== undefined) {
    const got = createHash('sha256').update(stored).digest().subarray(0, 4);
    if (checksum.length !== 4 || Buffer.compare(got, Buffer.from(checksum)) !== 0) {
      throw new DecodeError(
        'backup',
        `checksum mismatch (stored ${toHex(checksum)}, computed ${toHex(got)})`,
        file,
        undefined,
        'the manifest is damaged or was modified after the backup; re-copy it from the original location',
      );
    }
  }
  let bytes = stored;
  const encrypted = appearsEncrypted(bytes);
  if (encrypted) {
    if (!key) {
      throw new EncryptionRequiredError(
        `${file} is encrypted`,
        'pass the backup passphrase (--encryption-passphrase / encryption_passphrase)',
      );
    }
    bytes = decryptBytes(bytes, key, file);
  }
  if (bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_MANIFEST_BYTES }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DecodeError(
          'backup',
          `gzip inflates past the limit of ${MAX_MANIFEST_BYTES} bytes (512 MiB; ${stored.length} bytes stored)`,
          file,
          undefined,
          'this is not a manifest CockroachDB wrote (a decompression bomb?); re-copy the backup from its original location',
          { cause: e },
        );
      }
      throw new DecodeError('backup', `cannot gunzip: ${(e as Error).message}`, file, undefined, 'the manifest is truncated', { cause: e });
    }
  }
  return { bytes, encrypted };
}

/**
 * Finds which manifest file a directory holds, or undefined (the first of MANIFEST_NAMES present).
 * Asked all at once: on object storage each question is a round trip.
 */
export async function findManifestName(storage: Storage, dir: string): Promise<ManifestName | undefined> {
  const present = await allInOrder(MANIFEST_NAMES.map((n) => storage.exists(joinPath(dir, n))));
  return MANIFEST_NAMES.find((_, i) => present[i]);
}

async function readMaybeEncryptedFile(storage: Storage, path: string, key: Uint8Array | undefined, where: string): Promise<Uint8Array> {
  const raw = await storage.readAll(path);
  if (!appearsEncrypted(raw)) return raw;
  if (!key) throw new EncryptionRequiredError(`${where} is encrypted`, 'pass the backup passphrase (--encryption-passphrase)');
  return decryptBytes(raw, key, where);
}

/** Reads `filelist.sst`: key = ordered bytes(span start) ‖ ordered string(path), value = File proto. */
export async function readFileListSst(bytes: Uint8Array, file: string): Promise<BackupFile[]> {
  const sst = await openSst(bytesReader(file, bytes));
  const out: BackupFile[] = [];
  try {
    for await (const kv of sst.entries()) {
      const ek = decodeEngineKey(kv.userKey);
      decodeBytesKey(new ByteReader(ek.key, 'key'), false); // validates the key shape
      out.push(decodeBackupFile(kv.value, file));
    }
  } finally {
    await sst.close();
  }
  return out;
}

/** Reads `descriptorslist.sst`: key `desc/` ‖ ordered uvarint ID, one MVCC version per revision. */
export async function readDescriptorsListSst(
  bytes: Uint8Array,
  file: string,
): Promise<Array<{ id: number; time: Timestamp | undefined; desc: Uint8Array | undefined }>> {
  const sst = await openSst(bytesReader(file, bytes));
  const out: Array<{ id: number; time: Timestamp | undefined; desc: Uint8Array | undefined }> = [];
  const prefix = new TextEncoder().encode('desc/');
  try {
    for await (const kv of sst.entries()) {
      const ek = decodeEngineKey(kv.userKey);
      for (let i = 0; i < prefix.length; i++) {
        if (ek.key[i] !== prefix[i]) throw new DecodeError('backup', 'descriptorslist key without desc/ prefix', file);
      }
      const id = Number(decodeUvarintAscending(new ByteReader(ek.key, 'key', 0, prefix.length)));
      const time = ek.version.kind === 'mvcc' ? ek.version.timestamp : undefined;
      out.push({ id, time, desc: kv.value.length > 0 ? Uint8Array.from(kv.value) : undefined });
    }
  } finally {
    await sst.close();
  }
  return out;
}

/** A layer's manifest file as stored: which of MANIFEST_NAMES, its bytes, and its `-CHECKSUM` file when there is one. */
export interface StoredManifest {
  readonly dir: string;
  readonly name: ManifestName;
  readonly stored: Uint8Array;
  readonly checksum: Uint8Array | undefined;
}

/**
 * The manifest most backups are read from: CockroachDB writes it from v19.2 on (beside
 * BACKUP_METADATA, read first, from v23.1). An incremental layer is asked for its full backup's.
 */
const LIKELY_MANIFEST: ManifestName = 'BACKUP_MANIFEST';

/**
 * Fetches the manifest file of the layer in `dir`: BACKUP_METADATA, else BACKUP_MANIFEST, else
 * BACKUP, with its checksum file. The `likely` one and its checksum are asked for at once, beside
 * the existence checks that decide which file the layer has: on object storage that is one round
 * trip instead of two when it is the one (an absent object costs what its existence check does;
 * a wrong guess, one object read for nothing).
 */
export async function fetchManifest(
  storage: Storage,
  dir: string,
  where: (p: string) => string,
  likelyName: ManifestName = LIKELY_MANIFEST,
): Promise<StoredManifest> {
  const likely = joinPath(dir, likelyName);
  const guessed = allInOrder([readIfPresent(storage, likely), readIfPresent(storage, `${likely}${CHECKSUM_SUFFIX}`)]);
  guessed.catch(() => undefined); // not awaited when the layer has another manifest
  const name = await findManifestName(storage, dir);
  if (!name) {
    throw new MigrateError(
      `${where(dir)}: no BACKUP_MANIFEST, BACKUP_METADATA or BACKUP found`,
      'point at a backup collection or at a backup directory',
    );
  }
  const path = joinPath(dir, name);
  if (name === likelyName) {
    const [stored, checksum] = await guessed;
    if (stored) return { dir, name, stored, checksum };
  }
  // The manifest and its checksum side by side (two round trips on object storage become one).
  const [stored, checksum] = await allInOrder([storage.readAll(path), readIfPresent(storage, `${path}${CHECKSUM_SUFFIX}`)]);
  return { dir, name, stored, checksum };
}

/**
 * Reads one layer's manifest (mirrors `ReadBackupManifestFromStore` + `readManifest`,
 * docs/formats.md §1.3): BACKUP_METADATA, else BACKUP_MANIFEST, else BACKUP; checksum verified
 * when a `-CHECKSUM` file exists; decrypted; gunzipped; external SSTs resolved. `likelyName`:
 * the manifest file fetched while the layer's own is looked for (an incremental's full backup's).
 */
export async function readLayer(
  storage: Storage,
  dir: string,
  key: Uint8Array | undefined,
  where: (p: string) => string,
  likelyName?: ManifestName,
): Promise<BackupLayer> {
  return decodeLayer(storage, await fetchManifest(storage, dir, where, likelyName), key, where);
}

/** A layer from its fetched manifest file (`fetchManifest`), decrypted with `key`; external SSTs are read from `storage`. */
export async function decodeLayer(
  storage: Storage,
  fetched: StoredManifest,
  key: Uint8Array | undefined,
  where: (p: string) => string,
): Promise<BackupLayer> {
  const { dir, name, stored, checksum } = fetched;
  const path = joinPath(dir, name);
  if (stored.length === 0)
    throw new MigrateError(
      `${where(path)} is empty (0 bytes)`,
      'the copy of the backup was cut off; copy the backup folder again from where BACKUP wrote it',
    );
  const { bytes, encrypted } = unwrapManifestBytes(stored, where(path), key, checksum);
  const manifest = decodeBackupManifest(bytes, where(path));
  if (!manifest.hasExternalManifestSsts) {
    return {
      dir,
      manifestName: name,
      manifest,
      files: manifest.files,
      descriptors: manifest.descriptors,
      descriptorChanges: manifest.descriptorChanges,
      encrypted,
    };
  }
  const flPath = joinPath(dir, FILELIST_SST);
  const dlPath = joinPath(dir, DESCRIPTORSLIST_SST);
  const [fl, dl] = await allInOrder([
    readMaybeEncryptedFile(storage, flPath, key, where(flPath)),
    readMaybeEncryptedFile(storage, dlPath, key, where(dlPath)),
  ]);
  const files = await readFileListSst(fl, where(flPath));
  const descs = await readDescriptorsListSst(dl, where(dlPath));
  const descriptors: Uint8Array[] = [];
  const descriptorChanges: DescriptorRevision[] = [];
  const revisions = manifest.mvccFilter === MVCCFilter.All && descs.some((d) => d.time !== undefined);
  let lastId = -1;
  for (const d of descs) {
    // Newest revision first per ID: the first entry of each ID is the descriptor at end time.
    if (d.id !== lastId && d.desc) descriptors.push(d.desc);
    lastId = d.id;
    if (revisions && d.time) descriptorChanges.push(d.desc ? { time: d.time, id: d.id, desc: d.desc } : { time: d.time, id: d.id });
  }
  descriptorChanges.sort((a, b) => a.id - b.id || compareTimestamps(b.time, a.time));
  return { dir, manifestName: name, manifest, files, descriptors, descriptorChanges, encrypted };
}
