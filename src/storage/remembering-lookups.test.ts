/*
 * rememberingLookups over a real local folder: a listing or an existence check asked twice (the
 * second time while the first is in flight, as a backup open asks ahead) reaches the storage once;
 * a listing with a delimiter is cut from the same prefix's full listing asked before it;
 * a question asked ahead whose answer is a failure and never used does not crash the process, and
 * one that is used fails where it is used. readIfPresent: bytes, or undefined for an absent file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from './open-storage.js';
import { readIfPresent, rememberingLookups, type Storage } from './storage.js';

function counted(dir: string): { storage: Storage; calls: string[] } {
  const local = openStorage(dir, {});
  const calls: string[] = [];
  const storage: Storage = {
    ...local,
    name: local.name,
    list: (prefix, o) => {
      calls.push(`list ${prefix} ${o?.delimiter ?? ''}`);
      return local.list(prefix, o);
    },
    exists: (path) => {
      calls.push(`exists ${path}`);
      return path === 'broken' ? Promise.reject(new Error('simulated failure')) : local.exists(path);
    },
    reader: (p) => local.reader(p),
    readAll: (p) => local.readAll(p),
    sub: (p) => local.sub(p),
    close: () => local.close(),
  };
  return { storage, calls };
}

test('rememberingLookups asks each listing and existence check once; an unused failure is silent, a used one throws', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-lookups-'));
  writeFileSync(join(dir, 'a.txt'), 'a');
  writeFileSync(join(dir, 'b.txt'), 'b');
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'c.txt'), 'c');
  writeFileSync(join(dir, 'sub', 'deeper', 'd.txt'), 'd');
  const { storage, calls } = counted(dir);
  const st = rememberingLookups(storage);
  const ahead = st.list('');
  assert.deepEqual(await st.list(''), ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/d.txt']);
  assert.equal(await ahead, await st.list(''));
  assert.deepEqual(await st.list('', { delimiter: '/' }), ['a.txt', 'b.txt', 'sub/'], 'cut from the full listing');
  assert.deepEqual(await st.list('sub/', { delimiter: '/' }), ['sub/c.txt', 'sub/deeper/'], 'asked: no full listing of sub/ before');
  assert.deepEqual(await st.list('sub/'), ['sub/c.txt', 'sub/deeper/d.txt']);
  assert.equal(await st.exists('a.txt'), true);
  assert.equal(await st.exists('a.txt'), true);
  assert.equal(await st.exists('c.txt'), false);
  void st.exists('broken'); // asked ahead, never used: no unhandled rejection
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(st.exists('broken'), /simulated failure/);
  assert.deepEqual(calls, ['list  ', 'list sub/ /', 'list sub/ ', 'exists a.txt', 'exists c.txt', 'exists broken']);
  await st.close();
});

test('readIfPresent gives the bytes of a file and undefined for an absent one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-present-'));
  writeFileSync(join(dir, 'LATEST'), '/2024/05/01-120000.00');
  const st = openStorage(dir, {});
  assert.equal(Buffer.from((await readIfPresent(st, 'LATEST'))!).toString(), '/2024/05/01-120000.00');
  assert.equal(await readIfPresent(st, 'MISSING'), undefined);
  await st.close();
});
