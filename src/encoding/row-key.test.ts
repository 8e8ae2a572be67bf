import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, fromHex } from '../util/bytes.js';
import { isDecodeError } from '../util/errors.js';
import { encodeUvarintAscending } from './ordered.js';
import { decodeIndexKeyPrefix, primaryIndexSpan, sequenceKey, splitFamilySuffix, tenantPrefix } from './row-key.js';

const u = encodeUvarintAscending;

test('row key framing: docs/formats.md §4.8 example /Table/104/1/5/0', () => {
  const key = fromHex('f0898d88');
  assert.deepEqual(decodeIndexKeyPrefix(key), { tableId: 104, indexId: 1, columnsOffset: 2 });
  assert.deepEqual(splitFamilySuffix(key), { prefixLength: 3, familyId: 0 });
});

test('row key framing: tenant prefix and a non-zero family (MakeFamilyKey: uvarint(f) ‖ uvarint(len))', () => {
  // /Tenant/5/Table/3/1/<descID 110>/2/1 — the descriptor-table layout of §4.6.
  const key = concatBytes([Uint8Array.of(0xfe), u(5), u(3), u(1), u(110), u(2), u(1)]);
  assert.deepEqual(decodeIndexKeyPrefix(key), { tenantId: 5n, tableId: 3, indexId: 1, columnsOffset: 4 });
  assert.deepEqual(splitFamilySuffix(key), { prefixLength: key.length - 2, familyId: 2 });
  // Family 300 needs a 3-byte uvarint (f7 01 2c), so the length byte is uvarint(3) = 0x8b.
  const k300 = concatBytes([u(104), u(1), u(7), u(300), u(3)]);
  assert.deepEqual(splitFamilySuffix(k300), { prefixLength: 3, familyId: 300 });
});

test('row key framing: family 0 and family 2 suffixes of /Table/3/1/53', () => {
  // /Table/3/1/53/0 and /Table/3/1/53/2/1
  assert.deepEqual(splitFamilySuffix(Uint8Array.of(0x8b, 0x89, 0xbd, 0x88)), { prefixLength: 3, familyId: 0 });
  assert.deepEqual(splitFamilySuffix(Uint8Array.of(0x8b, 0x89, 0xbd, 0x8a, 0x89)), { prefixLength: 3, familyId: 2 });
});

test('row keys built: tenant prefix, primary index span, sequence key', () => {
  assert.deepEqual(tenantPrefix(1n), new Uint8Array(0));
  assert.deepEqual(tenantPrefix(5), Uint8Array.of(0xfe, 0x8d));
  const table = { id: 104, primaryIndex: { id: 1 } } as Parameters<typeof primaryIndexSpan>[0];
  assert.deepEqual(primaryIndexSpan(table), [fromHex('f089'), fromHex('f08a')]);
  assert.deepEqual(primaryIndexSpan(table, tenantPrefix(5)), [fromHex('fe8df089'), fromHex('fe8df08a')]);
  // /Table/60/1/0/0: the sequence's single row, family 0.
  const seq = sequenceKey(60);
  assert.deepEqual(seq, fromHex('c4898888'));
  assert.deepEqual(decodeIndexKeyPrefix(seq), { tableId: 60, indexId: 1, columnsOffset: 2 });
  assert.deepEqual(splitFamilySuffix(seq), { prefixLength: 3, familyId: 0 });
});

test('row key framing errors', () => {
  assert.throws(
    () => splitFamilySuffix(fromHex('f08912')),
    (e: unknown) => isDecodeError(e) && /family suffix/.test(String(e)),
  );
  // A length byte claiming 7 bytes of family id in a 1-byte key.
  assert.throws(
    () => splitFamilySuffix(fromHex('8f')),
    (e: unknown) => isDecodeError(e) && /family suffix length byte 0x8f/.test(String(e)),
  );
  assert.throws(
    () => splitFamilySuffix(new Uint8Array(0)),
    (e: unknown) => isDecodeError(e) && /empty row key/.test(String(e)),
  );
  assert.throws(() => decodeIndexKeyPrefix(fromHex('f6')), /truncated/);
});
