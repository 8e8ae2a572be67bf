/*
 * recordingAnswers / answeringFrom over a real local folder: what a storage answered (listings with
 * and without a delimiter, existence checks, whole objects, an absent object) survives a structured
 * clone (a worker's start message) and is answered again by a storage that refuses every call;
 * a question not recorded goes to the storage; nothing is recorded after `finish()`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from './open-storage.js';
import { readIfPresent, type Storage } from './storage.js';
import { answeringFrom, recordingAnswers } from './storage-answers.js';

/** A storage that must not be asked: every call fails, naming what was asked. */
function refusing(name: string): Storage {
  const no = (what: string): never => {
    throw new Error(`asked: ${what}`);
  };
  return {
    name,
    list: (prefix, o) => Promise.reject(new Error(`asked: list ${prefix} ${o?.delimiter ?? ''}`)),
    exists: (path) => Promise.reject(new Error(`asked: exists ${path}`)),
    readAll: (path) => Promise.reject(new Error(`asked: readAll ${path}`)),
    reader: (path) => no(`reader ${path}`),
    sub: (path) => no(`sub ${path}`),
    close: () => Promise.resolve(),
  };
}

test('answers recorded from a folder are given back, after a structured clone, without asking the storage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-answers-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'BACKUP_MANIFEST'), 'manifest bytes');
  writeFileSync(join(dir, 'data', '1.sst'), 'sst');
  const local = openStorage(dir, {});
  const rec = recordingAnswers(local);
  const st = rec.storage;
  const asked = {
    all: await st.list(''),
    collapsed: await st.list('', { delimiter: 'data/' }),
    present: await st.exists('BACKUP_MANIFEST'),
    missing: await st.exists('BACKUP'),
    manifest: Buffer.from(await st.readAll('BACKUP_MANIFEST')).toString(),
    checksum: await readIfPresent(st, 'BACKUP_MANIFEST-CHECKSUM'),
  };
  assert.deepEqual(asked, {
    all: ['BACKUP_MANIFEST', 'data/1.sst'],
    collapsed: ['BACKUP_MANIFEST', 'data/'],
    present: true,
    missing: false,
    manifest: 'manifest bytes',
    checksum: undefined,
  });
  // A failure that is not "no such object" is no answer: reading a folder fails again where it is asked.
  await assert.rejects(st.readAll('data'));
  const answers = structuredClone(rec.finish());
  for (const r of answers.reads) if (r.bytes) assert.equal(r.bytes.buffer.byteLength, r.bytes.byteLength, 'owns its buffer');
  await st.exists('data/1.sst'); // after finish: not recorded
  assert.equal(
    answers.exists.some((e) => e.path === 'data/1.sst'),
    false,
  );

  const again = answeringFrom(refusing(local.name), answers);
  assert.deepEqual(
    {
      all: await again.list(''),
      collapsed: await again.list('', { delimiter: 'data/' }),
      present: await again.exists('BACKUP_MANIFEST'),
      missing: await again.exists('BACKUP'),
      manifest: Buffer.from(await again.readAll('BACKUP_MANIFEST')).toString(),
      checksum: await readIfPresent(again, 'BACKUP_MANIFEST-CHECKSUM'),
    },
    asked,
  );
  await assert.rejects(again.readAll('BACKUP_MANIFEST-CHECKSUM'), /BACKUP_MANIFEST-CHECKSUM: no such object/);
  // Questions the first opening did not ask go to the storage.
  await assert.rejects(again.list('data/'), /asked: list data\//);
  await assert.rejects(again.exists('data/1.sst'), /asked: exists data\/1\.sst/);
  await assert.rejects(again.readAll('data'), /asked: readAll data/);
  assert.throws(() => again.reader('data/1.sst'), /asked: reader data\/1\.sst/);
  await local.close();
});
