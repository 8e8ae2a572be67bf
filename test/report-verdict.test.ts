/**
 * "with warnings" is for what a person must look at: the sample backup's own schema decisions
 * (primary keys named <table>_pkey, `:::` annotations written as `::` casts) are not, while a
 * renamed column, a dropped TTL or an object that could not be converted are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config/load-config.js';
import { convertSchema } from '../src/ddl/convert-schema.js';
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

test('changes of meaning, renamed columns and unconvertible objects need attention', () => {
  const d = (kind: Decision['kind'], object: string, what: string, why: string): Decision => ({ object, kind, what, why });
  const attention = [
    d('changed', 'column app.public.t.a_very_long_name', 'renamed to "a_very_long_nam"', 'PostgreSQL names are at most 63 bytes'),
    d('changed', 'table app.public.t', 'row-level TTL (ttl_expire_after = 1 day) dropped', 'PostgreSQL has no row-level TTL'),
    d('changed', 'column app.public.t.id', 'DEFAULT unique_rowid() replaced by sequence "t_id_seq", set past the largest copied value after the load (new values are no longer time-ordered)', 'x'),
    d('changed', 'column app.public.t.n', 'DEFAULT rewritten', 'DEFAULT rewritten: type annotations `:::` written as casts `::`; collations mapped to PostgreSQL ICU collations'),
    d('changed', 'primary key app.public.t@primary', 'named "t_pkey"; DESC dropped: PostgreSQL primary keys are ascending (backward index scans serve DESC order)', 'PostgreSQL constraint rules'),
    d('not-convertible', 'column app.public.t.c', 'DEFAULT crdb_internal.foo() dropped', 'uses crdb_internal.foo()'),
  ];
  for (const x of attention) assert.equal(needsAttention(x), true, x.what);
  const routine = [
    d('changed', 'primary key app.public.t@primary', 'named "t_pkey"', 'PostgreSQL constraint rules'),
    d('changed', 'foreign key app.public.t.fk', 'left NOT VALID, as in CockroachDB; renamed to "t_fk1"', 'PostgreSQL constraint rules'),
    d('changed', 'column app.public.t.at', 'DEFAULT rewritten', 'DEFAULT rewritten: current_timestamp() written as CURRENT_TIMESTAMP; type annotations on integer literals removed'),
    d('as-is', 'table app.public.t', 'created unchanged', 'same meaning in PostgreSQL'),
  ];
  for (const x of routine) assert.equal(needsAttention(x), false, x.what);
});
