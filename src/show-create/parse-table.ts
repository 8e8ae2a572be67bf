/**
 * `CREATE TABLE` as CockroachDB's `SHOW CREATE` prints it (crdb: pkg/sql/show_create.go,
 * `ShowCreateTable`): columns, PRIMARY KEY / INDEX / UNIQUE INDEX / INVERTED INDEX / VECTOR INDEX lines,
 * FAMILY, CONSTRAINT … CHECK / FOREIGN KEY / UNIQUE WITHOUT INDEX, then INTERLEAVE, PARTITION BY,
 * WITH (storage params) and LOCALITY after the closing parenthesis. Hand-written DDL forms
 * (inline PRIMARY KEY / REFERENCES / UNIQUE, no PK → hidden rowid) are accepted as well.
 */
import { sqlType } from '../model/sql-type.js';
import type { ForeignKeyAction } from '../model/catalog.js';
import { SchemaError } from '../util/errors.js';
import {
  sourceOf,
  type ColumnBuilder,
  type ForeignKeyBuilder,
  type IndexBuilder,
  type IndexElement,
  type TableBuilder,
} from './ddl-builders.js';
import { parseType } from './parse-type.js';
import { identName, isOp, isWord, type Token } from './tokenize.js';

/** Index of the `)` matching the `(` at `i`. */
export function matchParen(toks: readonly Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) depth++;
    else if (t.kind === 'op' && (t.value === ')' || t.value === ']')) {
      depth--;
      if (depth === 0) return j;
    }
  }
  throw new SchemaError(`unbalanced parenthesis at offset ${toks[i]?.offset ?? -1}`, 'check that the statement is complete');
}

/** Splits `toks[a..b)` at top-level commas into [start, end) ranges. */
export function splitCommas(toks: readonly Token[], a: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let s = a;
  for (let j = a; j < b; j++) {
    const t = toks[j]!;
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) depth++;
    else if (t.kind === 'op' && (t.value === ')' || t.value === ']')) depth--;
    else if (depth === 0 && isOp(t, ',')) {
      out.push([s, j]);
      s = j + 1;
    }
  }
  if (b > s) out.push([s, b]);
  return out;
}

/** Names in `( a, b, "c" )` starting at the `(` at `i`; returns names and the index after `)`. */
export function nameList(toks: readonly Token[], i: number): { names: string[]; next: number } {
  const end = matchParen(toks, i);
  const names: string[] = [];
  for (const [a, b] of splitCommas(toks, i + 1, end)) {
    const t = toks[a];
    if (t && b > a) names.push(identName(t));
  }
  return { names, next: end + 1 };
}

/** Dotted name starting at `i`. */
export function dottedName(toks: readonly Token[], i: number): { parts: string[]; next: number } {
  const parts = [identName(toks[i]!)];
  let j = i + 1;
  while (isOp(toks[j], '.') && toks[j + 1] && (toks[j + 1]!.kind === 'word' || toks[j + 1]!.kind === 'qident')) {
    parts.push(identName(toks[j + 1]!));
    j += 2;
  }
  return { parts, next: j };
}

const STOP_AFTER_EXPR = [
  'ON',
  'AS',
  'CONSTRAINT',
  'CHECK',
  'REFERENCES',
  'UNIQUE',
  'PRIMARY',
  'GENERATED',
  'FAMILY',
  'CREATE',
  'NOT',
  'NULL',
  'DEFAULT',
];

/** End of a column-level expression (DEFAULT / ON UPDATE): the next column keyword at depth 0. */
function exprEnd(toks: readonly Token[], i: number, b: number): number {
  let depth = 0;
  for (let j = i; j < b; j++) {
    const t = toks[j]!;
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) depth++;
    else if (t.kind === 'op' && (t.value === ')' || t.value === ']')) depth--;
    else if (depth === 0 && j > i && t.kind === 'word' && STOP_AFTER_EXPR.includes(t.value.toUpperCase())) {
      const up = t.value.toUpperCase();
      if (up === 'ON' && isWord(toks[j + 1], 'UPDATE')) return j;
      if (up === 'AS' && isOp(toks[j + 1], '(')) return j;
      if (up === 'NOT' && isWord(toks[j + 1], 'NULL', 'VISIBLE')) return j;
      if (up === 'NULL' && isWord(toks[j - 1], 'IS', 'NOT')) continue;
      if (up !== 'ON' && up !== 'AS' && up !== 'NOT') return j;
    }
  }
  return b;
}

function fkAction(toks: readonly Token[], i: number): { action: ForeignKeyAction; next: number } {
  if (isWord(toks[i], 'CASCADE')) return { action: 'cascade', next: i + 1 };
  if (isWord(toks[i], 'RESTRICT')) return { action: 'restrict', next: i + 1 };
  if (isWord(toks[i], 'SET') && isWord(toks[i + 1], 'NULL')) return { action: 'set null', next: i + 2 };
  if (isWord(toks[i], 'SET') && isWord(toks[i + 1], 'DEFAULT')) return { action: 'set default', next: i + 2 };
  if (isWord(toks[i], 'NO') && isWord(toks[i + 1], 'ACTION')) return { action: 'no action', next: i + 2 };
  throw new SchemaError(`unknown foreign key action at offset ${toks[i]?.offset ?? -1}`);
}

/** `REFERENCES t (cols) [MATCH …] [ON DELETE …] [ON UPDATE …] [NOT VALID]` starting at REFERENCES. */
export function parseReferences(
  toks: readonly Token[],
  i: number,
  b: number,
  fk: Omit<ForeignKeyBuilder, 'refParts' | 'refColumns' | 'onDelete' | 'onUpdate' | 'match' | 'validated'>,
): { fk: ForeignKeyBuilder; next: number } {
  const ref = dottedName(toks, i + 1);
  let j = ref.next;
  let refColumns: string[] = [];
  if (isOp(toks[j], '(')) {
    const l = nameList(toks, j);
    refColumns = l.names;
    j = l.next;
  }
  const out: ForeignKeyBuilder = {
    ...fk,
    refParts: ref.parts,
    refColumns,
    onDelete: 'no action',
    onUpdate: 'no action',
    match: 'simple',
    validated: true,
  };
  while (j < b) {
    if (isWord(toks[j], 'MATCH')) {
      const m = toks[j + 1]!.value.toLowerCase();
      out.match = m === 'full' ? 'full' : m === 'partial' ? 'partial' : 'simple';
      j += 2;
    } else if (isWord(toks[j], 'ON') && isWord(toks[j + 1], 'DELETE')) {
      const a = fkAction(toks, j + 2);
      out.onDelete = a.action;
      j = a.next;
    } else if (isWord(toks[j], 'ON') && isWord(toks[j + 1], 'UPDATE')) {
      const a = fkAction(toks, j + 2);
      out.onUpdate = a.action;
      j = a.next;
    } else if (isWord(toks[j], 'NOT') && isWord(toks[j + 1], 'VALID')) {
      out.validated = false;
      j += 2;
    } else break;
  }
  return { fk: out, next: j };
}

/** Skips `PARTITION BY LIST|RANGE (…) (…)` / `PARTITION BY NOTHING` / `PARTITION ALL BY …`; returns its text. */
export function skipPartitionBy(text: string, toks: readonly Token[], i: number): { summary: string; numColumns: number; next: number } {
  let j = i + 1;
  if (isWord(toks[j], 'ALL')) j++;
  j++; // BY
  if (isWord(toks[j], 'NOTHING')) return { summary: sourceOf(text, toks, i, j + 1), numColumns: 0, next: j + 1 };
  j++; // LIST | RANGE
  const cols = nameList(toks, j);
  j = cols.next;
  if (isOp(toks[j], '(')) j = matchParen(toks, j) + 1;
  return { summary: sourceOf(text, toks, i, j), numColumns: cols.names.length, next: j };
}

function indexElements(text: string, toks: readonly Token[], i: number): { elements: IndexElement[]; next: number } {
  const end = matchParen(toks, i);
  const elements: IndexElement[] = [];
  for (const [a0, b0] of splitCommas(toks, i + 1, end)) {
    let b = b0;
    let direction: 'asc' | 'desc' = 'asc';
    if (isWord(toks[b - 1], 'ASC', 'DESC')) {
      direction = toks[b - 1]!.value.toUpperCase() === 'DESC' ? 'desc' : 'asc';
      b--;
    }
    if (isWord(toks[b - 2], 'NULLS') && isWord(toks[b - 1], 'FIRST', 'LAST')) b -= 2;
    let opclass: string | undefined;
    const t0 = toks[a0]!;
    const last = toks[b - 1]!;
    if (
      b - a0 >= 2 &&
      last.kind === 'word' &&
      (/_ops$/i.test(last.value) || (b - a0 === 2 && (t0.kind === 'word' || t0.kind === 'qident')))
    ) {
      opclass = last.value;
      b--;
    }
    if (b - a0 === 1 && (t0.kind === 'word' || t0.kind === 'qident')) {
      elements.push({ columnName: identName(t0), direction, ...(opclass ? { opclass } : {}) });
      continue;
    }
    let a = a0;
    if (isOp(toks[a], '(') && matchParen(toks, a) === b - 1) {
      a++;
      b--;
    }
    elements.push({ expr: sourceOf(text, toks, a, b), direction, ...(opclass ? { opclass } : {}) });
  }
  return { elements, next: end + 1 };
}

/** The index clauses after the element list: USING HASH, STORING, INTERLEAVE, PARTITION BY, WHERE, visibility. */
export function parseIndexTail(text: string, toks: readonly Token[], j: number, b: number, idx: IndexBuilder): number {
  while (j < b) {
    const t = toks[j]!;
    if (isWord(t, 'USING') && isWord(toks[j + 1], 'HASH')) {
      j += 2;
      let buckets = 16;
      if (isWord(toks[j], 'WITH') && isOp(toks[j + 1], '(')) {
        const e = matchParen(toks, j + 1);
        for (let k = j + 2; k < e; k++) if (toks[k]!.kind === 'number') buckets = Number(toks[k]!.value);
        j = e + 1;
      } else if (isWord(toks[j], 'WITH') && isWord(toks[j + 1], 'BUCKET_COUNT')) {
        buckets = Number(toks[j + 3]!.value);
        j += 4;
      }
      idx.hash = { buckets };
    } else if (isWord(t, 'USING') && toks[j + 1]) {
      if (isWord(toks[j + 1], 'GIN', 'GIST')) idx.kind = 'inverted';
      j += 2;
    } else if (isWord(t, 'STORING', 'COVERING', 'INCLUDE')) {
      const l = nameList(toks, j + 1);
      idx.storing.push(...l.names);
      j = l.next;
    } else if (isWord(t, 'INTERLEAVE')) {
      const s = j;
      j += 3; // INTERLEAVE IN PARENT
      j = dottedName(toks, j).next;
      j = nameList(toks, j).next;
      idx.interleave = sourceOf(text, toks, s, j);
    } else if (isWord(t, 'PARTITION')) {
      const p = skipPartitionBy(text, toks, j);
      idx.partitioning = { summary: p.summary, numColumns: p.numColumns };
      j = p.next;
    } else if (isWord(t, 'WHERE')) {
      let k = j + 1;
      let depth = 0;
      while (k < b) {
        const u = toks[k]!;
        if (isOp(u, '(')) depth++;
        if (isOp(u, ')')) depth--;
        if (depth === 0 && ((isWord(u, 'NOT') && isWord(toks[k + 1], 'VISIBLE', 'VALID')) || isWord(u, 'VISIBILITY', 'INVISIBLE'))) break;
        k++;
      }
      idx.predicate = sourceOf(text, toks, j + 1, k);
      j = k;
    } else if (isWord(t, 'NOT') && isWord(toks[j + 1], 'VISIBLE')) {
      idx.invisible = true;
      j += 2;
    } else if (isWord(t, 'INVISIBLE')) {
      idx.invisible = true;
      j += 1;
    } else if (isWord(t, 'VISIBLE')) {
      j += 1;
    } else if (isWord(t, 'VISIBILITY')) {
      idx.invisible = Number(toks[j + 1]?.value ?? '1') < 1;
      j += 2;
    } else if (isWord(t, 'WITH') && isOp(toks[j + 1], '(')) {
      j = matchParen(toks, j + 1) + 1;
    } else if (isWord(t, 'NOT') && isWord(toks[j + 1], 'VALID')) {
      j += 2;
    } else {
      throw new SchemaError(
        `unexpected ${JSON.stringify(t.text)} in index ${idx.name} at offset ${t.offset}`,
        'report this SHOW CREATE line',
      );
    }
  }
  return j;
}

export function newIndex(table: TableBuilder, name: string, unique: boolean, kind: IndexBuilder['kind']): IndexBuilder {
  return { id: table.nextIndexId++, name, unique, kind, elements: [], storing: [], invisible: false };
}

/** `[UNIQUE] [INVERTED|VECTOR] INDEX [name] [ON t] [USING …] (…) …` starting at `i` (after CREATE for standalone). */
export function parseIndexDef(
  text: string,
  toks: readonly Token[],
  i: number,
  b: number,
  table: TableBuilder,
  defaultName: (elems: IndexElement[], unique: boolean) => string,
): IndexBuilder {
  let j = i;
  let unique = false;
  let kind: IndexBuilder['kind'] = 'forward';
  if (isWord(toks[j], 'UNIQUE')) {
    unique = true;
    j++;
  }
  if (isWord(toks[j], 'INVERTED')) {
    kind = 'inverted';
    j++;
  }
  if (isWord(toks[j], 'VECTOR')) {
    kind = 'vector';
    j++;
  }
  j++; // INDEX
  if (isWord(toks[j], 'IF') && isWord(toks[j + 1], 'NOT')) j += 3;
  let name: string | undefined;
  if (toks[j] && !isOp(toks[j], '(') && !isWord(toks[j], 'ON', 'USING')) {
    name = identName(toks[j]!);
    j++;
  }
  if (isWord(toks[j], 'ON')) j = dottedName(toks, j + 1).next;
  if (isWord(toks[j], 'USING') && !isWord(toks[j + 1], 'HASH')) {
    if (isWord(toks[j + 1], 'GIN', 'GIST')) kind = 'inverted';
    j += 2;
  }
  const el = indexElements(text, toks, j);
  const idx = newIndex(table, name ?? defaultName(el.elements, unique), unique, kind);
  idx.elements = el.elements;
  parseIndexTail(text, toks, el.next, b, idx);
  return idx;
}

/** Parses one column definition `toks[a..b)`, adding inline constraints to the table. */
function parseColumn(text: string, toks: readonly Token[], a: number, b: number, table: TableBuilder, database: string): void {
  const name = identName(toks[a]!);
  const pt = parseType(toks, a + 1);
  let arrayDepth = 0;
  for (let t = pt.type; t.family === 'array' && t.arrayContents; t = t.arrayContents) arrayDepth++;
  const col: ColumnBuilder = {
    id: table.nextColumnId++,
    name,
    type: pt.type,
    nullable: true,
    hidden: false,
    inaccessible: false,
    ...(pt.userTypeName ? { userTypeName: { parts: pt.userTypeName, database, arrayDepth } } : {}),
  };
  const typeWord = toks[a + 1]!.value.toUpperCase();
  if (/^(SERIAL|SERIAL2|SERIAL4|SERIAL8|BIGSERIAL|SMALLSERIAL)$/.test(typeWord)) {
    col.nullable = false;
    col.defaultExpr = 'unique_rowid()';
  }
  table.columns.push(col);
  let j = pt.next;
  while (j < b) {
    const t = toks[j]!;
    if (isWord(t, 'NOT') && isWord(toks[j + 1], 'VISIBLE')) {
      col.hidden = true;
      j += 2;
    } else if (isWord(t, 'NOT') && isWord(toks[j + 1], 'NULL')) {
      col.nullable = false;
      j += 2;
    } else if (isWord(t, 'NULL')) {
      j += 1;
    } else if (isWord(t, 'DEFAULT')) {
      const e = exprEnd(toks, j + 1, b);
      col.defaultExpr = sourceOf(text, toks, j + 1, e);
      j = e;
    } else if (isWord(t, 'ON') && isWord(toks[j + 1], 'UPDATE')) {
      const e = exprEnd(toks, j + 2, b);
      col.onUpdateExpr = sourceOf(text, toks, j + 2, e);
      j = e;
    } else if (
      (isWord(t, 'AS') && isOp(toks[j + 1], '(')) ||
      (isWord(t, 'GENERATED') && isWord(toks[j + 3], 'AS') && isOp(toks[j + 4], '('))
    ) {
      const open = isWord(t, 'AS') ? j + 1 : j + 4;
      const close = matchParen(toks, open);
      let stored = false;
      j = close + 1;
      if (isWord(toks[j], 'STORED')) {
        stored = true;
        j++;
      } else if (isWord(toks[j], 'VIRTUAL')) j++;
      col.computed = { expr: sourceOf(text, toks, open + 1, close), stored };
    } else if (isWord(t, 'GENERATED')) {
      const always = isWord(toks[j + 1], 'ALWAYS');
      j += always ? 2 : 3; // GENERATED ALWAYS | GENERATED BY DEFAULT
      j += 2; // AS IDENTITY
      let sequenceOptions: string | undefined;
      if (isOp(toks[j], '(')) {
        const e = matchParen(toks, j);
        sequenceOptions = sourceOf(text, toks, j + 1, e);
        j = e + 1;
      }
      col.identity = { mode: always ? 'always' : 'by-default', ...(sequenceOptions ? { sequenceOptions } : {}) };
      col.nullable = false;
    } else if (isWord(t, 'PRIMARY') && isWord(toks[j + 1], 'KEY')) {
      col.nullable = false;
      const idx = newIndex(table, `${table.name}_pkey`, true, 'forward');
      idx.elements = [{ columnName: name, direction: 'asc' }];
      j = parseIndexTailLoose(text, toks, j + 2, b, idx);
      table.primary = idx;
    } else if (isWord(t, 'UNIQUE')) {
      const idx = newIndex(table, `${table.name}_${name}_key`, true, 'forward');
      idx.elements = [{ columnName: name, direction: 'asc' }];
      table.indexes.push(idx);
      j++;
    } else if (isWord(t, 'REFERENCES')) {
      const r = parseReferences(toks, j, b, { name: `${table.name}_${name}_fkey`, columns: [name] });
      table.foreignKeys.push(r.fk);
      j = r.next;
    } else if (isWord(t, 'CHECK')) {
      const e = matchParen(toks, j + 1);
      table.checks.push({ name: `check_${name}`, expr: sourceOf(text, toks, j + 2, e), validated: true });
      j = e + 1;
    } else if (isWord(t, 'CONSTRAINT')) {
      j += 2;
    } else if (isWord(t, 'COLLATE')) {
      col.type = sqlType('collatedstring', { oid: col.type.oid || 25, width: col.type.width, locale: toks[j + 1]!.value });
      j += 2;
    } else if (isWord(t, 'CREATE', 'FAMILY')) {
      j = b;
    } else {
      throw new SchemaError(
        `unexpected ${JSON.stringify(t.text)} in column ${table.name}.${name} at offset ${t.offset}`,
        'report this SHOW CREATE line',
      );
    }
  }
}

/** Like parseIndexTail but stops quietly at the first unknown word (inline PRIMARY KEY in a column). */
function parseIndexTailLoose(text: string, toks: readonly Token[], j: number, b: number, idx: IndexBuilder): number {
  let k = j;
  while (k < b && (isWord(toks[k], 'USING') || isWord(toks[k], 'WITH'))) {
    if (isWord(toks[k], 'USING') && isWord(toks[k + 1], 'HASH')) {
      let e = k + 2;
      if (isWord(toks[e], 'WITH') && isOp(toks[e + 1], '(')) e = matchParen(toks, e + 1) + 1;
      else if (isWord(toks[e], 'WITH') && isWord(toks[e + 1], 'BUCKET_COUNT')) e += 4;
      parseIndexTail(text, toks, k, e, idx);
      k = e;
    } else break;
  }
  return k;
}

/** Parses the element list `toks[open]` … `)` of CREATE TABLE into `table`. */
export function parseTableElements(text: string, toks: readonly Token[], open: number, table: TableBuilder, database: string): number {
  const close = matchParen(toks, open);
  for (const [a, b] of splitCommas(toks, open + 1, close)) {
    let j = a;
    let cname: string | undefined;
    if (isWord(toks[j], 'CONSTRAINT')) {
      cname = identName(toks[j + 1]!);
      j += 2;
    }
    const t = toks[j]!;
    if (isWord(t, 'PRIMARY') && isWord(toks[j + 1], 'KEY')) {
      const idx = newIndex(table, cname ?? `${table.name}_pkey`, true, 'forward');
      const el = indexElements(text, toks, j + 2);
      idx.elements = el.elements;
      parseIndexTail(text, toks, el.next, b, idx);
      table.primary = idx;
    } else if (isWord(t, 'FOREIGN') && isWord(toks[j + 1], 'KEY')) {
      const cols = nameList(toks, j + 2);
      const r = parseReferences(toks, cols.next, b, { name: cname ?? `${table.name}_${cols.names.join('_')}_fkey`, columns: cols.names });
      table.foreignKeys.push(r.fk);
    } else if (isWord(t, 'CHECK')) {
      const e = matchParen(toks, j + 1);
      const validated = !(isWord(toks[e + 1], 'NOT') && isWord(toks[e + 2], 'VALID'));
      table.checks.push({ name: cname ?? `check_${table.checks.length}`, expr: sourceOf(text, toks, j + 2, e), validated });
    } else if (isWord(t, 'UNIQUE') && isWord(toks[j + 1], 'WITHOUT') && isWord(toks[j + 2], 'INDEX')) {
      const cols = nameList(toks, j + 3);
      let k = cols.next;
      let predicate: string | undefined;
      let validated = true;
      if (isWord(toks[k], 'WHERE')) {
        let e = b;
        if (isWord(toks[b - 2], 'NOT') && isWord(toks[b - 1], 'VALID')) e = b - 2;
        predicate = sourceOf(text, toks, k + 1, e);
        k = e;
      }
      if (isWord(toks[k], 'NOT') && isWord(toks[k + 1], 'VALID')) validated = false;
      table.uniqueWithoutIndex.push({
        name: cname ?? `unique_${cols.names.join('_')}`,
        columns: cols.names,
        ...(predicate ? { predicate } : {}),
        validated,
      });
    } else if (isWord(t, 'UNIQUE') && isOp(toks[j + 1], '(')) {
      const idx = newIndex(table, cname ?? '', true, 'forward');
      const el = indexElements(text, toks, j + 1);
      idx.elements = el.elements;
      if (!cname) idx.name = `${table.name}_${el.elements.map((e) => e.columnName ?? 'expr').join('_')}_key`;
      parseIndexTail(text, toks, el.next, b, idx);
      table.indexes.push(idx);
    } else if (isWord(t, 'INDEX', 'UNIQUE') || (isWord(t, 'INVERTED', 'VECTOR') && isWord(toks[j + 1], 'INDEX'))) {
      table.indexes.push(
        parseIndexDef(
          text,
          toks,
          j,
          b,
          table,
          (els, unique) => `${table.name}_${els.map((e) => e.columnName ?? 'expr').join('_')}_${unique ? 'key' : 'idx'}`,
        ),
      );
    } else if (isWord(t, 'FAMILY') && isFamilyClause(toks, j)) {
      let k = j + 1;
      let fname = `fam_${table.families.length}`;
      if (!isOp(toks[k], '(')) {
        fname = identName(toks[k]!);
        k++;
      }
      table.families.push({ name: fname, columns: nameList(toks, k).names });
    } else if (isWord(t, 'LIKE') && isLikeClause(toks, j)) {
      throw new SchemaError(`CREATE TABLE ${table.name} (LIKE …) is not supported`, 'use SHOW CREATE output');
    } else {
      parseColumn(text, toks, j, b, table, database);
    }
  }
  return close + 1;
}

/*
 * INVERTED, VECTOR, FAMILY and LIKE are not reserved in CockroachDB: SHOW CREATE prints columns of
 * those names bare (`inverted INT8 NULL`). These tell a clause from such a column.
 */

/** `FAMILY [name] (col, …)`: a parenthesised list of names follows (a column's type parentheses hold numbers). */
function isFamilyClause(toks: readonly Token[], j: number): boolean {
  const k = isOp(toks[j + 1], '(') ? j + 1 : isOp(toks[j + 2], '(') ? j + 2 : -1;
  const first = k >= 0 ? toks[k + 1] : undefined;
  return first !== undefined && (first.kind === 'word' || first.kind === 'qident');
}

/** `LIKE table [INCLUDING …]`: a (qualified) name then the end of the element. */
function isLikeClause(toks: readonly Token[], j: number): boolean {
  const after = toks[j + 2];
  return after === undefined || isOp(after, ',') || isOp(after, ')') || isOp(after, '.') || isWord(after, 'INCLUDING', 'EXCLUDING');
}
