/**
 * "with warnings" is for what a person must look at: the sample backup's own schema decisions
 * (primary keys named <table>_pkey, `:::` annotations written as `::` casts) are not, while a
 * renamed column, a dropped TTL or an object that could not be converted are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config/load-config.js';
import { convertSchema, DEFAULT_CONVERT_OPTIONS } from '../src/ddl/convert-schema.js';
import { convertShowCreate } from '../src/show-create/convert-show-create.js';
import type { Decision } from '../src/ddl/decision.js';
import { convertOptionsOf } from '../src/pipeline/convert-options.js';
import { openSource } from '../src/source/open-source.js';
import { needsAttention, verdictOf } from '../src/report/model.js';
import { successReport } from '../src/report/testing/fixtures.js';

const SAMPLE = fileURLToPath(new URL('../sample/backup', import.meta.url));

test("the sample backup's schema changes keep their meaning: none needs attention, the verdict stays success", async () => {
  const { config } = resolveConfig({ file: { source: { type: 'backup', url: SAMPLE } }, env: {} });
  const source = await openSource(config);
  let decisions: readonly Decision[];
  try {
    decisions = convertSchema(source.catalog, convertOptionsOf(config)).decisions;
  } finally {
    await source.close();
  }
  const changed = decisions.filter((d) => d.kind === 'changed');
  assert.ok(changed.length >= 10, `the sample has renamed keys and rewritten defaults: ${changed.length}`);
  assert.deepEqual(decisions.filter(needsAttention), []);
  const { verdict: _v, ...r } = successReport();
  assert.equal(verdictOf({ ...r, decisions }), 'success');
});

test('the converter marks which changes keep the meaning; the others need attention', () => {
  const sql = `CREATE TABLE public.p (id INT8 NOT NULL, CONSTRAINT p_pkey PRIMARY KEY (id ASC));
CREATE TABLE public.t (
  id INT8 NOT NULL,
  r INT8 NULL,
  n INT8 NULL DEFAULT 1:::INT8,
  at TIMESTAMPTZ NULL DEFAULT current_timestamp():::TIMESTAMPTZ,
  u UUID NULL DEFAULT uuid_v4()::UUID,
  k INT8 NULL DEFAULT unique_rowid(),
  CONSTRAINT "primary" PRIMARY KEY (id ASC),
  CONSTRAINT fk FOREIGN KEY (r) REFERENCES public.p(id) NOT VALID,
  CONSTRAINT fk2 FOREIGN KEY (r) REFERENCES public.p(id) MATCH PARTIAL,
  INDEX t_n_idx (n ASC),
  INDEX t_at_idx (at ASC) STORING (u),
  FAMILY f1 (id, r, n, at, u, k)
);
CREATE TABLE public.q (id INT8 NOT NULL, CONSTRAINT "primary" PRIMARY KEY (id DESC), INDEX t_n_idx (id ASC));`;
  const { catalog } = convertShowCreate(sql, { database: 'app' });
  const decisions = convertSchema(catalog, DEFAULT_CONVERT_OPTIONS).decisions.filter((d) => d.kind !== 'as-is');
  const attention = Object.fromEntries(decisions.map((d) => [d.object, needsAttention(d)]));
  assert.deepEqual(attention, {
    // PostgreSQL spellings and names PostgreSQL requires.
    'column app.public.t.n': false, // type annotations on integer literals removed
    'column app.public.t.at': false, // current_timestamp() written as CURRENT_TIMESTAMP; `:::` as `::`
    'primary key app.public.t@primary': false, // named "t_pkey"
    'foreign key app.public.t.fk': false, // left NOT VALID, as in CockroachDB
    'index app.public.q@t_n_idx': false, // renamed: index names are per schema in PostgreSQL
    // Changes of meaning.
    'column app.public.t.u': true, // uuid_v4()::UUID written as gen_random_uuid()
    'column app.public.t.k': true, // unique_rowid() replaced by a sequence
    'table app.public.t': true, // column families dropped
    'index app.public.t@t_at_idx': true, // STORING → INCLUDE
    'foreign key app.public.t.fk2': true, // MATCH PARTIAL → MATCH SIMPLE
    'primary key app.public.q@primary': true, // named "q_pkey"; DESC dropped
  });
});

test('renamed columns, dropped features and unconvertible objects need attention', () => {
  const d = (kind: Decision['kind'], object: string, what: string, why: string): Decision => ({ object, kind, what, why });
  const attention = [
    d('changed', 'column app.public.t.a_very_long_name', 'renamed to "a_very_long_nam"', 'PostgreSQL names are at most 63 bytes'),
    d('changed', 'table app.public.t', 'row-level TTL (ttl_expire_after = 1 day) dropped', 'PostgreSQL has no row-level TTL'),
    d('not-convertible', 'column app.public.t.c', 'DEFAULT crdb_internal.foo() dropped', 'uses crdb_internal.foo()'),
  ];
  for (const x of attention) assert.equal(needsAttention(x), true, x.what);
  assert.equal(needsAttention(d('as-is', 'table app.public.t', 'created unchanged', 'same meaning in PostgreSQL')), false);
});
