import { createHash } from 'node:crypto';
import type { Storage } from '../storage/storage.js';
import { joinPath } from '../storage/storage.js';
import { MigrateError } from '../util/errors.js';
import { toHex } from '../util/bytes.js';
import { decodeEncryptionInfo, type EncryptionInfo } from './encryption-info.js';
import { deriveKeyFromPassphrase } from './encryption.js';

export const ENCRYPTION_INFO = 'ENCRYPTION-INFO';

export interface EncryptionSettings {
  readonly passphrase?: string;
  /** A 32-byte data key already unwrapped (e.g. by the user's own KMS call), hex or bytes. */
  readonly dataKey?: Uint8Array;
}

/** All `ENCRYPTION-INFO*` files of a full backup directory, newest (highest suffix) first. */
export async function readEncryptionInfos(storage: Storage, fullDir: string): Promise<Array<{ path: string; info: EncryptionInfo }>> {
  const prefix = joinPath(fullDir, ENCRYPTION_INFO);
  const names = (await storage.list(prefix)).filter((n) => /ENCRYPTION-INFO(-\d+)?$/.test(n));
  names.sort((a, b) => {
    const na = Number(/-(\d+)$/.exec(a)?.[1] ?? -1);
    const nb = Number(/-(\d+)$/.exec(b)?.[1] ?? -1);
    return nb - na;
  });
  const out: Array<{ path: string; info: EncryptionInfo }> = [];
  for (const n of names) out.push({ path: n, info: decodeEncryptionInfo(await storage.readAll(n), n) });
  return out;
}

/**
 * Candidate data keys for an encrypted chain (docs/formats.md §1.6): PBKDF2 of the passphrase with
 * each ENCRYPTION-INFO salt. KMS-encrypted backups need the KMS to unwrap the data key; this reader
 * does not call KMS, so it says what is needed instead.
 */
export function candidateKeys(
  infos: ReadonlyArray<{ path: string; info: EncryptionInfo }>,
  settings: EncryptionSettings,
  where: string,
): Uint8Array[] {
  if (settings.dataKey) {
    if (settings.dataKey.length !== 32)
      throw new MigrateError(`the data key must be 32 bytes, got ${settings.dataKey.length}`, 'pass the AES-256 key as 64 hex digits');
    return [settings.dataKey];
  }
  const kms = infos.filter((i) => i.info.encryptedDataKeyByKMSMasterKeyID.length > 0);
  const salted = infos.filter((i) => i.info.salt.length > 0 && i.info.encryptedDataKeyByKMSMasterKeyID.length === 0);
  if (settings.passphrase !== undefined) {
    if (salted.length === 0) {
      if (kms.length > 0) throw kmsError(kms, where);
      throw new MigrateError(
        `${where}: no ENCRYPTION-INFO with a salt found`,
        'the backup is not passphrase-encrypted, or ENCRYPTION-INFO was not copied',
      );
    }
    return salted.map((s) => deriveKeyFromPassphrase(settings.passphrase!, s.info.salt));
  }
  if (kms.length > 0) throw kmsError(kms, where);
  throw new MigrateError(
    `${where} is encrypted with a passphrase`,
    'pass it with --encryption-passphrase (config key encryption_passphrase)',
  );
}

function kmsError(kms: ReadonlyArray<{ path: string; info: EncryptionInfo }>, where: string): MigrateError {
  const ids = kms.flatMap((k) => k.info.encryptedDataKeyByKMSMasterKeyID.map((e) => toHex(e.keyIdHash).slice(0, 16)));
  return new MigrateError(
    `${where} is encrypted with KMS (${ids.length} master key(s), SHA-256 prefixes ${ids.join(', ')})`,
    'KMS decryption is not built in: decrypt the data key with your KMS (e.g. `aws kms decrypt` on the ENCRYPTION-INFO entry for your key) and pass the 32-byte result as --encryption-data-key <hex>',
  );
}

/** SHA-256 of a KMS master key ID, as used for the ENCRYPTION-INFO map key. */
export function kmsKeyIdHash(masterKeyId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(masterKeyId).digest());
}
