/**
 * CockroachDB functions in DEFAULT expressions: each is either mapped to PostgreSQL (checked by
 * creating the table in a real PostgreSQL and reading the default back) or named in the decision
 * log — never left to fail the CREATE TABLE or dropped without a word.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertSchema, DEFAULT_CONVERT_OPTIONS } from './convert-schema.js';
import { convertShowCreate } from '../show-create/convert-show-create.js';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';

const DDL = `CREATE TABLE public.t (
	id UUID NOT NULL DEFAULT uuid_v4()::UUID,
	raw BYTES NULL DEFAULT uuid_v4(),
	g UUID NULL DEFAULT gen_random_uuid(),
	v UUID NULL DEFAULT uuid_generate_v4(),
	ts TIMESTAMPTZ NULL DEFAULT now():::TIMESTAMPTZ,
	ct TIMESTAMP NULL DEFAULT current_timestamp():::TIMESTAMP,
	r INT8 NULL DEFAULT unique_rowid(),
	n INT8 NULL DEFAULT nextval('public.missing_seq'::REGCLASS),
	e STRING NULL DEFAULT experimental_strftime(now():::TIMESTAMPTZ, '%Y':::STRING),
	CONSTRAINT t_pkey PRIMARY KEY (id ASC)
);`;

test('uuid_v4(), uuid_generate_v4(), now(), current_timestamp, gen_random_uuid, unique_rowid mapped; a missing sequence and experimental_* reported', async (t) => {
  const { catalog } = convertShowCreate(DDL, { database: 'defaultdb' });
  const conv = convertSchema(catalog, DEFAULT_CONVERT_OPTIONS);
  const db = conv.databases.find((d) => d.crdbName === 'defaultdb')!;
  const dropped = conv.decisions.filter((d) => d.kind === 'not-convertible').map((d) => `${d.object}: ${d.what} (${d.why})`);
  assert.equal(dropped.length, 2, dropped.join('\n'));
  assert.match(
    dropped[0]!,
    /column defaultdb\.public\.t\.n: DEFAULT nextval\('public\.missing_seq'::REGCLASS\) dropped \(uses nextval\('public\.missing_seq'\), a sequence that is not in the input/,
  );
  assert.match(dropped[1]!, /column defaultdb\.public\.t\.e: DEFAULT experimental_strftime.* dropped \(uses experimental_strftime\(\)/);

  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t);
  for (const s of db.preData) await client.query(s);
  const defaults = Object.fromEntries(
    (
      await client.query(
        `SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'public.t'::regclass`,
      )
    ).rows.map((r) => [r.attname, r.def]),
  );
  assert.equal(defaults['id'], 'gen_random_uuid()');
  assert.equal(defaults['raw'], 'uuid_send(gen_random_uuid())');
  assert.equal(defaults['g'], 'gen_random_uuid()');
  assert.equal(defaults['v'], 'gen_random_uuid()');
  assert.equal(defaults['ts'], 'now()');
  assert.equal(defaults['ct'], '(CURRENT_TIMESTAMP)::timestamp without time zone');
  assert.match(defaults['r'], /^nextval\('t_r_seq'::regclass\)$/);
  assert.equal(defaults['n'], undefined);
  assert.equal(defaults['e'], undefined);
  // The mapped defaults produce values of the column types.
  await client.query('INSERT INTO public.t DEFAULT VALUES');
  const row = (await client.query('SELECT id, raw, g FROM public.t')).rows[0];
  assert.match(String(row.id), /^[0-9a-f-]{36}$/);
  assert.equal((row.raw as Buffer).length, 16);
});
