import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecodeError } from '../util/errors.js';
import { decodeRangeKeyValue } from './range-key.js';
import { InternalKeyKind } from './types.js';

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const varstr = (s: string): number[] => [s.length, ...b(s)];

test('range-key values: SET with two suffixes, UNSET, DEL', () => {
  const set = Uint8Array.from([...varstr('m'), ...varstr('s1'), ...varstr('v1'), ...varstr('s2'), ...varstr('')]);
  const spans = decodeRangeKeyValue(b('a'), 7n, InternalKeyKind.RangeKeySet, set);
  assert.deepEqual(
    spans.map((s) => [s.start, s.end, s.seqNum, s.kind, s.suffix, s.value]),
    [
      [b('a'), b('m'), 7n, InternalKeyKind.RangeKeySet, b('s1'), b('v1')],
      [b('a'), b('m'), 7n, InternalKeyKind.RangeKeySet, b('s2'), b('')],
    ],
  );
  const unset = decodeRangeKeyValue(b('a'), 8n, InternalKeyKind.RangeKeyUnset, Uint8Array.from([...varstr('z'), ...varstr('s1')]));
  assert.deepEqual(
    unset.map((s) => [s.end, s.suffix, s.value]),
    [[b('z'), b('s1'), b('')]],
  );
  // RANGEKEYDEL: the whole value is the end key.
  const del = decodeRangeKeyValue(b('a'), 9n, InternalKeyKind.RangeKeyDelete, b('zz'));
  assert.deepEqual(
    del.map((s) => [s.end, s.suffix, s.value]),
    [[b('zz'), b(''), b('')]],
  );
});

test('range-key values: a truncated value names the layer and the file offset', () => {
  const truncated = Uint8Array.from([...varstr('m'), 5, 0x61]);
  assert.throws(
    () => decodeRangeKeyValue(b('a'), 1n, InternalKeyKind.RangeKeySet, truncated, 100, 'wal'),
    (e: unknown) => isDecodeError(e) && e.layer === 'wal' && e.offset === 103 && /range key suffix/.test(e.message),
  );
  assert.throws(
    () => decodeRangeKeyValue(b('a'), 1n, InternalKeyKind.Set, truncated),
    (e: unknown) => isDecodeError(e) && e.layer === 'block' && /not a range key kind/.test(e.message),
  );
});
