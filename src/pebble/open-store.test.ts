import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreDir } from './open-store.js';
import { isStorageError } from '../util/errors.js';

const STORES = fileURLToPath(new URL('../../../shared/fixtures/crdb-stores/', import.meta.url));
const summary = (s: Awaited<ReturnType<typeof openStoreDir>>): string[] =>
  s.tables.map((t) => `${t.fileNum}:L${t.level}:${t.listed ? 'listed' : 'adopted'}:${t.present ? 'present' : 'absent'}`);

test('stale MANIFEST (prepear-v19.1.0): unlisted tables newer than the MANIFEST are adopted, with warnings', async () => {
  const s = await openStoreDir(STORES + 'prepear-v19.1.0');
  try {
    assert.deepEqual(summary(s), ['9:L0:listed:absent', '22:L-1:adopted:present', '24:L-1:adopted:present']);
    assert.equal(s.warnings.filter((w) => /stale MANIFEST\); adopted/.test(w)).length, 2);
    assert.ok(s.warnings.some((w) => /000009\.sst: listed at L0 by the MANIFEST but absent/.test(w)));
  } finally {
    await s.close();
  }
});

test('L0 over L6 with a listed-but-absent table (spyserver-v20.1.2)', async () => {
  const s = await openStoreDir(STORES + 'spyserver-v20.1.2');
  try {
    assert.deepEqual(summary(s), ['135:L0:listed:present', '132:L6:listed:absent', '133:L6:listed:present']);
    assert.equal(s.minLogNumber, 134n);
    let n = 0;
    for await (const _ of s.entries()) n++;
    assert.equal(n, s.stats.visible);
    assert.equal(s.stats.entries, s.stats.visible + s.stats.deleted + s.stats.rangeDeleted + s.stats.shadowed);
    assert.ok(s.stats.deleted > 0, 'L0 deletions hide L6 versions');
  } finally {
    await s.close();
  }
});

test('Pebble WALs (lain-v20.2.3): both recyclable-format logs replay completely, without warnings', async () => {
  const s = await openStoreDir(STORES + 'lain-v20.2.3');
  try {
    assert.deepEqual(
      s.wals.map((w) => [w.logNumber, w.replayed, w.batches]),
      [
        [107n, true, 43],
        [111n, true, 909],
      ],
    );
    assert.deepEqual(
      s.warnings.filter((w) => /\.log/.test(w)),
      [],
    );
  } finally {
    await s.close();
  }
});

test('a newest WAL that is not a WAL at all ends replay at offset 0 with a warning; the store still opens', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lain-'));
  try {
    await cp(STORES + 'lain-v20.2.3', dir, { recursive: true });
    await chmod(dir, 0o755);
    await rm(join(dir, '000111.log'), { force: true });
    await writeFile(join(dir, '000111.log'), '00000000: 949e 8763 f57f 066f  hex-dump text, not a log\n'.repeat(200));
    const s = await openStoreDir(dir);
    try {
      assert.deepEqual(
        s.wals.map((w) => [w.logNumber, w.replayed, w.batches]),
        [
          [107n, true, 43],
          [111n, true, 0],
        ],
      );
      assert.ok(
        s.warnings.some((w) => /000111\.log at offset 0: invalid chunk type 48/.test(w)),
        s.warnings.join('\n'),
      );
    } finally {
      await s.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('v25.4 store (frt-v25.4.0): blob files resolved through the MANIFEST; a missing directory is a StorageError', async () => {
  const s = await openStoreDir(STORES + 'frt-v25.4.0');
  try {
    assert.deepEqual(
      s.blobFiles.map((b) => [b.fileID, b.present]),
      [
        [10n, true],
        [14n, true],
      ],
    );
    let bytes = 0;
    for await (const kv of s.entries()) bytes += kv.value.length;
    assert.ok(bytes > 200_000, `values incl. blob-separated ones: ${bytes} bytes`);
  } finally {
    await s.close();
  }
  await assert.rejects(openStoreDir(STORES + 'no-such-store'), isStorageError);
});
