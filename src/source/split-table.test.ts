import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from '../model/catalog.js';
import { readBackup } from '../backup/read-backup.js';
import { BACKUP_FIXTURES_DIR, CRDB_STORES_DIR } from '../backup/testing/fixture-bed.js';
import { planFor, writeGeneration } from '../backup/testing/build-collection.js';
import { extractStore } from '../backup/testing/store-extract.js';
import { pickSplitKeys } from '../mvcc/split-points.js';
import type { MVCCSource } from '../mvcc/types.js';
import type { Row } from '../rows/decode-rows.js';
import { openStoreSource } from '../pebble/store-mvcc.js';
import { compareBytes, toHex } from '../util/bytes.js';
import { sourceFromBackup } from './backup.js';
import type { MigrationSource, TableRowSource } from './migration-source.js';
import { partRanges, splitTableFrom } from './split-table.js';
import { openStore } from './store.js';
import { mvccTableRows, rowsFrom } from './table-rows.js';

const MOVR = join(CRDB_STORES_DIR, 'movr-v19.2.4');
const te = new TextEncoder();

async function allRows(
  src: TableRowSource,
  t: Table,
  resumeAfter?: Uint8Array,
  range?: { from?: Uint8Array; before?: Uint8Array },
): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of src.rowBatches(t, resumeAfter, range)) out.push(...b);
  return out;
}

function table(src: MigrationSource, name: string): Table {
  const t = src.catalog.tables.find((x) => x.name === name);
  assert.ok(t, `table ${name} in the catalog`);
  return t;
}

/**
 * The invariants of a split: boundaries are strictly increasing keys of existing rows (not the
 * first); the parts, read one by one, concatenate to exactly the whole table (keys, order,
 * values); each part holds only rows inside its range; `rows` (unbatched) agrees.
 */
async function checkSplit(src: TableRowSource, t: Table, boundaries: readonly Uint8Array[]): Promise<Row[][]> {
  const whole = await allRows(src, t);
  assert.ok(whole.length > 0, `${t.name} has rows`);
  const keys = new Set(whole.map((r) => toHex(r.key)));
  for (let i = 0; i < boundaries.length; i++) {
    assert.ok(keys.has(toHex(boundaries[i]!)), `${t.name}: boundary ${i} is a row key of the table`);
    if (i > 0) assert.ok(compareBytes(boundaries[i - 1]!, boundaries[i]!) < 0, `${t.name}: boundaries strictly increase`);
  }
  if (boundaries.length > 0) assert.ok(compareBytes(whole[0]!.key, boundaries[0]!) < 0, 'the first part is not empty');
  const parts: Row[][] = [];
  for (const r of partRanges(boundaries)) {
    const rows = await allRows(src, t, undefined, r);
    assert.ok(rows.length > 0, `${t.name}: part ${parts.length} is not empty`);
    for (const row of rows) {
      if (r.from) assert.ok(compareBytes(row.key, r.from) >= 0, 'row at or after the part start');
      if (r.before) assert.ok(compareBytes(row.key, r.before) < 0, 'row before the part end');
    }
    if (r.from) assert.deepEqual(rows[0]!.key, r.from, 'a part starts with its boundary row');
    parts.push(rows);
  }
  const joined = parts.flat();
  assert.equal(joined.length, whole.length, `${t.name}: parts hold as many rows as the table`);
  assert.deepEqual(joined, whole, `${t.name}: parts concatenate to the whole table`);
  // The unbatched reader gives the same part contents.
  const r1 = partRanges(boundaries)[1] ?? {};
  const flat: Row[] = [];
  for await (const row of src.rows(t, undefined, r1)) flat.push(row);
  assert.deepEqual(flat, parts[1] ?? parts[0]);
  return parts;
}

test('pickSplitKeys cuts at byte quantiles, ignores input order, never outside the span', () => {
  const k = (s: string): Uint8Array => te.encode(s);
  const points = [
    { key: k('b'), bytes: 100 },
    { key: k('c'), bytes: 100 },
    { key: k('d'), bytes: 100 },
    { key: k('e'), bytes: 100 },
    { key: k('z'), bytes: 100 }, // straddles the end: counted, never picked
  ];
  const a = pickSplitKeys(points, k('a'), k('y'), 200);
  assert.equal(a.bytes, 500);
  // 500 bytes in round(2.5) = 3 parts: cuts where the running total first reaches 500·1/3 and 500·2/3.
  assert.deepEqual(
    a.keys.map((x) => new TextDecoder().decode(x)),
    ['c', 'e'],
  );
  const b = pickSplitKeys([...points].reverse(), k('a'), k('y'), 200);
  assert.deepEqual(b.keys, a.keys);
  assert.deepEqual(pickSplitKeys(points, k('a'), k('y'), 10_000).keys, []);
  assert.throws(() => pickSplitKeys(points, k('a'), k('y'), 0), RangeError);
});

test('movr store: large tables split into row-aligned parts that read back the whole table', async () => {
  const src = await openStore(MOVR);
  try {
    for (const [name, target, minParts] of [
      ['vehicle_location_histories', 64 << 10, 8],
      ['rides', 32 << 10, 3],
    ] as const) {
      const t = table(src, name);
      const split = await src.splitTable!(t, { targetPartBytes: target });
      assert.ok(split.boundaries.length + 1 >= minParts, `${name}: ${split.boundaries.length + 1} parts (bytes ${split.bytes})`);
      const parts = await checkSplit(src, t, split.boundaries);
      // Roughly even: no part holds more than half the table.
      const total = parts.reduce((n, p) => n + p.length, 0);
      for (const p of parts) assert.ok(p.length < total / 2, `${name}: part of ${p.length} of ${total} rows`);
      // Deterministic: again, and from a freshly opened source.
      assert.deepEqual((await src.splitTable!(t, { targetPartBytes: target })).boundaries, split.boundaries);
      const again = await openStoreSource(MOVR);
      try {
        assert.deepEqual((await splitTableFrom(again, t, { targetPartBytes: target })).boundaries, split.boundaries);
      } finally {
        await again.close();
      }
      // Resuming inside a part continues within that part only.
      const r = partRanges(split.boundaries)[1]!;
      const mid = parts[1]![Math.floor(parts[1]!.length / 2)]!;
      assert.deepEqual(await allRows(src, t, mid.key, r), parts[1]!.slice(Math.floor(parts[1]!.length / 2) + 1));
    }
    // Small tables are one part; a big target keeps even the largest table whole.
    const users = await src.splitTable!(table(src, 'users'), { targetPartBytes: 1 << 20 });
    assert.deepEqual(users.boundaries, []);
    assert.ok(users.reason);
    const vlh = await src.splitTable!(table(src, 'vehicle_location_histories'), { targetPartBytes: 64 << 20 });
    assert.deepEqual(vlh.boundaries, []);
    assert.ok((vlh.bytes ?? 0) > 0);
  } finally {
    await src.close();
  }
});

test('every fixture store: tables split with a tiny target read back whole (WAL-only, value blocks, L0 over L6, stale MANIFEST)', async () => {
  let splitStores = 0;
  for (const store of (await readdir(CRDB_STORES_DIR)).sort()) {
    if (store === 'movr-v19.2.4' || !(await stat(join(CRDB_STORES_DIR, store))).isDirectory()) continue;
    const src = await openStore(join(CRDB_STORES_DIR, store));
    try {
      let split = false;
      for (const t of src.catalog.tables) {
        if ((await allRows(src, t)).length === 0) continue;
        const s = await src.splitTable!(t, { targetPartBytes: 64 });
        await checkSplit(src, t, s.boundaries);
        if (s.boundaries.length > 0) split = true;
      }
      if (split) splitStores++;
    } finally {
      await src.close();
    }
  }
  assert.ok(splitStores >= 4, `${splitStores} stores had a table split`);
});

test('candidates inside a row move to the next row; exact row keys stay; interleaved tables are not split', async () => {
  const store = await openStoreSource(MOVR);
  const src = await openStore(MOVR);
  try {
    const t = table(src, 'rides');
    const rows = await allRows(src, t);
    const r10 = rows[10]!.key;
    const r20 = rows[20]!.key;
    const r30 = rows[30]!.key;
    const cat = (k: Uint8Array, ...tail: number[]): Uint8Array => Uint8Array.from([...k, ...tail]);
    const candidates = [
      r10, // a row key itself
      cat(r20, 0x88), // exactly the row's family-0 KV key: the whole row lies at or after it
      cat(r20, 0x88, 0x00), // past the family-0 KV: inside row 20, must not cut it → row 21
      cat(r30, 0x00), // between the row key and its KVs: row 30 stays whole
      cat(rows[rows.length - 1]!.key, 0x89), // past the last row: no row to start a part
    ];
    const fake: MVCCSource = {
      scan: (s, e, at) => store.scan(s, e, at),
      scanBatches: (s, e, at) => store.scanBatches(s, e, at),
      splitCandidates: async () => ({ keys: candidates, bytes: 1 << 30 }),
    };
    const split = await splitTableFrom(fake, t, { targetPartBytes: 1 });
    assert.deepEqual(split.boundaries.map(toHex), [r10, r20, rows[21]!.key, r30].map(toHex));
    await checkSplit(mvccTableRows(store), t, split.boundaries);

    const interleaved: Table = {
      ...t,
      primaryIndex: { ...t.primaryIndex, interleave: [{ tableId: t.id, indexId: 1, sharedPrefixLen: 1 }] },
    };
    const none = await splitTableFrom(fake, interleaved, { targetPartBytes: 1 });
    assert.deepEqual(none.boundaries, []);
    assert.match(none.reason ?? '', /interleaved/);
    assert.deepEqual((await splitTableFrom(fake, t, { targetPartBytes: 1, tenantPrefix: Uint8Array.of(0xfe, 0x8a) })).boundaries, []);
    // Without an upper bound the part runs to the table end; an empty range yields nothing.
    const tail: Row[] = [];
    for await (const row of rowsFrom(store, t, { from: r30 })) tail.push(row);
    assert.deepEqual(tail, rows.slice(30));
    assert.deepEqual(await allRows(src, t, undefined, { from: r30, before: r10 }), []);
  } finally {
    await src.close();
    await store.close();
  }
});

test('backup fixtures: every table reads back whole from its parts (multi-layer, elided prefix)', async () => {
  for (const dir of [
    join(BACKUP_FIXTURES_DIR, 'recipes-v2.1.0', 'manifest-gzip'),
    join(BACKUP_FIXTURES_DIR, 'emails-v2.1.4', 'elided-prefix'),
  ]) {
    const src = await sourceFromBackup(await readBackup(dir));
    try {
      let split = 0;
      for (const t of src.catalog.tables) {
        if ((await allRows(src, t)).length === 0) continue;
        const s = await src.splitTable!(t, { targetPartBytes: 64 });
        assert.ok((s.bytes ?? 0) > 0, `${dir} ${t.name}: bytes estimated`);
        await checkSplit(src, t, s.boundaries);
        assert.deepEqual((await src.splitTable!(t, { targetPartBytes: 64 })).boundaries, s.boundaries);
        if (s.boundaries.length > 0) split++;
      }
      assert.ok(split > 0, `${dir}: some table was split`);
    } finally {
      await src.close();
    }
  }
});

test('movr backups (full + 2 incrementals; elided prefix): large tables split from SST index separators', async () => {
  const out = await mkdtemp(join(tmpdir(), 'split-table-'));
  try {
    const ex = await extractStore(MOVR, 'movr-v19.2.4');
    const plan = planFor(ex, 2);
    await writeGeneration(join(out, 'layers'), ex, 'manifest-gzip', plan);
    await writeGeneration(join(out, 'elided'), ex, 'elided-prefix', plan);
    for (const gen of ['layers', 'elided']) {
      const src = await sourceFromBackup(await readBackup(join(out, gen)));
      try {
        for (const name of ['vehicle_location_histories', 'rides']) {
          const t = table(src, name);
          const s = await src.splitTable!(t, { targetPartBytes: 32 << 10 });
          assert.ok(s.boundaries.length >= 2, `${gen} ${name}: ${s.boundaries.length + 1} parts (bytes ${s.bytes})`);
          await checkSplit(src, t, s.boundaries);
          assert.deepEqual((await src.splitTable!(t, { targetPartBytes: 32 << 10 })).boundaries, s.boundaries);
        }
      } finally {
        await src.close();
      }
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
