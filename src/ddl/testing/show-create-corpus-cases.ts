/**
 * Per-case semantic assertions for the SHOW CREATE corpus, checked against PostgreSQL's catalog
 * after loading (format_type, pg_get_expr, pg_indexes, pg_get_constraintdef, comments, enums).
 */
import type { ConvertOptions } from '../convert-context.js';
import type { DecisionKind } from '../decision.js';

export type Check =
  | { k: 'col'; t: string; c: string; type: string; notNull?: boolean; def?: RegExp | null; gen?: RegExp }
  | { k: 'nocol'; t: string; c: string }
  | { k: 'pk'; t: string; def: string; name?: string }
  | { k: 'nopk'; t: string }
  | { k: 'idx'; t: string; name: string; def: string; unique?: boolean }
  | { k: 'noidx'; t: string; name: string }
  | { k: 'indexes'; t: string; n: number }
  | { k: 'con'; t: string; name: string; def: string; valid?: boolean }
  | { k: 'nocon'; t: string; name: string }
  | { k: 'comment'; on: string; column?: string; text: string }
  | { k: 'constraint-comment'; on: string; name: string; text: string }
  | { k: 'enum'; type: string; labels: string[] }
  | { k: 'view'; name: string; def: RegExp }
  | { k: 'seq'; name: string; fields: Record<string, string | null> }
  | { k: 'sql'; sql: string; row: Record<string, unknown> }
  | { k: 'decision'; kind: DecisionKind; match: RegExp };

export interface CaseSpec {
  readonly checks: readonly Check[];
  readonly options?: Partial<ConvertOptions>;
  readonly database?: string;
  /** Which converted database the checks run against (default: the last). */
  readonly dbIndex?: number;
}

/**
 * The ICU locale of collation row `c`, whichever major the check runs on: `colllocale` (17+),
 * `colliculocale` (15, 16), `collcollate` (13, 14). A plain column reference would fail where the
 * column does not exist; to_jsonb reads whichever is there.
 */
const ICU_LOCALE = `coalesce(to_jsonb(c)->>'colllocale', to_jsonb(c)->>'colliculocale', c.collcollate::text)`;
const col = (tc: string, type: string, o: Omit<Extract<Check, { k: 'col' }>, 'k' | 't' | 'c' | 'type'> = {}): Check => {
  const i = tc.lastIndexOf('.');
  return { k: 'col', t: tc.slice(0, i), c: tc.slice(i + 1), type, ...o };
};
const nocol = (tc: string): Check => {
  const i = tc.lastIndexOf('.');
  return { k: 'nocol', t: tc.slice(0, i), c: tc.slice(i + 1) };
};
const pk = (t: string, def: string, name?: string): Check => ({ k: 'pk', t, def, ...(name ? { name } : {}) });
const idx = (t: string, name: string, def: string, unique?: boolean): Check => ({
  k: 'idx',
  t,
  name,
  def,
  ...(unique !== undefined ? { unique } : {}),
});
const con = (t: string, name: string, def: string, valid?: boolean): Check => ({
  k: 'con',
  t,
  name,
  def,
  ...(valid !== undefined ? { valid } : {}),
});
const dec = (kind: DecisionKind, match: RegExp): Check => ({ k: 'decision', kind, match });
const rowidKept = (t: string): Check[] => [
  col(`${t}.rowid`, 'bigint', { notNull: true, def: new RegExp(`nextval\\('${t.replace(/^.*\./, '')}_rowid_seq'::regclass\\)`) }),
  pk(t, 'PRIMARY KEY (rowid)'),
];
const shardGone = (t: string, c: string): Check[] => [nocol(`${t}.${c}`), dec('changed', new RegExp(`column .*${c}: dropped`))];

export const CASES: Record<string, CaseSpec> = {
  'sct-parent-full-test': {
    checks: [
      col('parent.x', 'bigint', { notNull: false, def: null }),
      ...rowidKept('parent'),
      ...rowidKept('full_test'),
      idx('parent', 'parent_x_y_z_key', 'btree (x, y, z)', true),
      idx('parent', 'parent_x_key', 'btree (x)', true),
      con('parent', 'parent_x_key', 'UNIQUE (x)'),
      con(
        'full_test',
        'full_test_x_y_z_fkey',
        'FOREIGN KEY (x, y, z) REFERENCES parent(x, y, z) MATCH FULL ON UPDATE CASCADE ON DELETE CASCADE',
        true,
      ),
      con('full_test', 'test_fk', 'FOREIGN KEY (x) REFERENCES parent(x) ON DELETE CASCADE', true),
      { k: 'view', name: 'vx', def: /SELECT 1 AS "\?column\?"/ },
      { k: 'seq', name: 's', fields: { inc: '1', min: '1', max: '9223372036854775807', start: '1' } },
      dec('changed', /parent\.rowid: .*sequence/),
      dec('changed', /column families f1 dropped|families/i),
    ],
  },
  'sct-fk-order': {
    checks: [
      pk('b', 'PRIMARY KEY (i)'),
      ...rowidKept('a'),
      con('a', 'a_i_fkey', 'FOREIGN KEY (i) REFERENCES b(i)', true),
      con('d', 'd_f_fkey', 'FOREIGN KEY (f) REFERENCES f(i)', true),
      con('c', 'c_i_fkey', 'FOREIGN KEY (i) REFERENCES d(i)'),
      col('s_tbl.id', 'bigint', { notNull: true, def: /^nextval\('s'::regclass\)$/ }),
      { k: 'sql', sql: `SELECT pg_get_serial_sequence('s_tbl', 'id') AS s`, row: { s: null } },
    ],
  },
  'sct-fk-cycle': {
    checks: [
      con('loop_b', 'loop_b_a_id_fkey', 'FOREIGN KEY (a_id) REFERENCES loop_a(id) ON DELETE CASCADE', true),
      con('loop_a', 'b_id_delete_constraint', 'FOREIGN KEY (b_id) REFERENCES loop_b(id) ON DELETE CASCADE', true),
      idx('loop_a', 'loop_a_b_id_idx', 'btree (b_id)', false),
    ],
  },
  'sct-pk-name': { checks: [pk('t', 'PRIMARY KEY (i)', 'pk_name'), col('t.i', 'bigint', { notNull: true })] },
  'sct-computed': {
    checks: [col('t.b', 'bigint', { gen: /^\(a \+ 1\)$/ }), pk('t', 'PRIMARY KEY (a)'), dec('changed', /type annotations/)],
  },
  'sct-semicolon-names': {
    checks: [col('public.;.;', 'bigint'), idx(';', ';_;_idx', 'btree (";")'), pk(';', 'PRIMARY KEY (rowid)', ';_pkey')],
  },
  'sct-comment-quotes': {
    checks: [
      pk('t   t', `PRIMARY KEY ("x'")`, 't   t_pkey'),
      { k: 'comment', on: '"t   t"', text: "has ' quotes" },
      { k: 'comment', on: '"t   t"', column: "x'", text: "i ' just ' love ' quotes" },
      { k: 'comment', on: 'public."t   t_pkey"', text: "has ' more ' quotes" },
      { k: 'constraint-comment', on: '"t   t"', name: 't   t_pkey', text: 'new constraint comment' },
    ],
  },
  'sct-user-schemas': {
    checks: [
      col('sc1.t.x', 'bigint'),
      col('sc2.t.x', 'bigint'),
      pk('sc1.t', 'PRIMARY KEY (rowid)', 't_pkey'),
      pk('sc2.t', 'PRIMARY KEY (rowid)'),
    ],
  },
  'sct-sequence-increment': { checks: [{ k: 'seq', name: 's1', fields: { inc: '123', min: '1', start: '1', last: null } }] },
  'sct-udt-undefined': {
    checks: [col('t.x', 'text'), dec('changed', /type_test\.public\.t\.x: .*not defined in the input|type text/)],
  },
  'sct-families': {
    checks: [col('t.h', 'text'), ...rowidKept('t'), dec('changed', /column families f1, f2, f3 dropped/)],
  },
  'sct-types-all': {
    checks: [
      { k: 'enum', type: 'tableobj', labels: ['row', 'col'] },
      { k: 'enum', type: 's.status', labels: ['a', 'b', 'c'] },
    ],
  },
  'sct-types-status': {
    checks: [
      { k: 'enum', type: 'status', labels: ['open', 'closed', 'inactive'] },
      { k: 'enum', type: 'tableobj', labels: ['row', 'col'] },
    ],
  },
  'sc-uwi-comments': {
    checks: [
      pk('c', 'PRIMARY KEY (rowid)', 'c_pkey'),
      idx('c', 'c_a_b_idx', 'btree (a, b)', false),
      idx('c', 'unique_a_b', 'btree (a, b)', true),
      idx('c', 'unique_a_partial', 'btree (a) WHERE (b > 0)', true),
      { k: 'comment', on: 'c', text: 'table' },
      { k: 'comment', on: 'c', column: 'a', text: 'column' },
      { k: 'comment', on: 'c_a_b_idx', text: 'index' },
      dec('changed', /unique_a_b: enforced by unique index/),
    ],
  },
  'sc-not-valid': {
    checks: [
      con('c', 'check_b', 'CHECK ((b = ANY (ARRAY[(1)::bigint, (2)::bigint, (3)::bigint]))) NOT VALID', false),
      con('c', 'unique_a', 'UNIQUE (a)'),
      { k: 'nocon', t: 'c', name: 'fk_a' },
      dec('not-convertible', /fk_a: not created — the referenced table is not in the input/),
    ],
  },
  'sc-validated': {
    checks: [
      con('c', 'check_b', 'CHECK ((b = ANY (ARRAY[(1)::bigint, (2)::bigint, (3)::bigint])))', true),
      idx('c', 'unique_b_partial', 'btree (b) WHERE (a > 0)', true),
    ],
  },
  'sc-interleave-partial': {
    checks: [
      idx('t60701_b', 'i', 'btree (a) WHERE (b > 0)'),
      pk('t60701_b', 'PRIMARY KEY (b)', 't60701_b_pkey'),
      dec('changed', /index .*@i: .*INTERLEAVE|INTERLEAVE/),
    ],
  },
  'ou-default': {
    checks: [
      col('test_show_default.k', 'text', { def: /^'def'::text$/ }),
      pk('test_show_default', 'PRIMARY KEY (p)', 'test_show_default_pkey'),
      {
        k: 'sql',
        sql: `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'test_show_default'::regclass AND NOT tgisinternal`,
        row: { n: 1 },
      },
      dec('changed', /ON UPDATE expression implemented by a BEFORE UPDATE trigger/),
    ],
  },
  'ou-fk': {
    checks: [
      col('test_show_fk.k', 'text', { def: null }),
      {
        k: 'sql',
        sql: `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'test_show_fk'::regclass AND NOT tgisinternal`,
        row: { n: 1 },
      },
      dec('not-convertible', /fk_j_ref_test_fk_base/),
    ],
  },
  'hs-primary': {
    checks: [
      ...shardGone('sharded_primary', 'crdb_internal_a_shard_10'),
      pk('sharded_primary', 'PRIMARY KEY (a)'),
      dec('changed', /hash sharding \(bucket_count=10\) dropped/),
    ],
  },
  'hs-primary-named': {
    checks: [...shardGone('sharded_primary', 'crdb_internal_a_shard_10'), pk('sharded_primary', 'PRIMARY KEY (a)', 'sharded_primary_pkey')],
  },
  'hs-specific-family': {
    checks: [...shardGone('specific_family', 'crdb_internal_b_shard_10'), idx('specific_family', 'specific_family_b_idx', 'btree (b)')],
  },
  'hs-secondary': {
    checks: [
      ...shardGone('sharded_secondary', 'crdb_internal_a_shard_4'),
      idx('sharded_secondary', 'sharded_secondary_a_idx', 'btree (a)'),
      ...rowidKept('sharded_secondary'),
    ],
  },
  'hs-secondary-long-name': { checks: [idx('sharded_secondary', 'sharded_secondary_crdb_internal_a_shard_4_a_idx', 'btree (a)')] },
  'hs-two-bucket-counts': {
    checks: [
      ...shardGone('sharded_secondary', 'crdb_internal_a_shard_10'),
      nocol('sharded_secondary.crdb_internal_a_shard_4'),
      idx('sharded_secondary', 'sharded_secondary_a_idx', 'btree (a)'),
      idx('sharded_secondary', 'sharded_secondary_a_idx1', 'btree (a)'),
    ],
  },
  'hs-three-identical': {
    checks: [idx('sharded_secondary', 'sharded_secondary_a_idx2', 'btree (a)'), { k: 'indexes', t: 'sharded_secondary', n: 4 }],
  },
  'hs-primary-and-secondary': {
    checks: [
      pk('sharded_primary', 'PRIMARY KEY (a)'),
      idx('sharded_primary', 'sharded_primary_a_idx', 'btree (a)'),
      nocol('sharded_primary.crdb_internal_a_shard_4'),
    ],
  },
  'hs-index-on-shard-column': {
    checks: [
      { k: 'noidx', t: 'column_used_on_unsharded', name: 'column_used_on_unsharded_crdb_internal_a_shard_10_idx' },
      dec('not-convertible', /indexes a hash-shard column/),
    ],
  },
  'ttl-expire-after': {
    checks: [
      col('crdb_internal_functions_tbl.crdb_internal_expiration', 'timestamp with time zone', {
        notNull: true,
        def: /^\(CURRENT_TIMESTAMP \+ '00:10:00'::interval\)$/,
      }),
      dec('changed', /row-level TTL .* dropped/),
      {
        k: 'sql',
        sql: `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'crdb_internal_functions_tbl'::regclass AND NOT tgisinternal`,
        row: { n: 1 },
      },
    ],
  },
  'ttl-reset': { checks: [pk('tbl_reset_ttl', 'PRIMARY KEY (id)'), col('tbl_reset_ttl.id', 'bigint', { notNull: true })] },
  'ei-inverted-vector': {
    checks: [
      col('t.v', 'real[]'),
      col('t.comp', 'bigint', { gen: /^\(a \+ 10\)$/ }),
      idx('t', 't_a_plus_b_idx', 'btree (((a + b)))'),
      idx('t', 't_lower_c_a_plus_b_idx', 'btree (lower(c), ((a + b)))'),
      idx('t', 't_b_j_a_asc', "gin (((j -> 'a'::text)))"),
      { k: 'noidx', t: 't', name: 't_vec' },
      dec('not-convertible', /t_vec: vector index not created/),
      dec('changed', /GIN on the last column only/),
    ],
  },
  'ei-expression-indexes': {
    checks: [
      idx('t', 't_lower_c_idx', 'btree (lower(c))'),
      idx('t', 't_a_plus_ten_idx', 'btree (((a + 10)))'),
      { k: 'indexes', t: 't', n: 5 },
    ],
  },
  'rbr-explicit-region': {
    checks: [
      col('regional_by_row_table_explicit_crdb_region_column.crdb_region', 'text', { notNull: true }),
      dec('changed', /LOCALITY REGIONAL BY ROW dropped/),
    ],
  },
  'rbr-implicit-region': {
    checks: [
      col('regional_by_row_table.crdb_region', 'crdb_internal_region', { notNull: true, def: null }),
      { k: 'enum', type: 'crdb_internal_region', labels: ['ap-southeast-2', 'ca-central-1', 'us-east-1'] },
      idx('regional_by_row_table', 'regional_by_row_table_j_idx', 'gin (j)'),
      idx('regional_by_row_table', 'regional_by_row_table_b_key', 'btree (b)', true),
      dec('not-convertible', /crdb_region: DEFAULT .* dropped/),
    ],
  },
  'pi-t6': {
    checks: [
      ...rowidKept('t6'),
      idx('t6', 't6_a_idx2', 'btree (a DESC) WHERE (a > 2)'),
      idx('t6', 't6_a_key2', 'btree (a DESC) WHERE (a > 5)', true),
      idx('t6', 't6i3', 'btree (a DESC) WHERE (a > 8)'),
      { k: 'indexes', t: 't6', n: 10 },
    ],
  },
  'pi-t7-renamed': { checks: [idx('t7', 't6_a_idx', 'btree (b) WHERE (b > 0)'), idx('t7', 't6_a_key1', 'btree (b) WHERE (b > 4)', true)] },
  'pi-t8': { checks: [idx('t8', 't8_a_idx', 'btree (a) WHERE (b > 0)'), ...rowidKept('t8')] },
  'pi-t10-like': { checks: [idx('t10', 't9_a_idx', 'btree (a) WHERE (b > 1)')] },
  'cp-no-column-refs': { checks: [col('with_no_column_refs.c', 'bigint', { gen: /^3$/ })] },
  'cp-schema-locked': { checks: [col('extra_parens.c', 'bigint', { gen: /^3$/ }), dec('changed', /schema_locked = true dropped/)] },
  'cp-defaults-and-computed': {
    checks: [
      col('x.a', 'bigint', { def: /^3$/ }),
      col('x.b', 'bigint', { def: /^7$/ }),
      col('x.c', 'bigint', { gen: /^a$/ }),
      col('x.d', 'bigint', { gen: /^\(a \+ b\)$/ }),
    ],
  },
};

const partitioned = (t: string, pkCols: string): CaseSpec => ({
  checks: [
    pk(t, `PRIMARY KEY (${pkCols})`, `${t}_pkey`),
    col(`${t}.c`, 'bigint'),
    dec('changed', new RegExp(`table .*\\.${t}: PARTITION BY .* dropped`)),
  ],
});
Object.assign(CASES, {
  'part-list': partitioned('ok1', 'a, b'),
  'part-list-default': partitioned('ok3', 'a, b'),
  'part-list-two-columns': partitioned('ok4', 'a, b'),
  'part-list-nested': partitioned('ok5', 'a, b'),
  'part-range': partitioned('ok6', 'a, b'),
  'part-range-minmax': partitioned('ok8', 'a, b'),
  'part-range-two-columns': partitioned('ok9', 'a, b'),
  'part-deeply-nested': partitioned('ok11', 'a, b, c'),
  'part-list-null': partitioned('ok12', 'a, b'),
  'enum-arrays': {
    checks: [
      col('arr_t6.i', 'arr_typ2[]', { def: /^ARRAY\['a'::arr_typ2\]$/ }),
      col('arr_t6.j', 'arr_typ2', { def: /^\(ARRAY\['b'::arr_typ2\]\)\[1\]$/ }),
      col('arr_t6.k', 'arr_typ2[]'),
      { k: 'enum', type: 'arr_typ2', labels: ['a', 'b', 'c'] },
      ...rowidKept('arr_t6'),
    ],
  },
  'ou-two-tables-primary': {
    checks: [
      pk('test_show_default', 'PRIMARY KEY (p)', 'test_show_default_pkey'),
      pk('test_show_fk', 'PRIMARY KEY (p)', 'test_show_fk_pkey'),
      { k: 'sql', sql: `SELECT count(*)::int AS n FROM pg_trigger WHERE NOT tgisinternal`, row: { n: 2 } },
    ],
  },
  'inv-json-mixed-case': { checks: [idx('c', 'c_foo_idx', 'gin (foo)'), idx('c', 'c_bAr_idx', 'gin ("bAr")'), col('c.qUuX', 'jsonb')] },
  'apk-rowid-column': {
    checks: [pk('t', 'PRIMARY KEY (y)'), col('t.rowid', 'bigint', { notNull: true, def: null }), con('t', 't_rowid_key', 'UNIQUE (rowid)')],
  },
  'apk-index-rewrites': {
    checks: [
      nocol('t.crdb_internal_z_shard_4'),
      idx('t', 'i3', 'btree (z) INCLUDE (y)', true),
      idx('t', 'i5', 'btree (w) INCLUDE (y)', true),
      idx('t', 'i6', 'gin (v)'),
      idx('t', 'i7', 'btree (z)', false),
      con('t', 'i4', 'UNIQUE (z)'),
      { k: 'indexes', t: 't', n: 9 },
      dec('changed', /@i3: STORING → INCLUDE/),
    ],
  },
  'apk-hash-primary': {
    checks: [
      pk('t', 'PRIMARY KEY (y)'),
      nocol('t.crdb_internal_y_shard_10'),
      nocol('t.crdb_internal_z_shard_5'),
      idx('t', 'i1', 'btree (z)'),
    ],
  },
  'apk-hash-unique': { checks: [idx('t', 't_x_key', 'btree (x)', true), nocol('t.crdb_internal_x_shard_5'), idx('t', 'i', 'btree (z)')] },
  'apk-rowid-1': {
    checks: [
      col('t.rowid', 'bigint', { notNull: true, def: null }),
      col('t.rowid_1', 'bigint', { notNull: true, def: /^nextval\('t_rowid_1_seq'::regclass\)$/ }),
      pk('t', 'PRIMARY KEY (rowid_1)'),
    ],
  },
  'apk-rowid-1-not-pk': {
    checks: [
      pk('t', 'PRIMARY KEY (rowid)'),
      col('t.rowid_1', 'bigint', { def: /^nextval\('t_rowid_1_seq'::regclass\)$/ }),
      dec('changed', /rowid_1: NOT VISIBLE/),
    ],
  },
  'apk-added-pk-rowid': {
    checks: [pk('t', 'PRIMARY KEY (x)'), col('t.rowid', 'bigint', { notNull: true, def: /^nextval\('t_rowid_seq'::regclass\)$/ })],
  },
  'apk-added-hash-pk': { checks: [pk('t', 'PRIMARY KEY (x)'), nocol('t.crdb_internal_x_shard_4'), col('t.rowid', 'bigint')] },
  'apk-my-pk': { checks: [pk('t', 'PRIMARY KEY (x)', 'my_pk')] },
  'coll-en': {
    checks: [
      col('t.a', 'text'),
      {
        k: 'sql',
        sql: `SELECT collname, collprovider::text AS p, ${ICU_LOCALE} AS l FROM pg_collation c WHERE oid = (SELECT attcollation FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a')`,
        row: { collname: 'crdb_en', p: 'i', l: 'en' },
      },
      dec('changed', /collation en: ICU collation/),
    ],
  },
  'coll-quoted': {
    checks: [
      col('quoted_coll.c', 'text', { def: /^\(?'c'::text COLLATE "crdb_en-US"\)?$/ }),
      col('quoted_coll.e', 'text', { gen: /^\(a COLLATE "crdb_en-US"\)$/ }),
      { k: 'sql', sql: `SELECT collisdeterministic AS d FROM pg_collation WHERE collname = 'crdb_en-u-ks-level1'`, row: { d: false } },
    ],
  },
  'coll-nocase': {
    checks: [
      {
        k: 'sql',
        sql: `SELECT ${ICU_LOCALE} AS l, collisdeterministic AS d FROM pg_collation c WHERE oid = (SELECT attcollation FROM pg_attribute WHERE attrelid = 'collation_name_case'::regclass AND attname = 's')`,
        row: { l: 'en-US-u-ks-level2', d: false },
      },
    ],
  },
} satisfies Record<string, CaseSpec>);
