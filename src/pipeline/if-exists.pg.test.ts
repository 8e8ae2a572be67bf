import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { resolveConfig } from '../config/load-config.js';
import { convertSchema, type ConvertedDatabase } from '../ddl/convert-schema.js';
import { silentLogger } from '../util/logger.js';
import { isLoadError } from '../util/errors.js';
import { withTempPostgres } from '../../test/support/pg.js';
import { convertOptionsOf } from './convert-options.js';
import { applyIfExists } from './if-exists.js';
import { connectTo, dropDatabase, ensureDatabase, testInstanceServer, type PgServer } from './pg-target.js';
import { openStore } from '../source/store.js';

const EMAILS = new URL('../../../shared/fixtures/crdb-stores/emails-v2.1.4', import.meta.url).pathname;

/** The real emails schema converted with a database mapping, and a fresh target database for it. */
async function setup(t: TestContext, mapping: 'database' | 'schema', database: string) {
  const { config } = resolveConfig({ file: { database_mapping: mapping, postgres_database: database }, env: {} });
  const source = await openStore(EMAILS);
  const db: ConvertedDatabase = convertSchema(source.catalog, convertOptionsOf(config)).databases.find((d) => d.crdbName === 'emails')!;
  await source.close();
  const server: PgServer = testInstanceServer(await withTempPostgres(), 'target');
  await dropDatabase(server, db.pgName);
  await ensureDatabase(server, db.pgName);
  const clients: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const c = await connectTo(server, db.pgName);
    clients.push(c);
    return c;
  };
  t.after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
  });
  const apply = async (mode: 'error' | 'drop' | 'truncate' | 'skip') => {
    const r = await applyIfExists(server, db, await connect(), { config: { ...config, if_exists: mode }, logger: silentLogger });
    clients.push(r.client);
    return r;
  };
  return { db, server, connect, apply };
}

const exists = async (c: pg.Client, rel: string): Promise<boolean> =>
  (await c.query('SELECT to_regclass($1) AS r', [rel])).rows[0].r !== null;

test('database mapping: error names the tables; skip/truncate keep them; drop recreates the database', async (t) => {
  const { db, connect, apply } = await setup(t, 'database', 'postgres');
  assert.equal(db.pgName, 'emails');
  assert.deepEqual(db.schemas, ['public']);
  const c = await connect();
  await c.query(
    `CREATE TABLE public.folder (name text PRIMARY KEY); INSERT INTO public.folder VALUES ('Inbox'); CREATE TABLE public.unrelated (x int)`,
  );

  await assert.rejects(
    apply('error'),
    (e: Error) =>
      isLoadError(e) &&
      /target database "emails" already has tables this migration would create: public\.folder; use --if-exists drop/.test(e.message),
  );

  const skip = await apply('skip');
  assert.deepEqual([...skip.skipped], ['emails.public.folder']);
  assert.equal(skip.keptExisting, true);

  const tr = await apply('truncate');
  assert.match(tr.warnings.join(), /existing tables truncated and reloaded: public\.folder/);
  assert.equal((await c.query('SELECT count(*)::int AS n FROM public.folder')).rows[0].n, 0);

  await c.end();
  const dr = await apply('drop');
  assert.equal(await exists(dr.client, 'public.folder'), false);
  assert.equal(await exists(dr.client, 'public.unrelated'), false, 'the database was recreated');
});

test("schema mapping: drop removes only the migration's schema, never the user's other schemas or database", async (t) => {
  const { db, connect, apply } = await setup(t, 'schema', 'appdb');
  assert.equal(db.pgName, 'appdb');
  assert.deepEqual(db.schemas, ['emails']);
  const c = await connect();
  await c.query(`CREATE SCHEMA emails; CREATE TABLE emails.folder (name text PRIMARY KEY); CREATE TABLE emails.extra (y int);
    CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); INSERT INTO billing.invoices VALUES (1), (2)`);
  const dr = await apply('drop');
  assert.equal(dr.client.database, 'appdb', 'the same database, not recreated');
  assert.equal(await exists(c, 'emails.folder'), false);
  assert.equal(await exists(c, 'emails.extra'), false);
  assert.equal((await c.query('SELECT count(*)::int AS n FROM billing.invoices')).rows[0].n, 2, "the user's data survives");
});

test('truncate refuses, naming the fix, when a table outside the migration references one (CASCADE would empty it)', async (t) => {
  const { connect, apply } = await setup(t, 'schema', 'appdb2');
  const c = await connect();
  await c.query(`CREATE SCHEMA emails; CREATE TABLE emails.folder (name text PRIMARY KEY); INSERT INTO emails.folder VALUES ('Work');
    CREATE TABLE public.rules (folder text REFERENCES emails.folder (name)); INSERT INTO public.rules VALUES ('Work')`);
  await assert.rejects(
    apply('truncate'),
    (e: Error) =>
      isLoadError(e) && /cannot truncate emails\.folder: .*; use --if-exists drop, or empty the referencing tables first/.test(e.message),
  );
  assert.equal((await c.query('SELECT count(*)::int AS n FROM public.rules')).rows[0].n, 1);
  assert.equal((await c.query('SELECT count(*)::int AS n FROM emails.folder')).rows[0].n, 1);
});
