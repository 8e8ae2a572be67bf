/**
 * Backups on object storage are read ahead (parallel ranged reads, not one request at a time) and
 * give exactly the rows of the same backup read from local disk. Real parts: the real recipes store
 * cut into many small data files plus incrementals with updates and deletes, the real v20.1.7
 * backup (no file sizes in its manifest), an encrypted one; all served by s3rver on loopback.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { openStorage } from '../storage/open-storage.js';
import type { RangeReader } from '../storage/range-reader.js';
import type { ReadAheadOptions } from '../storage/read-ahead.js';
import type { Storage } from '../storage/storage.js';
import { startTestS3, type TestS3 } from '../storage/testing/s3-server.js';
import { readBackup, type ReadBackupOptions } from './read-backup.js';
import { FIXTURE_PASSPHRASE, planFor, writeGeneration } from './testing/build-collection.js';
import { dumpTables } from './testing/compare.js';
import { tableSpan } from './testing/store-extract.js';
import { CRDB_STORES_DIR, listFiles } from './testing/fixture-bed.js';
import { extractStore } from './testing/store-extract.js';

const REAL_BACKUP = new URL('../../../shared/fixtures/crdb-backups/cluster-v20.1.7/backup/', import.meta.url).pathname;
/** Small pieces and budget, so that files span several pieces and the window limit is reached. */
const SMALL: ReadAheadOptions = { budgetBytes: 8 * 1024, chunkBytes: 256, maxInFlight: 6 };

let s3: TestS3;
let tmp: string;
let tableIds: number[];

before(async () => {
  s3 = await startTestS3();
  tmp = await mkdtemp(join(tmpdir(), 's3-read-ahead-'));
  const ex = await extractStore(join(CRDB_STORES_DIR, 'recipes-v2.1.0'), 'recipes-v2.1.0');
  tableIds = ex.tables.map((t) => t.id);
  // One KV per file: dozens of files per table and layer, two incrementals with updates and deletes.
  for (const gen of ['manifest-gzip', 'encrypted'] as const) {
    await writeGeneration(join(tmp, gen), ex, gen, planFor(ex, 2), { fileKvs: 1 });
  }
  for (const f of await listFiles(tmp)) await s3.put(`many/${relative(tmp, f)}`, await readFile(f));
  for (const f of await listFiles(REAL_BACKUP)) await s3.put(`real/${relative(REAL_BACKUP, f)}`, await readFile(f));
});

after(async () => {
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const s3Url = (path: string): string =>
  `s3://${s3.bucket}/${path}?AWS_ACCESS_KEY_ID=${s3.accessKeyId}&AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}&AWS_ENDPOINT=${encodeURIComponent(s3.endpoint)}`;

/** The storage with every ranged read counted: how many were in flight at once at most. */
function countingStorage(st: Storage, seen: { inFlight: number; max: number; reads: number }): Storage {
  const wrap = (s: Storage): Storage => ({
    ...s,
    list: (p, o) => s.list(p, o),
    exists: (p) => s.exists(p),
    readAll: (p) => s.readAll(p),
    close: () => s.close(),
    sub: (p) => wrap(s.sub(p)),
    reader(p: string): RangeReader {
      const r = s.reader(p);
      return {
        name: r.name,
        size: () => r.size(),
        async read(a, b) {
          seen.reads++;
          seen.max = Math.max(seen.max, ++seen.inFlight);
          try {
            return await r.read(a, b);
          } finally {
            seen.inFlight--;
          }
        },
        ...(r.close ? { close: () => r.close!() } : {}),
      };
    },
  });
  return wrap(st);
}

/** Every KV of `ids` read through S3 with read-ahead `ra`, and the counts of the storage's reads. */
async function dumpThroughS3(path: string, ids: readonly number[], ra: ReadAheadOptions | undefined, extra: ReadBackupOptions = {}) {
  const url = s3Url(path);
  const seen = { inFlight: 0, max: 0, reads: 0 };
  const storage = countingStorage(openStorage(url), seen);
  const b = await readBackup(url, { ...extra, storage, readAhead: ra ?? false });
  try {
    const rows = await dumpTables(b.source, ids);
    return {
      rows,
      seen,
      stats: { ...b.source.readAheadStats },
      files: b.chain.reduce((n, l) => n + l.files.length, 0),
      layers: b.chain.length,
    };
  } finally {
    await b.close();
    await storage.close();
  }
}

for (const gen of ['manifest-gzip', 'encrypted'] as const) {
  test(`many small data files over three layers (${gen}) on S3: read ahead in parallel, the same rows as from local disk`, async () => {
    const extra: ReadBackupOptions = gen === 'encrypted' ? { passphrase: FIXTURE_PASSPHRASE } : {};
    const local = await readBackup(join(tmp, gen), extra);
    let want: string[];
    try {
      want = await dumpTables(local.source, tableIds);
    } finally {
      await local.close();
    }
    const got = await dumpThroughS3(`many/${gen}`, tableIds, SMALL, extra);
    assert.equal(got.layers, 3);
    assert.ok(got.files > 20, `${got.files} data files`);
    assert.ok(want.length > 0);
    assert.deepEqual(got.rows, want);
    // Not one request at a time: the storage saw several ranged reads in flight together.
    assert.ok(got.seen.max > 1, `at most ${got.seen.max} read(s) in flight`);
    assert.ok(got.stats.servedReads > 0 && got.stats.requests > 0, JSON.stringify(got.stats));
    // Bounded: what is held stays within the scan's budget plus one block-source read (512 KiB) and a piece.
    assert.ok(got.stats.maxHeldBytes <= SMALL.budgetBytes + 512 * 1024 + SMALL.chunkBytes, JSON.stringify(got.stats));
    // The default for S3 (no readAhead option) reads ahead too, with the same rows.
    const url = s3Url(`many/${gen}`);
    const b = await readBackup(url, extra);
    try {
      assert.deepEqual(await dumpTables(b.source, tableIds), want);
      assert.ok(b.source.readAheadStats.requests > 0);
    } finally {
      await b.close();
    }
  });
}

/**
 * The storage with every ranged read and every warm hint recorded, in order, as `path start-end`;
 * reads are answered only once `log.gate` resolves (so that a scan's read-ahead has its opening
 * window in flight and nothing consumed yet).
 */
function recordingStorage(st: Storage, log: { reads: string[]; warms: string[]; gate: Promise<void> }): Storage {
  const wrap = (s: Storage): Storage => ({
    ...s,
    list: (p, o) => s.list(p, o),
    exists: (p) => s.exists(p),
    readAll: (p) => s.readAll(p),
    close: () => s.close(),
    sub: (p) => wrap(s.sub(p)),
    reader(p: string): RangeReader {
      const r = s.reader(p);
      return {
        name: r.name,
        size: () => r.size(),
        async read(a, b) {
          log.reads.push(`${p} ${a}-${b}`);
          await log.gate;
          return r.read(a, b);
        },
        warm: (a, b) => void log.warms.push(`${p} ${a}-${b}`),
      };
    },
  });
  return wrap(st);
}

/** Small pieces, a budget of many, an opening window of two (as the default's 4 of 16 MiB in 2 MiB pieces). */
const OPENING: ReadAheadOptions = { budgetBytes: 8 * 1024, chunkBytes: 256, maxInFlight: 16, initialBytes: 512 };

test('warming a span fetches what a scan of it reads first, and nothing it does not read, over three layers on S3', async () => {
  const url = s3Url('many/manifest-gzip');
  const log = { reads: [] as string[], warms: [] as string[], gate: Promise.resolve() };
  const storage = recordingStorage(openStorage(url), log);
  const b = await readBackup(url, { storage, readAhead: OPENING });
  const parse = (r: string): { path: string; start: number; end: number } => {
    const [path, range] = r.split(' ') as [string, string];
    const [start, end] = range.split('-').map(Number) as [number, number];
    return { path, start, end };
  };
  const inside = (r: string, ranges: readonly string[]): boolean => {
    const x = parse(r);
    return ranges.map(parse).some((w) => w.path === x.path && w.start <= x.start && x.end <= w.end);
  };
  const layerOf = (r: string): string => r.slice(0, r.indexOf('/data/'));
  let compared = 0;
  try {
    for (const id of tableIds) {
      const { start, end } = tableSpan(id);
      log.warms.length = 0;
      b.source.warm(start, end);
      const warmed = [...log.warms];
      // The scan starts with every read held: what it asked for by then is its opening.
      let open!: () => void;
      log.gate = new Promise((r) => (open = r));
      log.reads.length = 0;
      const it = b.source.scan(start, end)[Symbol.asyncIterator]();
      const first = it.next();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const opening = [...log.reads];
      open();
      let kvs = (await first).done ? 0 : 1;
      while (!(await it.next()).done) kvs++;
      if (kvs === 0) continue;
      assert.ok(opening.length > 0 && warmed.length > 0, `table ${id}: opening ${opening.join(', ')}; warmed ${warmed.join(', ')}`);
      // Each layer is one run here, and runs start one after the other: for each run that had
      // started, its first requests (the footer piece, then the first data pieces) lie inside
      // what was warmed, so a thread starting this scan later finds them fetched.
      for (const layer of new Set(opening.map(layerOf))) {
        const o = opening.filter((r) => layerOf(r) === layer);
        const w = warmed.filter((r) => layerOf(r) === layer);
        assert.ok(
          o.length >= 2 && o.slice(0, 2).every((r) => inside(r, w)),
          `table ${id}, layer ${layer}: opening ${o.join(', ')}; warmed ${w.join(', ')}`,
        );
        compared++;
      }
      // And every warmed byte is read by the scan: nothing is fetched for nothing.
      for (const w of warmed.map(parse)) {
        const covered = new Uint8Array(w.end - w.start);
        for (const r of log.reads.map(parse)) {
          if (r.path === w.path) covered.fill(1, Math.max(0, r.start - w.start), Math.max(0, Math.min(w.end, r.end) - w.start));
        }
        assert.ok(
          covered.every((x) => x === 1),
          `warmed ${w.path} ${w.start}-${w.end} is not all read`,
        );
      }
    }
  } finally {
    await b.close();
    await storage.close();
  }
  assert.ok(compared >= tableIds.length, `${compared} runs compared`);
  // An encrypted chain's stored file sizes are not the manifest's: nothing is warmed, nothing breaks.
  const enc = s3Url('many/encrypted');
  const elog = { reads: [] as string[], warms: [] as string[], gate: Promise.resolve() };
  const es = recordingStorage(openStorage(enc), elog);
  const eb = await readBackup(enc, { storage: es, readAhead: OPENING, passphrase: FIXTURE_PASSPHRASE });
  try {
    const { start, end } = tableSpan(tableIds[0]!);
    eb.source.warm(start, end);
    assert.deepEqual(elog.warms, []);
  } finally {
    await eb.close();
    await es.close();
  }
});

test('a real v20.1.7 backup (no file sizes in its manifest) on S3 with read-ahead: the same rows as from local disk', async () => {
  const local = await readBackup(REAL_BACKUP);
  let want: string[];
  let ids: number[];
  try {
    ids = [...new Set(local.descriptors.map((d) => d.id))];
    want = await dumpTables(local.source, ids);
  } finally {
    await local.close();
  }
  const got = await dumpThroughS3('real', ids, SMALL);
  assert.ok(want.length > 0);
  assert.deepEqual(got.rows, want);
  assert.ok(got.stats.servedReads > 0, JSON.stringify(got.stats));
  const off = await dumpThroughS3('real', ids, undefined);
  assert.deepEqual(off.rows, want);
  assert.equal(off.stats.requests, 0);
});
