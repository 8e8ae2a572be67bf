import { DecodeError } from '../util/errors.js';
import { bytesCopy, newReader, readMessage, subEnd } from './proto-wire.js';

/**
 * `jobspb.EncryptionInfo { scheme = 1, salt = 2, encryptedDataKeyByKMSMasterKeyID = 3 (map<string,bytes>) }`
 * (docs/formats.md §1.6). Map keys are raw SHA-256 digests in a proto `string`, so they are kept
 * as bytes — a UTF-8 decode would corrupt them.
 */
export interface EncryptionInfo {
  readonly scheme: number;
  readonly salt: Uint8Array;
  readonly encryptedDataKeyByKMSMasterKeyID: ReadonlyArray<{ readonly keyIdHash: Uint8Array; readonly encryptedKey: Uint8Array }>;
}

export function decodeEncryptionInfo(bytes: Uint8Array, file?: string): EncryptionInfo {
  let scheme = 0;
  let salt: Uint8Array = new Uint8Array(0);
  const keys: Array<{ keyIdHash: Uint8Array; encryptedKey: Uint8Array }> = [];
  try {
    const r = newReader(bytes);
    readMessage(r, r.len, (no, wt) => {
      if (no === 1 && wt === 0) scheme = r.int32();
      else if (no === 2 && wt === 2) salt = bytesCopy(r);
      else if (no === 3 && wt === 2) {
        const end = subEnd(r);
        let keyIdHash: Uint8Array = new Uint8Array(0);
        let encryptedKey: Uint8Array = new Uint8Array(0);
        readMessage(r, end, (n2, w2) => {
          if (n2 === 1 && w2 === 2) keyIdHash = bytesCopy(r);
          else if (n2 === 2 && w2 === 2) encryptedKey = bytesCopy(r);
          else r.skipType(w2);
        });
        keys.push({ keyIdHash, encryptedKey });
      } else r.skipType(wt);
    });
  } catch (e) {
    if (e instanceof DecodeError) throw file ? e.inFile(file) : e;
    throw new DecodeError('encryption', `cannot decode EncryptionInfo: ${(e as Error).message}`, file, undefined, undefined, {
      cause: e,
    });
  }
  return { scheme, salt, encryptedDataKeyByKMSMasterKeyID: keys };
}
