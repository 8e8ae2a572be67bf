/**
 * Test helper: the newest live version of every primary-index KV (any family) of one table in one
 * real SST, checksums verified — the raw input of the key and value decoders' fixture tests.
 */
import assert from 'node:assert/strict';
import { decodeEngineKey } from '../../mvcc/engine-key.js';
import { decodeMVCCValue } from '../../mvcc/mvcc-value.js';
import { openSst } from '../../sst/reader.js';
import { InternalKeyKind } from '../../sst/types.js';
import { localFileReader } from '../../storage/local-file.js';
import { hasPrefix } from '../../util/bytes.js';
import { encodeUvarintAscending } from '../ordered.js';
import { prettyKey } from '../pretty-key.js';
import { verifyValueChecksum } from '../roach-value.js';

export async function sstTableRows(sstPath: string, tableId: number): Promise<{ key: Uint8Array; value: Uint8Array }[]> {
  const prefix = Uint8Array.from([...encodeUvarintAscending(tableId), 0x89]);
  const sst = await openSst(localFileReader(sstPath));
  const out: { key: Uint8Array; value: Uint8Array }[] = [];
  let last: Uint8Array | undefined;
  try {
    for await (const kv of sst.entries()) {
      const ek = decodeEngineKey(kv.userKey);
      if (!hasPrefix(ek.key, prefix) || ek.version.kind !== 'mvcc') continue;
      if (last && Buffer.compare(last, ek.key) === 0) continue; // older version
      last = ek.key;
      if (kv.kind !== InternalKeyKind.Set && kv.kind !== InternalKeyKind.SetWithDelete) continue;
      const mv = decodeMVCCValue(kv.value);
      if (mv.isTombstone) continue;
      assert.ok(verifyValueChecksum(ek.key, mv.value), `checksum of ${prettyKey(ek.key)}`);
      out.push({ key: ek.key, value: mv.value });
    }
  } finally {
    await sst.close();
  }
  return out;
}
