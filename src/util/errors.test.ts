import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, LoadError, StorageError, isDecodeError, isLoadError, isStorageError, reviveError, serializeError } from './errors.js';

// Through structuredClone, as postMessage does between threads.
const roundTrip = (e: unknown): Error => reviveError(structuredClone(serializeError(e)));

test('errors keep class, message, hint and decode position across a thread boundary', () => {
  const load = roundTrip(new LoadError('row rejected: db.t, row key /Table/54/1/7', 'rerun with --on-error quarantine'));
  assert.ok(isLoadError(load) && load instanceof LoadError);
  assert.equal(load.message, 'row rejected: db.t, row key /Table/54/1/7; rerun with --on-error quarantine');
  assert.equal((load as LoadError).hint, 'rerun with --on-error quarantine');

  const dec = roundTrip(new DecodeError('block', 'checksum mismatch', 'data/5.sst', 4096, 'the file is corrupt'));
  assert.ok(isDecodeError(dec));
  assert.equal(dec.message, 'block: checksum mismatch in data/5.sst at offset 4096; the file is corrupt');
  assert.deepEqual([(dec as DecodeError).file, (dec as DecodeError).offset], ['data/5.sst', 4096]);

  assert.ok(isStorageError(roundTrip(new StorageError('s3://b/x is missing'))));

  const plain = roundTrip(Object.assign(new Error('duplicate key value'), { code: '23505' }));
  assert.equal(plain.message, 'duplicate key value');
  assert.equal((plain as Error & { code?: string }).code, '23505');
  assert.equal(roundTrip('not an error').message, 'not an error');
});
