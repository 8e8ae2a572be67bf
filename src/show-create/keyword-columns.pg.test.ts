/**
 * Columns named like CockroachDB keywords, printed the way SHOW CREATE prints them (reserved
 * keywords quoted, all others bare), survive `convert-schema` and load into a real PostgreSQL
 * (whose own reserved words the output must quote). The keyword lists are CockroachDB's grammar's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertSchema, DEFAULT_CONVERT_OPTIONS } from '../ddl/convert-schema.js';
import { convertShowCreate } from './convert-show-create.js';
import { CRDB_KEYWORDS } from './testing/crdb-keywords.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';

const CATEGORIES = Object.entries(CRDB_KEYWORDS) as [keyof typeof CRDB_KEYWORDS, readonly string[]][];

const showCreate = (table: string, keywords: readonly string[], quoted: boolean): string =>
  `CREATE TABLE public.${table} (\n\tid INT8 NOT NULL,\n${keywords.map((k) => `\t${quoted ? `"${k}"` : k} INT8 NULL,\n`).join('')}\tCONSTRAINT ${table}_pkey PRIMARY KEY (id ASC)\n);`;

test('every CockroachDB keyword as a column name: parsed, converted and created in PostgreSQL', async (t) => {
  const ddl = CATEGORIES.map(([cat, kws]) => showCreate(`kw_${cat.toLowerCase()}`, kws, cat === 'reserved')).join('\n');
  const { catalog, warnings } = convertShowCreate(ddl, { database: 'defaultdb' });
  assert.deepEqual(warnings, []);
  for (const [cat, kws] of CATEGORIES) {
    const table = catalog.tables.find((x) => x.name === `kw_${cat.toLowerCase()}`);
    assert.ok(table, `table of ${cat} keywords parsed`);
    assert.deepEqual(
      table.columns.map((c) => c.name),
      ['id', ...kws],
      `${cat} keyword columns`,
    );
  }
  const conv = convertSchema(catalog, DEFAULT_CONVERT_OPTIONS);
  const db = conv.databases.find((d) => d.crdbName === 'defaultdb')!;
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t);
  for (const s of [...db.preData, ...db.postData]) await client.query(s);
  for (const [cat, kws] of CATEGORIES) {
    const cols = (
      await client.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [`kw_${cat.toLowerCase()}`],
      )
    ).rows.map((r) => r.column_name);
    assert.deepEqual(cols, ['id', ...kws], `${cat} keyword columns in PostgreSQL`);
  }
});

test('non-reserved keywords quoted in the input are the same columns', () => {
  const kws = [...CRDB_KEYWORDS.unreserved, ...CRDB_KEYWORDS.colName, ...CRDB_KEYWORDS.typeFuncName];
  const { catalog } = convertShowCreate(showCreate('kw_quoted', kws, true), { database: 'defaultdb' });
  assert.deepEqual(
    catalog.tables[0]?.columns.map((c) => c.name),
    ['id', ...kws],
  );
});
