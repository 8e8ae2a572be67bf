/**
 * Renders the target model as PostgreSQL statements (one string per statement, no trailing `;`),
 * in the phases the loader runs: pre-data before COPY, post-data after it
 * (PK → unique/other indexes → FKs NOT VALID → VALIDATE → checks → triggers → views → comments → setval).
 */
import { quoteIdent, quoteLiteral, quoteQualified } from '../util/sql-quote.js';
import type { PgColumnDef, PgName, PostDataItem, PreDataItem } from './target.js';

const q = (n: PgName): string => quoteQualified(n.schema, n.name);
const cols = (names: readonly string[]): string => names.map(quoteIdent).join(', ');

function columnDef(c: PgColumnDef): string {
  let s = `${quoteIdent(c.name)} ${c.type}`;
  if (c.generated !== undefined) s += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
  if (c.identity) s += ` GENERATED ${c.identity.mode === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${c.identity.options ? ` (${c.identity.options})` : ''}`;
  // Parenthesized: a bare `DEFAULT x COLLATE c` would be read as a second column COLLATE clause.
  if (c.default !== undefined) s += ` DEFAULT (${c.default})`;
  if (c.notNull) s += ' NOT NULL';
  return s;
}

function emitPre(item: PreDataItem): string {
  switch (item.kind) {
    case 'schema': return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(item.name)}`;
    case 'extension': return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(item.name)}`;
    case 'collation':
      return `CREATE COLLATION IF NOT EXISTS ${q(item.target)} (provider = icu, locale = ${quoteLiteral(item.locale)}${item.deterministic ? '' : ', deterministic = false'})`;
    case 'enum': return `CREATE TYPE ${q(item.target)} AS ENUM (${item.labels.map(quoteLiteral).join(', ')})`;
    case 'composite': return `CREATE TYPE ${q(item.target)} AS (${item.fields.map((f) => `${quoteIdent(f.name)} ${f.type}`).join(', ')})`;
    case 'sequence':
      return `CREATE SEQUENCE ${q(item.target)}${item.asType ? ` AS ${item.asType}` : ''} INCREMENT BY ${item.increment} MINVALUE ${item.minValue} MAXVALUE ${item.maxValue} START WITH ${item.start} CACHE ${item.cache}`;
    case 'table':
      return `CREATE TABLE ${q(item.target)} (${item.columns.length ? `\n  ${item.columns.map(columnDef).join(',\n  ')}\n` : ''})`;
    case 'sequence-owned-by': return `ALTER SEQUENCE ${q(item.sequence)} OWNED BY ${q(item.table)}.${quoteIdent(item.column)}`;
    case 'trigger-function': {
      let tag = '$cm$';
      for (let n = 0; item.body.includes(tag); n++) tag = `$cm${n}$`;
      return `CREATE FUNCTION ${q(item.target)}() RETURNS trigger LANGUAGE plpgsql AS ${tag}\n${item.body}\n${tag}`;
    }
  }
}

const PRE_ORDER: Record<PreDataItem['kind'], number> = {
  extension: 0, schema: 1, collation: 2, enum: 3, composite: 4, sequence: 5, table: 6, 'sequence-owned-by': 7, 'trigger-function': 8,
};

/** Pre-data statements: schemas, extensions, collations, types, sequences, tables (no constraints but NOT NULL). */
export function emitPreData(items: readonly PreDataItem[]): string[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => PRE_ORDER[a.item.kind] - PRE_ORDER[b.item.kind] || a.i - b.i)
    .map(({ item }) => emitPre(item));
}

function setvalSql(item: Extract<PostDataItem, { kind: 'setval' }>): string | undefined {
  const seq = 'identityOf' in item.sequence
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

/** Post-data statements in load order. */
export function emitPostData(items: readonly PostDataItem[]): string[] {
  const of = <K extends PostDataItem['kind']>(k: K): Extract<PostDataItem, { kind: K }>[] =>
    items.filter((i): i is Extract<PostDataItem, { kind: K }> => i.kind === k);
  const out: string[] = [];
  for (const pk of of('primary-key')) out.push(`ALTER TABLE ${q(pk.table)} ADD CONSTRAINT ${quoteIdent(pk.name)} PRIMARY KEY (${cols(pk.columns)})`);
  const indexes = of('index');
  for (const ix of [...indexes.filter((i) => i.unique), ...indexes.filter((i) => !i.unique)]) {
    const using = ix.method === 'btree' ? '' : ` USING ${ix.method}`;
    const include = ix.include.length ? ` INCLUDE (${cols(ix.include)})` : '';
    const where = ix.where !== undefined ? ` WHERE ${ix.where}` : '';
    out.push(`CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON ${q(ix.table)}${using} (${ix.elements.join(', ')})${include}${where}`);
    if (ix.asConstraint) out.push(`ALTER TABLE ${q(ix.table)} ADD CONSTRAINT ${quoteIdent(ix.name)} UNIQUE USING INDEX ${quoteIdent(ix.name)}`);
  }
  const fks = of('foreign-key');
  for (const fk of fks) {
    out.push(`ALTER TABLE ${q(fk.table)} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${cols(fk.columns)}) REFERENCES ${q(fk.refTable)} (${cols(fk.refColumns)})${fk.match === 'full' ? ' MATCH FULL' : ''} ON DELETE ${fk.onDelete.toUpperCase()} ON UPDATE ${fk.onUpdate.toUpperCase()} NOT VALID`);
  }
  for (const fk of fks) if (fk.validate) out.push(`ALTER TABLE ${q(fk.table)} VALIDATE CONSTRAINT ${quoteIdent(fk.name)}`);
  const checks = of('check');
  for (const c of checks) out.push(`ALTER TABLE ${q(c.table)} ADD CONSTRAINT ${quoteIdent(c.name)} CHECK (${c.expr}) NOT VALID`);
  for (const c of checks) if (c.validate) out.push(`ALTER TABLE ${q(c.table)} VALIDATE CONSTRAINT ${quoteIdent(c.name)}`);
  for (const t of of('trigger')) out.push(`CREATE TRIGGER ${quoteIdent(t.name)} BEFORE UPDATE ON ${q(t.table)} FOR EACH ROW EXECUTE FUNCTION ${q(t.fn)}()`);
  for (const v of of('view')) {
    const columns = v.columns.length ? ` (${cols(v.columns)})` : '';
    out.push(`CREATE ${v.materialized ? 'MATERIALIZED ' : ''}VIEW ${q(v.target)}${columns} AS ${v.query}`);
  }
  for (const c of of('comment')) out.push(`COMMENT ON ${c.on} IS ${quoteLiteral(c.text)}`);
  for (const s of of('setval')) {
    const sql = setvalSql(s);
    if (sql) out.push(sql);
  }
  return out;
}
