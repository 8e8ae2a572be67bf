/**
 * Renders the target model as PostgreSQL statements (one string per statement, no trailing `;`),
 * in the phases the loader runs: pre-data before COPY, post-data after it
 * (PK → unique/other indexes → FKs NOT VALID → VALIDATE → checks → triggers → views → comments → setval).
 */
import { quoteIdent, quoteLiteral, quoteQualified } from '../util/sql-quote.js';
import type { PgColumnDef, PgName, PostDataItem, PreDataItem } from './target.js';

const q = (n: PgName): string => quoteQualified(n.schema, n.name);
const cols = (names: readonly string[]): string => names.map(quoteIdent).join(', ');

/** One column as CREATE TABLE and ALTER TABLE … ADD COLUMN write it. */
export function emitColumnDef(c: PgColumnDef): string {
  let s = `${quoteIdent(c.name)} ${c.type}`;
  if (c.generated !== undefined) s += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
  if (c.identity)
    s += ` GENERATED ${c.identity.mode === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${c.identity.options ? ` (${c.identity.options})` : ''}`;
  // Parenthesized: a bare `DEFAULT x COLLATE c` would be read as a second column COLLATE clause.
  if (c.default !== undefined) s += ` DEFAULT (${c.default})`;
  if (c.notNull) s += ' NOT NULL';
  return s;
}

function emitPre(item: PreDataItem): string {
  switch (item.kind) {
    case 'schema':
      return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(item.name)}`;
    case 'extension':
      return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(item.name)}`;
    case 'collation':
      return `CREATE COLLATION IF NOT EXISTS ${q(item.target)} (provider = icu, locale = ${quoteLiteral(item.locale)}${item.deterministic ? '' : ', deterministic = false'})`;
    case 'enum':
      return `CREATE TYPE ${q(item.target)} AS ENUM (${item.labels.map(quoteLiteral).join(', ')})`;
    case 'composite':
      return `CREATE TYPE ${q(item.target)} AS (${item.fields.map((f) => `${quoteIdent(f.name)} ${f.type}`).join(', ')})`;
    case 'sequence':
      return `CREATE SEQUENCE ${q(item.target)}${item.asType ? ` AS ${item.asType}` : ''} INCREMENT BY ${item.increment} MINVALUE ${item.minValue} MAXVALUE ${item.maxValue} START WITH ${item.start} CACHE ${item.cache}`;
    case 'table':
      return `CREATE TABLE ${q(item.target)} (${item.columns.length ? `\n  ${item.columns.map(emitColumnDef).join(',\n  ')}\n` : ''})`;
    case 'sequence-owned-by':
      return `ALTER SEQUENCE ${q(item.sequence)} OWNED BY ${q(item.table)}.${quoteIdent(item.column)}`;
    case 'trigger-function': {
      let tag = '$cm$';
      for (let n = 0; item.body.includes(tag); n++) tag = `$cm${n}$`;
      return `CREATE FUNCTION ${q(item.target)}() RETURNS trigger LANGUAGE plpgsql AS ${tag}\n${item.body}\n${tag}`;
    }
  }
}

const PRE_ORDER: Record<PreDataItem['kind'], number> = {
  extension: 0,
  schema: 1,
  collation: 2,
  enum: 3,
  composite: 4,
  sequence: 5,
  table: 6,
  'sequence-owned-by': 7,
  'trigger-function': 8,
};

/** Pre-data statements: schemas, extensions, collations, types, sequences, tables (no constraints but NOT NULL). */
export function emitPreData(items: readonly PreDataItem[]): string[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => PRE_ORDER[a.item.kind] - PRE_ORDER[b.item.kind] || a.i - b.i)
    .map(({ item }) => emitPre(item));
}

function setvalSql(item: Extract<PostDataItem, { kind: 'setval' }>): string | undefined {
  const seq =
    'identityOf' in item.sequence
      ? `pg_get_serial_sequence(${quoteLiteral(q(item.sequence.identityOf))}, ${quoteLiteral(item.sequence.column)})`
      : quoteLiteral(q(item.sequence));
  const terms: string[] = [];
  if (item.current !== undefined) terms.push(`${item.current}::bigint`);
  for (const c of item.columns) terms.push(`(SELECT max(${quoteIdent(c.column)})::bigint FROM ${q(c.table)})`);
  if (!terms.length) return undefined;
  const v = terms.length === 1 ? terms[0]! : `GREATEST(${terms.join(', ')})`;
  // setval is strict: a NULL value (empty tables, no known position) leaves the sequence untouched.
  return `SELECT setval(${seq}, v, true) FROM (SELECT ${v} AS v) AS s WHERE v IS NOT NULL${item.minValue !== undefined ? ` AND v >= ${item.minValue}` : ''}`;
}

/**
 * One post-data statement and what must happen before it, so that the loader can run it as soon
 * as its tables are loaded, while other tables are still loading.
 */
export interface PostDataStep {
  readonly sql: string;
  /** Tables (`"schema"."name"`) whose rows must be loaded first: the statement reads or locks them. */
  readonly tables: readonly string[];
  /**
   * Steps (indexes into the phase) that must have finished first: a table's primary key before
   * its other indexes (so builds on one table do not queue behind each other's locks), a
   * referenced table's keys before a foreign key, each foreign key after the previous one (two
   * `ADD FOREIGN KEY` lock both of their tables and could otherwise deadlock), VALIDATE after ADD.
   */
  readonly after: readonly number[];
  /** Runs only after every earlier step (views, comments, sequence positions). */
  readonly barrier: boolean;
  /** What the statement makes, for the report's per-step timings (pgloader's summary lines). */
  readonly kind: PostDataKind;
}

export type PostDataKind =
  | 'primary keys'
  | 'indexes'
  | 'unique constraints'
  | 'foreign keys'
  | 'validate foreign keys'
  | 'checks'
  | 'validate checks'
  | 'triggers'
  | 'views'
  | 'comments'
  | 'sequences';

// Steps of emitPostData, split out to keep it short: the CREATE INDEX text, and the last pass
// over the foreign keys once every step confined to one table is known.

function createIndexSql(ix: Extract<PostDataItem, { kind: 'index' }>): string {
  const using = ix.method === 'btree' ? '' : ` USING ${ix.method}`;
  const include = ix.include.length ? ` INCLUDE (${cols(ix.include)})` : '';
  const where = ix.where !== undefined ? ` WHERE ${ix.where}` : '';
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON ${q(ix.table)}${using} (${ix.elements.join(', ')})${include}${where}`;
}

/** Makes each foreign key's ADD (`out[fkAdds[k]]` for `fks[k]`) also wait for every step in `local` on its two tables. */
function waitForBothTables(
  out: PostDataStep[],
  fks: readonly Extract<PostDataItem, { kind: 'foreign-key' }>[],
  fkAdds: readonly number[],
  local: ReadonlyMap<string, number[]>,
): void {
  fks.forEach((fk, k) => {
    const step = out[fkAdds[k]!]!;
    out[fkAdds[k]!] = {
      ...step,
      after: [...new Set([...step.after, ...(local.get(q(fk.table)) ?? []), ...(local.get(q(fk.refTable)) ?? [])])],
    };
  });
}

/** Post-data statements in load order, each with what it waits for. */
export function emitPostData(items: readonly PostDataItem[]): PostDataStep[] {
  const of = <K extends PostDataItem['kind']>(k: K): Extract<PostDataItem, { kind: K }>[] =>
    items.filter((i): i is Extract<PostDataItem, { kind: K }> => i.kind === k);
  const out: PostDataStep[] = [];
  /** Per table: its key and index builds, and every step confined to it. */
  const builds = new Map<string, number[]>();
  const local = new Map<string, number[]>();
  const listOf = (m: Map<string, number[]>, t: string): number[] => m.get(t) ?? m.set(t, []).get(t)!;
  const push = (kind: PostDataKind, sql: string, tables: readonly string[], after: readonly number[], barrier = false): number =>
    out.push({ sql, tables, after: [...new Set(after)], barrier, kind }) - 1;
  const pushLocal = (kind: PostDataKind, table: PgName, sql: string, after: readonly number[], build: boolean): number => {
    const t = q(table);
    const i = push(kind, sql, [t], after);
    listOf(local, t).push(i);
    if (build) listOf(builds, t).push(i);
    return i;
  };
  const pkOf = new Map<string, number>();
  for (const pk of of('primary-key')) {
    pkOf.set(
      q(pk.table),
      pushLocal(
        'primary keys',
        pk.table,
        `ALTER TABLE ${q(pk.table)} ADD CONSTRAINT ${quoteIdent(pk.name)} PRIMARY KEY (${cols(pk.columns)})`,
        [],
        true,
      ),
    );
  }
  const afterPk = (table: PgName): number[] => {
    const pk = pkOf.get(q(table));
    return pk === undefined ? [] : [pk];
  };
  const indexes = of('index');
  for (const ix of [...indexes.filter((i) => i.unique), ...indexes.filter((i) => !i.unique)]) {
    const built = pushLocal('indexes', ix.table, createIndexSql(ix), afterPk(ix.table), true);
    if (ix.asConstraint)
      pushLocal(
        'unique constraints',
        ix.table,
        `ALTER TABLE ${q(ix.table)} ADD CONSTRAINT ${quoteIdent(ix.name)} UNIQUE USING INDEX ${quoteIdent(ix.name)}`,
        [built],
        true,
      );
  }
  const buildsOf = (table: PgName): readonly number[] => builds.get(q(table)) ?? [];
  const fks = of('foreign-key');
  const checks = of('check');
  // Checks and triggers wait for their table's builds; foreign keys for everything on both tables.
  const checkAdds: number[] = [];
  const fkAdds: number[] = [];
  let previousFk: number[] = [];
  for (const fk of fks) {
    const i = push(
      'foreign keys',
      `ALTER TABLE ${q(fk.table)} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${cols(fk.columns)}) REFERENCES ${q(fk.refTable)} (${cols(fk.refColumns)})${fk.match === 'full' ? ' MATCH FULL' : ''} ON DELETE ${fk.onDelete.toUpperCase()} ON UPDATE ${fk.onUpdate.toUpperCase()} NOT VALID`,
      [q(fk.table), q(fk.refTable)],
      previousFk,
    );
    fkAdds.push(i);
    previousFk = [i];
  }
  fks.forEach((fk, k) => {
    if (fk.validate)
      push(
        'validate foreign keys',
        `ALTER TABLE ${q(fk.table)} VALIDATE CONSTRAINT ${quoteIdent(fk.name)}`,
        [q(fk.table), q(fk.refTable)],
        [fkAdds[k]!],
      );
  });
  for (const c of checks)
    checkAdds.push(
      pushLocal(
        'checks',
        c.table,
        `ALTER TABLE ${q(c.table)} ADD CONSTRAINT ${quoteIdent(c.name)} CHECK (${c.expr}) NOT VALID`,
        buildsOf(c.table),
        false,
      ),
    );
  checks.forEach((c, k) => {
    if (c.validate)
      pushLocal('validate checks', c.table, `ALTER TABLE ${q(c.table)} VALIDATE CONSTRAINT ${quoteIdent(c.name)}`, [checkAdds[k]!], false);
  });
  for (const t of of('trigger'))
    pushLocal(
      'triggers',
      t.table,
      `CREATE TRIGGER ${quoteIdent(t.name)} BEFORE UPDATE ON ${q(t.table)} FOR EACH ROW EXECUTE FUNCTION ${q(t.fn)}()`,
      buildsOf(t.table),
      false,
    );
  // A foreign key's ADD waits for every step on both of its tables (locks taken by checks and
  // triggers, keys the reference needs); the list is complete only now.
  waitForBothTables(out, fks, fkAdds, local);
  for (const v of of('view')) {
    const columns = v.columns.length ? ` (${cols(v.columns)})` : '';
    push('views', `CREATE ${v.materialized ? 'MATERIALIZED ' : ''}VIEW ${q(v.target)}${columns} AS ${v.query}`, [], [], true);
  }
  for (const c of of('comment')) push('comments', `COMMENT ON ${c.on} IS ${quoteLiteral(c.text)}`, [], [], true);
  for (const s of of('setval')) {
    const sql = setvalSql(s);
    if (sql) push('sequences', sql, [], [], true);
  }
  return out;
}
