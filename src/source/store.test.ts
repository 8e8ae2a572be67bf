/**
 * The store migration source over real fixture stores: catalog, rows, row counts, sequence values,
 * and the `inspect` text built on it. Ground truth: each store's SOURCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from './store.js';
import { readNamespace } from './catalog-from-kvs.js';
import { openStoreSource } from '../pebble/store-mvcc.js';
import { buildCatalog } from '../catalog/build-catalog.js';
import { inspectStore } from './inspect-store.js';
import { isMigrateError } from '../util/errors.js';

const STORES = new URL('../../../shared/fixtures/crdb-stores/', import.meta.url);
const dir = (name: string): string => new URL(`${name}/`, STORES).pathname;

async function lines(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

test('openStore(emails-v2.1.4): catalog, rows and rowCount agree with the seed SQL', async () => {
  const src = await openStore(dir('emails-v2.1.4'));
  try {
    const expected: Record<string, number> = { folder: 3, email: 5, recipient: 5, bcc: 5, cc: 5, attachment: 5, rule: 0 };
    for (const t of src.catalog.tables) {
      let n = 0;
      for await (const _ of src.rows(t)) n++;
      assert.equal(n, expected[t.name], t.name);
      assert.equal(await src.rowCount(t), n, `rowCount ${t.name}`);
    }
    assert.deepEqual(
      src.catalog.sequences.map((s) => [s.name, s.currentValue]),
      [
        ['emailid', 5n],
        ['threadid', 4n],
        ['attachmentid', 5n],
        ['ruleid', 0n],
      ],
    );
    assert.deepEqual(src.catalog.comments, []);
  } finally {
    await src.close();
  }
});

test('openStore(recipes-v2.1.0): sequence value 22 and 3 live rows behind 11 deletions', async () => {
  const src = await openStore(dir('recipes-v2.1.0'));
  try {
    assert.deepEqual(
      src.catalog.sequences.map((s) => [s.name, s.id, s.currentValue]),
      [['customer_seq', 53, 22n]],
    );
    const t = src.catalog.tables.find((x) => x.name === 'recipes');
    assert.ok(t);
    assert.equal(t.id, 54);
    assert.equal(await src.rowCount(t), 3);
    assert.equal(t.columns[0]?.defaultExpr, "nextval('customer_seq':::STRING)");
  } finally {
    await src.close();
  }
});

test('openStore on an empty cluster (frt-v25.4.0, v25.4 columnar SSTs): system schema only, no user tables', async () => {
  const src = await openStore(dir('frt-v25.4.0'));
  try {
    assert.deepEqual(
      src.catalog.databases.map((d) => d.name),
      ['defaultdb', 'postgres'],
    );
    assert.deepEqual(src.catalog.tables, []);
    assert.ok(src.descriptors.some((d) => d.kind === 'table' && d.name === 'descriptor' && d.id === 3));
  } finally {
    await src.close();
  }
});

test('inspectStore: DDL-like summary with row counts', async () => {
  const out = await lines(inspectStore(dir('emails-v2.1.4')));
  const text = out.join('\n');
  assert.match(text, /-- database emails \(id 52\)/);
  assert.match(text, /CREATE SEQUENCE public\.emailid MINVALUE 1 MAXVALUE 9223372036854775807 INCREMENT 1 START 1; -- current value 5/);
  assert.match(text, /CREATE TABLE public\.email \(\n {2}id INT8 NOT NULL DEFAULT nextval\('emailID':::STRING\),\n {2}timest TIMESTAMP,/);
  assert.match(text, /CONSTRAINT fk_folder_ref_folder FOREIGN KEY \(folder\) REFERENCES public\.folder\(name\) ON UPDATE CASCADE/);
  assert.match(text, /\); -- id 57\n-- 5 rows/);
  assert.match(text, /CONSTRAINT "primary" PRIMARY KEY \(email_id ASC, cc_email ASC\)/);
});

test('inspectStore: dump rows of one table as text, with limit', async () => {
  const out = await lines(inspectStore(dir('emails-v2.1.4'), { dump: 'emails.email', limit: 2 }));
  assert.deepEqual(out, [
    'id\ttimest\tsender\tsubject\tbody\tthread_id\ttype\tfolder',
    '1\t2019-01-19 03:14:07\thabiiba.elghamry@gmail.com\tScalable Milestone\tThis is the submission link\t1\tsent\tScalable',
    '2\t2019-01-19 05:20:17\tyasmineabdulfattah@gmail.com\tScalable Milestone\tI submitted\t1\tsent\tScalable',
  ]);
  const st = await lines(inspectStore(dir('startrek-v1.0.2'), { dump: 'episodes', limit: 100 }));
  assert.equal(st.length, 80);
  assert.equal(st[33], '33\t2\t4\tMirror, Mirror\tNULL');
  await assert.rejects(
    lines(inspectStore(dir('emails-v2.1.4'), { dump: 'nosuch' })),
    (e: unknown) => isMigrateError(e) && /no table nosuch/.test((e as Error).message),
  );
});

test("readNamespace: legacy system.namespace (v2.1) and table 30 (v20.2) decode with the store's own system descriptors", async () => {
  for (const [store, table, parentSchema] of [
    ['emails-v2.1.4', 'email', 0],
    ['lain-v20.2.3', 'users', 29],
  ] as const) {
    const src = await openStoreSource(dir(store));
    const full = await openStore(dir(store));
    try {
      const sys = buildCatalog({ descriptors: full.descriptors }, { includeSystem: true });
      const ns = await readNamespace(sys, (start, end) => src.scan(start, end));
      const t = full.catalog.tables.find((x) => x.name === table);
      assert.ok(t);
      const db = full.catalog.databases.find((d) => d.name === t.database);
      const e = ns.find((x) => x.id === t.id);
      assert.deepEqual(e, { parentId: db?.id, parentSchemaId: parentSchema, name: table, id: t.id });
      assert.ok(ns.some((x) => x.name === t.database && x.id === db?.id && x.parentId === 0));
    } finally {
      await src.close();
      await full.close();
    }
  }
});
