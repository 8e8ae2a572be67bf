import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, fromHex } from '../util/bytes.js';
import { isDecodeError } from '../util/errors.js';
import { encodeUvarintAscending } from './ordered.js';
import { decodeFamilySuffix, decodeIndexKeyPrefix } from './row-key.js';

const u = encodeUvarintAscending;

test('row key framing: docs/formats.md §4.8 example /Table/104/1/5/0', () => {
  const key = fromHex('f0898d88');
  assert.deepEqual(decodeIndexKeyPrefix(key), { tableId: 104, indexId: 1, columnsOffset: 2 });
  assert.deepEqual(decodeFamilySuffix(key), { rowPrefixLength: 3, familyId: 0 });
});

test('row key framing: tenant prefix and a non-zero family (MakeFamilyKey: uvarint(f) ‖ uvarint(len))', () => {
  // /Tenant/5/Table/3/1/<descID 110>/2/1 — the descriptor-table layout of §4.6.
  const key = concatBytes([Uint8Array.of(0xfe), u(5), u(3), u(1), u(110), u(2), u(1)]);
  assert.deepEqual(decodeIndexKeyPrefix(key), { tenantId: 5n, tableId: 3, indexId: 1, columnsOffset: 4 });
  assert.deepEqual(decodeFamilySuffix(key), { rowPrefixLength: key.length - 2, familyId: 2 });
  // Family 300 needs a 3-byte uvarint (f7 01 2c), so the length byte is uvarint(3) = 0x8b.
  const k300 = concatBytes([u(104), u(1), u(7), u(300), u(3)]);
  assert.deepEqual(decodeFamilySuffix(k300), { rowPrefixLength: 3, familyId: 300 });
});

test('row key framing errors', () => {
  assert.throws(() => decodeFamilySuffix(fromHex('f08912')), (e: unknown) => isDecodeError(e) && /family suffix/.test(String(e)));
  assert.throws(() => decodeFamilySuffix(fromHex('8f')), /exceeds the key/);
  assert.throws(() => decodeIndexKeyPrefix(fromHex('f6')), /truncated/);
});
