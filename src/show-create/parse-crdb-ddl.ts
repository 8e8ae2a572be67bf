/**
 * The DDL-text front end: CockroachDB `SHOW CREATE ALL TABLES` / `SHOW CREATE ALL TYPES` /
 * `SHOW CREATE …` output (also `CREATE DATABASE`, `CREATE SCHEMA`, `USE db` lines between them)
 * → the schema model. Ids are assigned in declaration order, as CockroachDB would.
 */
import type { Catalog, Comment } from '../model/catalog.js';
import { SchemaError } from '../util/errors.js';
import { sourceOf, type TableBuilder } from './ddl-builders.js';
import { finalizeCatalog, type PendingComment, type ParseState } from './finalize-catalog.js';
import { parseType } from './parse-type.js';
import {
  dottedName,
  matchParen,
  nameList,
  parseIndexDef,
  parseReferences,
  parseTableElements,
  skipPartitionBy,
  splitCommas,
} from './parse-table.js';
import { identName, isOp, isWord, splitStatements, tokenize, type Token } from './tokenize.js';
import { unwrapShowCreateOutput } from './unwrap-show-create.js';

export interface ParseOptions {
  /** Database the statements belong to until a `USE`/`CREATE DATABASE`; default "defaultdb". */
  readonly database?: string;
}

export interface ParsedDdl {
  readonly catalog: Catalog;
  /** Statements skipped or parts not modelled, one line each. */
  readonly warnings: readonly string[];
}

function newTable(st: ParseState, database: string, schema: string, name: string): TableBuilder {
  return {
    id: st.nextId++,
    database,
    schema,
    name,
    columns: [],
    indexes: [],
    families: [],
    checks: [],
    foreignKeys: [],
    uniqueWithoutIndex: [],
    storageParams: [],
    nextColumnId: 1,
    nextIndexId: 2,
  };
}

/** [db, schema, name] for a 1–3 part name written while `st.database` was current. */
export function resolveParts(st: ParseState, parts: readonly string[]): [string, string, string] {
  const n = parts.length;
  const name = parts[n - 1]!;
  if (n >= 3) return [parts[n - 3]!, parts[n - 2]!, name];
  if (n === 2) {
    const first = parts[0]!;
    const isSchema = st.schemas.some((s) => s.database === st.database && s.name === first) || first === 'public';
    if (!isSchema && st.databases.some((d) => d.name === first)) return [first, 'public', name];
    return [st.database, first, name];
  }
  return [st.database, 'public', name];
}

function ensureDatabase(st: ParseState, name: string): void {
  if (!st.databases.some((d) => d.name === name)) {
    st.databases.push({ id: st.nextId++, name });
    st.schemas.push({ id: st.nextId++, database: name, name: 'public' });
  }
}

function ensureSchema(st: ParseState, database: string, name: string): void {
  ensureDatabase(st, database);
  if (!st.schemas.some((s) => s.database === database && s.name === name)) st.schemas.push({ id: st.nextId++, database, name });
}

function stringValue(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'string') return t.value;
  return undefined;
}

function parseCreateTable(st: ParseState, text: string, toks: Token[], i: number): void {
  if (isWord(toks[i], 'IF') && isWord(toks[i + 1], 'NOT')) i += 3;
  const n = dottedName(toks, i);
  const [db, schema, name] = resolveParts(st, n.parts);
  ensureSchema(st, db, schema);
  const table = newTable(st, db, schema, name);
  if (!isOp(toks[n.next], '('))
    throw new SchemaError(
      `CREATE TABLE ${name}: expected "(" at offset ${toks[n.next]?.offset ?? -1}`,
      'CREATE TABLE … AS is not supported; use SHOW CREATE output',
    );
  let j = parseTableElements(text, toks, n.next, table, db);
  while (j < toks.length) {
    const t = toks[j]!;
    if (isWord(t, 'INTERLEAVE')) {
      const s = j;
      j = nameList(toks, dottedName(toks, j + 3).next).next;
      table.interleave = sourceOf(text, toks, s, j);
    } else if (isWord(t, 'PARTITION')) {
      const p = skipPartitionBy(text, toks, j);
      table.partitioning = p.summary;
      j = p.next;
    } else if (isWord(t, 'WITH') && isOp(toks[j + 1], '(')) {
      const e = matchParen(toks, j + 1);
      const ttl: string[] = [];
      for (const [a, b] of splitCommas(toks, j + 2, e)) {
        const param = sourceOf(text, toks, a, b);
        if (/^ttl/i.test(toks[a]!.value)) ttl.push(param);
        else table.storageParams.push(param);
      }
      if (ttl.length) table.ttl = ttl.join(', ');
      j = e + 1;
    } else if (isWord(t, 'LOCALITY')) {
      table.locality = sourceOf(text, toks, j, toks.length);
      j = toks.length;
    } else if (isWord(t, 'CONFIGURE')) {
      j = toks.length;
    } else {
      throw new SchemaError(
        `CREATE TABLE ${name}: unexpected ${JSON.stringify(t.text)} at offset ${t.offset}`,
        'report this SHOW CREATE output',
      );
    }
  }
  if (!table.primary) {
    // No primary key: CockroachDB adds the hidden rowid column (crdb: pkg/sql/create_table.go).
    table.columns.push({
      id: table.nextColumnId++,
      name: 'rowid',
      type: { family: 'int', oid: 20, width: 64, precision: 0, timePrecisionIsSet: false, visibleType: 0 },
      nullable: false,
      hidden: true,
      inaccessible: false,
      defaultExpr: 'unique_rowid()',
    });
    table.primary = {
      id: 1,
      name: `${name}_pkey`,
      unique: true,
      kind: 'forward',
      elements: [{ columnName: 'rowid', direction: 'asc' }],
      storing: [],
      invisible: false,
    };
  } else table.primary.id = 1;
  st.tables.push(table);
}

function parseSequence(st: ParseState, toks: Token[], i: number): void {
  if (isWord(toks[i], 'IF') && isWord(toks[i + 1], 'NOT')) i += 3;
  const n = dottedName(toks, i);
  const [db, schema, name] = resolveParts(st, n.parts);
  ensureSchema(st, db, schema);
  const num = (k: number): bigint => {
    let s = '';
    if (isOp(toks[k], '-')) {
      s = '-';
      k++;
    }
    return BigInt(s + (toks[k]?.value ?? '0'));
  };
  const seq = {
    id: st.nextId++,
    database: db,
    schema,
    name,
    increment: 1n,
    minValue: 1n,
    maxValue: 9223372036854775807n,
    start: 1n,
    cacheSize: 1n,
    virtual: false,
    asIntegerType: undefined as string | undefined,
    startSet: false,
    minSet: false,
    maxSet: false,
    ownedBy: undefined as string[] | undefined,
  };
  let j = n.next;
  const skipNum = (k: number): number => (isOp(toks[k], '-') ? k + 2 : k + 1);
  while (j < toks.length) {
    const t = toks[j]!;
    if (isWord(t, 'MINVALUE')) {
      seq.minValue = num(j + 1);
      seq.minSet = true;
      j = skipNum(j + 1);
    } else if (isWord(t, 'MAXVALUE')) {
      seq.maxValue = num(j + 1);
      seq.maxSet = true;
      j = skipNum(j + 1);
    } else if (isWord(t, 'NO') && isWord(toks[j + 1], 'MINVALUE', 'MAXVALUE', 'CYCLE')) j += 2;
    else if (isWord(t, 'INCREMENT')) {
      j += isWord(toks[j + 1], 'BY') ? 2 : 1;
      seq.increment = num(j);
      j = skipNum(j);
    } else if (isWord(t, 'START')) {
      j += isWord(toks[j + 1], 'WITH') ? 2 : 1;
      seq.start = num(j);
      seq.startSet = true;
      j = skipNum(j);
    } else if (isWord(t, 'CACHE')) {
      seq.cacheSize = num(j + 1);
      j = skipNum(j + 1);
    } else if (isWord(t, 'PER') && isWord(toks[j + 2], 'CACHE')) {
      seq.cacheSize = num(j + 3);
      j = skipNum(j + 3);
    } else if (isWord(t, 'AS')) {
      const p = parseType(toks, j + 1);
      seq.asIntegerType = toks[j + 1]!.value.toUpperCase();
      j = p.next;
    } else if (isWord(t, 'VIRTUAL')) {
      seq.virtual = true;
      j++;
    } else if (isWord(t, 'OWNED') && isWord(toks[j + 1], 'BY')) {
      if (isWord(toks[j + 2], 'NONE')) j += 3;
      else {
        const o = dottedName(toks, j + 2);
        seq.ownedBy = o.parts;
        j = o.next;
      }
    } else if (isWord(t, 'CYCLE') || isWord(t, 'NO')) j++;
    else throw new SchemaError(`CREATE SEQUENCE ${name}: unexpected ${JSON.stringify(t.text)} at offset ${t.offset}`);
  }
  if (seq.increment < 0n) {
    if (!seq.minSet) seq.minValue = -9223372036854775808n;
    if (!seq.maxSet) seq.maxValue = -1n;
    if (!seq.startSet) seq.start = seq.maxValue;
  } else if (!seq.startSet) seq.start = seq.minValue;
  st.sequences.push(seq);
}

function parseView(st: ParseState, text: string, toks: Token[], i: number, materialized: boolean): void {
  if (isWord(toks[i], 'IF') && isWord(toks[i + 1], 'NOT')) i += 3;
  const n = dottedName(toks, i);
  const [db, schema, name] = resolveParts(st, n.parts);
  ensureSchema(st, db, schema);
  let j = n.next;
  let columnNames: string[] = [];
  if (isOp(toks[j], '(')) {
    const l = nameList(toks, j);
    columnNames = l.names;
    j = l.next;
  }
  if (!isWord(toks[j], 'AS')) throw new SchemaError(`CREATE VIEW ${name}: expected AS at offset ${toks[j]?.offset ?? -1}`);
  let end = toks.length;
  if (isWord(toks[end - 2], 'NO') && isWord(toks[end - 1], 'DATA') && isWord(toks[end - 3], 'WITH')) end -= 3;
  const query = sourceOf(text, toks, j + 1, end);
  if (materialized) {
    const t = newTable(st, db, schema, name);
    t.materializedViewQuery = query;
    t.columns = columnNames.map((c) => ({
      id: t.nextColumnId++,
      name: c,
      type: { family: 'unknown', oid: 0, width: 0, precision: 0, timePrecisionIsSet: false, visibleType: 0 },
      nullable: true,
      hidden: false,
      inaccessible: false,
    }));
    t.primary = { id: 1, name: `${name}_pkey`, unique: true, kind: 'forward', elements: [], storing: [], invisible: false };
    st.tables.push(t);
  } else st.views.push({ kind: 'view', id: st.nextId++, database: db, schema, name, query, columnNames });
}

function parseCreateType(st: ParseState, toks: Token[], i: number): void {
  if (isWord(toks[i], 'IF') && isWord(toks[i + 1], 'NOT')) i += 3;
  const n = dottedName(toks, i);
  const [db, schema, name] = resolveParts(st, n.parts);
  ensureSchema(st, db, schema);
  let j = n.next;
  if (!isWord(toks[j], 'AS')) throw new SchemaError(`CREATE TYPE ${name}: expected AS at offset ${toks[j]?.offset ?? -1}`);
  j++;
  if (isWord(toks[j], 'ENUM')) {
    const e = matchParen(toks, j + 1);
    const labels: string[] = [];
    for (const [a] of splitCommas(toks, j + 2, e)) labels.push(stringValue(toks[a]) ?? identName(toks[a]!));
    st.types.push({ kind: 'enum', id: st.nextId++, database: db, schema, name, labels });
  } else if (isOp(toks[j], '(')) {
    const e = matchParen(toks, j);
    const elements = splitCommas(toks, j + 1, e).map(([a]) => ({ label: identName(toks[a]!), parsed: parseType(toks, a + 1) }));
    st.types.push({ kind: 'composite', id: st.nextId++, database: db, schema, name, elements });
  } else throw new SchemaError(`CREATE TYPE ${name}: only ENUM and composite types are supported (offset ${toks[j]?.offset ?? -1})`);
}

function parseComment(st: ParseState, toks: Token[], i: number): void {
  // COMMENT ON <kind> <target> IS '<text>' | NULL
  const isAt = toks.findIndex((t, k) => k > i && isWord(t, 'IS'));
  const tv = toks[isAt + 1];
  if (isAt < 0 || !tv) throw new SchemaError(`COMMENT ON: expected IS at offset ${toks[i]?.offset ?? -1}`);
  if (isWord(tv, 'NULL')) return;
  const textValue = stringValue(tv) ?? tv.value;
  const kind = toks[i]!.value.toUpperCase();
  const pc: PendingComment = { kind: kind as PendingComment['kind'], database: st.database, text: textValue, parts: [] };
  if (kind === 'CONSTRAINT') {
    pc.constraint = identName(toks[i + 1]!);
    pc.parts = dottedName(toks, i + 3).parts;
  } else if (kind === 'INDEX') {
    const d = dottedName(toks, i + 1);
    pc.parts = d.parts;
    if (isOp(toks[d.next], '@')) pc.index = identName(toks[d.next + 1]!);
  } else pc.parts = dottedName(toks, i + 1).parts;
  st.comments.push(pc);
}

function parseAlterTable(st: ParseState, text: string, toks: Token[], i: number, warn: (s: string) => void): void {
  if (isWord(toks[i], 'IF') && isWord(toks[i + 1], 'EXISTS')) i += 2;
  const n = dottedName(toks, i);
  const [db, schema, name] = resolveParts(st, n.parts);
  const table = st.tables.find((t) => t.database === db && t.schema === schema && t.name === name);
  let j = n.next;
  if (!table) {
    warn(`ALTER TABLE ${name}: table not in the input; statement skipped`);
    return;
  }
  if (isWord(toks[j], 'ADD') && isWord(toks[j + 1], 'CONSTRAINT')) {
    const cname = identName(toks[j + 2]!);
    j += 3;
    if (isWord(toks[j], 'FOREIGN')) {
      const cols = nameList(toks, j + 2);
      table.foreignKeys.push(parseReferences(toks, cols.next, toks.length, { name: cname, columns: cols.names }).fk);
    } else if (isWord(toks[j], 'CHECK')) {
      const e = matchParen(toks, j + 1);
      table.checks.push({ name: cname, expr: sourceOf(text, toks, j + 2, e), validated: !isWord(toks[e + 1], 'NOT') });
    } else if (isWord(toks[j], 'UNIQUE') && isWord(toks[j + 1], 'WITHOUT')) {
      const cols = nameList(toks, j + 3);
      table.uniqueWithoutIndex.push({ name: cname, columns: cols.names, validated: true });
    } else if (isWord(toks[j], 'UNIQUE')) {
      const idx = parseIndexDef(text, toks, j, toks.length, table, () => cname);
      idx.name = cname;
      idx.unique = true;
      table.indexes.push(idx);
    } else warn(`ALTER TABLE ${name} ADD CONSTRAINT ${cname}: unsupported constraint kind; skipped`);
  } else if (isWord(toks[j], 'VALIDATE') && isWord(toks[j + 1], 'CONSTRAINT')) {
    const cname = identName(toks[j + 2]!);
    for (const fk of table.foreignKeys) if (fk.name === cname) fk.validated = true;
    for (const c of table.checks) if (c.name === cname) c.validated = true;
  } else if (toks.some((t) => isWord(t, 'CONFIGURE'))) {
    warn(`ALTER TABLE ${name} … CONFIGURE ZONE: zone configurations have no PostgreSQL equivalent; dropped`);
  } else warn(`ALTER TABLE ${name}: ${sourceOf(text, toks, j, Math.min(toks.length, j + 4))}…: not modelled; skipped`);
}

/** Parses SHOW CREATE output into the schema model. */
export function parseCrdbDdl(input: string, opts: ParseOptions = {}): ParsedDdl {
  const text = unwrapShowCreateOutput(input);
  const warnings: string[] = [];
  const warn = (s: string): void => void warnings.push(s);
  const st: ParseState = {
    database: opts.database ?? 'defaultdb',
    nextId: 100,
    databases: [],
    schemas: [],
    tables: [],
    views: [],
    sequences: [],
    types: [],
    comments: [],
    functions: [],
    setvals: [],
  };
  ensureDatabase(st, st.database);
  for (const toks of splitStatements(tokenize(text, 'SHOW CREATE input'))) {
    const w0 = toks[0]!;
    const at = (k: number, ...words: string[]): boolean => isWord(toks[k], ...words);
    try {
      if (at(0, 'CREATE') && at(1, 'TABLE')) parseCreateTable(st, text, toks, 2);
      else if (at(0, 'CREATE') && at(1, 'TEMP', 'TEMPORARY', 'UNLOGGED') && at(2, 'TABLE')) parseCreateTable(st, text, toks, 3);
      else if (at(0, 'CREATE') && at(1, 'SEQUENCE')) parseSequence(st, toks, 2);
      else if (at(0, 'CREATE') && at(1, 'VIEW')) parseView(st, text, toks, 2, false);
      else if (at(0, 'CREATE') && at(1, 'OR') && at(3, 'VIEW')) parseView(st, text, toks, 4, false);
      else if (at(0, 'CREATE') && at(1, 'MATERIALIZED') && at(2, 'VIEW')) parseView(st, text, toks, 3, true);
      else if (at(0, 'CREATE') && at(1, 'TYPE')) parseCreateType(st, toks, 2);
      else if (at(0, 'CREATE') && at(1, 'SCHEMA')) {
        let k = 2;
        if (at(k, 'IF')) k += 3;
        const d = dottedName(toks, k);
        ensureSchema(st, d.parts.length > 1 ? d.parts[0]! : st.database, d.parts[d.parts.length - 1]!);
      } else if (at(0, 'CREATE') && at(1, 'DATABASE')) {
        let k = 2;
        if (at(k, 'IF')) k += 3;
        const name = identName(toks[k]!);
        ensureDatabase(st, name);
        if (toks.length > k + 1) {
          const idx = st.databases.findIndex((d) => d.name === name);
          st.databases[idx] = { ...st.databases[idx]!, regionConfig: sourceOf(text, toks, k + 1, toks.length) };
        }
      } else if (at(0, 'USE') || (at(0, 'SET') && at(1, 'database'))) {
        const t = toks[toks.length - 1]!;
        st.database = t.kind === 'string' ? t.value : identName(t);
        ensureDatabase(st, st.database);
      } else if (at(0, 'CREATE') && (at(1, 'INDEX') || at(1, 'UNIQUE', 'INVERTED', 'VECTOR'))) {
        const onAt = toks.findIndex((t) => isWord(t, 'ON'));
        const d = dottedName(toks, onAt + 1);
        const [db, schema, name] = resolveParts(st, d.parts);
        const table = st.tables.find((t) => t.database === db && t.schema === schema && t.name === name);
        if (!table) warn(`CREATE INDEX on ${name}: table not in the input; skipped`);
        else
          table.indexes.push(
            parseIndexDef(text, toks, 1, toks.length, table, (els) => `${name}_${els.map((e) => e.columnName ?? 'expr').join('_')}_idx`),
          );
      } else if (at(0, 'ALTER') && at(1, 'TABLE')) parseAlterTable(st, text, toks, 2, warn);
      else if (at(0, 'COMMENT') && at(1, 'ON')) parseComment(st, toks, 2);
      else if (at(0, 'CREATE') && toks.some((t, k) => k < 4 && isWord(t, 'FUNCTION', 'PROCEDURE'))) {
        st.functions.push({
          database: st.database,
          text: sourceOf(text, toks, 0, toks.length),
          procedure: toks.some((t, k) => k < 4 && isWord(t, 'PROCEDURE')),
        });
      } else if (at(0, 'ALTER') && toks.some((t) => isWord(t, 'CONFIGURE'))) {
        warn(
          `${sourceOf(text, toks, 0, Math.min(toks.length, 6))} … CONFIGURE ZONE: zone configurations have no PostgreSQL equivalent; dropped`,
        );
      } else if (at(0, 'ALTER') && at(1, 'DATABASE')) {
        warn(
          `${sourceOf(text, toks, 0, Math.min(toks.length, 6))} …: database options (regions, placement) have no PostgreSQL equivalent; dropped`,
        );
      } else if (at(0, 'SELECT') && toks.some((t) => isWord(t, 'setval'))) {
        st.setvals!.push({ database: st.database, toks });
      } else warn(`statement at offset ${w0.offset} (${sourceOf(text, toks, 0, Math.min(toks.length, 4))} …) is not schema DDL; skipped`);
    } catch (e) {
      if (e instanceof SchemaError) throw e;
      throw new SchemaError(
        `cannot parse statement at offset ${w0.offset} (${sourceOf(text, toks, 0, Math.min(toks.length, 4))} …): ${(e as Error).message}`,
        'report this SHOW CREATE output',
        { cause: e },
      );
    }
  }
  const catalog = finalizeCatalog(st, warn);
  return { catalog, warnings };
}

export type { Comment };
