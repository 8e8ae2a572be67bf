/**
 * CockroachDB expression / query text → PostgreSQL text, working on tokens (never regexes over
 * whole statements). Handles `:::`/`::` casts with CockroachDB type names, the literal forms
 * (`e'…'`, `b'…'`, `x'…'`), functions that differ (`current_timestamp()` → `CURRENT_TIMESTAMP`,
 * `ifnull` → `coalesce`), sequence names inside `nextval('…')`, 3-part names, `t@idx` hints, and
 * reports what cannot be converted (`unique_rowid()`, `crdb_internal.*`, `gateway_region()`, …).
 */
import { quoteIdent, quoteLiteral } from '../util/sql-quote.js';
import { parseType, type ParsedType } from '../show-create/parse-type.js';
import { identName, isOp, isWord, tokenize, type Token } from '../show-create/tokenize.js';

export interface ExprContext {
  /** PostgreSQL type text for a cast target. */
  readonly mapType: (t: ParsedType) => string;
  /** A 2- or 3-part relation name → PostgreSQL qualified text, when it names a known relation. */
  readonly relation?: (parts: readonly string[]) => string | undefined;
  /** A sequence name as written inside `nextval('…')` → PostgreSQL qualified text (unquoted form for regclass). */
  readonly sequence?: (name: string) => string | undefined;
  /** A CockroachDB collation locale (`en_US`, `de`) → PostgreSQL collation text. */
  readonly collation?: (locale: string) => string;
  /** A column name of the current table → its PostgreSQL name. */
  readonly column?: (name: string) => string | undefined;
}

export interface TranslatedExpr {
  readonly sql: string;
  /** Constructs with no PostgreSQL equivalent (function names, operators). Empty when fully converted. */
  readonly unsupported: readonly string[];
  /** What was rewritten, for the decision log. */
  readonly changes: readonly string[];
  /** Every rewrite in `changes` is a PostgreSQL spelling of the same expression. */
  readonly sameMeaning: boolean;
}

/** Functions CockroachDB prints with `()` that PostgreSQL spells as bare SQL keywords. */
const BARE_KEYWORDS: Record<string, string> = {
  current_timestamp: 'CURRENT_TIMESTAMP',
  current_date: 'CURRENT_DATE',
  current_time: 'CURRENT_TIME',
  localtimestamp: 'LOCALTIMESTAMP',
  localtime: 'LOCALTIME',
  current_user: 'CURRENT_USER',
  session_user: 'SESSION_USER',
  current_role: 'CURRENT_ROLE',
  current_catalog: 'current_catalog',
};

// uuid_generate_v4 is built into CockroachDB; PostgreSQL has it only in the uuid-ossp extension.
const RENAMED: Record<string, string> = { ifnull: 'coalesce', nvl: 'coalesce', uuid_generate_v4: 'gen_random_uuid' };

/** CockroachDB-only builtins (crdb: pkg/sql/sem/builtins) with no PostgreSQL equivalent of the same meaning. */
const UNSUPPORTED = new Set([
  'unique_rowid',
  'unordered_unique_rowid',
  'gen_random_ulid',
  'gateway_region',
  'default_to_database_primary_region',
  'rehome_row',
  'fnv32',
  'fnv32a',
  'fnv64',
  'fnv64a',
  'crc32c',
  'crc32ieee',
  'cluster_logical_timestamp',
  'experimental_strftime',
  'experimental_strptime',
  'strftime',
  'strptime',
  'to_english',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'from_ip',
  'to_ip',
  'crdb_internal',
  'unnest_json',
  'json_remove_path',
  'experimental_follower_read_timestamp',
  'follower_read_timestamp',
  'with_min_timestamp',
  'with_max_staleness',
  'approximate_timestamp',
  'ulid_to_uuid',
  'uuid_to_ulid',
  'st_asewkt',
  'decompress',
  'compress',
  'bitmask_and',
  'bitmask_or',
  'bitmask_xor',
  'crdb_internal.datums_to_bytes',
  'nextval_oid',
]);

const isName = (t: Token | undefined): boolean => t !== undefined && (t.kind === 'word' || t.kind === 'qident');

function bytesLiteral(value: string, hex: boolean): string {
  if (hex) return `'\\x${value.toLowerCase()}'::bytea`;
  const bytes: number[] = [];
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp < 256) bytes.push(cp);
    else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return `'\\x${Buffer.from(bytes).toString('hex')}'::bytea`;
}

/** Translates one expression or query. */
export function translateExpr(src: string, ctx: ExprContext): TranslatedExpr {
  const toks = tokenize(src, 'expression');
  const st: ExprState = { toks, ctx, unsupported: [], changes: new Set<string>(), parens: [], sql: '', sameMeaning: true };
  const { unsupported, changes, parens } = st;
  const emit = (text: string, space: boolean): void => emitSql(st, text, space);
  let i = 0;
  while (i < toks.length) {
    const t = toks[i]!;
    if (isOp(t, '(')) parens.push('');
    if (isOp(t, ')')) parens.pop();
    if (isWord(t, 'AS') && parens[parens.length - 1] === 'cast' && toks[i + 1]) {
      const p = parseType(toks, i + 1);
      emit(`AS ${ctx.mapType(p)}`, t.space);
      i = p.next;
      continue;
    }
    if (
      isWord(t, 'COLLATE') &&
      ctx.collation &&
      toks[i + 1] &&
      (toks[i + 1]!.kind === 'word' || toks[i + 1]!.kind === 'qident' || toks[i + 1]!.kind === 'string')
    ) {
      emit(`COLLATE ${ctx.collation(toks[i + 1]!.value)}`, t.space);
      changes.add('collations mapped to PostgreSQL ICU collations');
      st.sameMeaning = false;
      i += 2;
      continue;
    }
    if (t.kind === 'op' && (t.value === ':::' || t.value === '::')) {
      const p = parseType(toks, i + 1);
      // `1:::INT8` is a type annotation on an integer literal: PostgreSQL types it by context.
      if (
        t.value === ':::' &&
        toks[i - 1]?.kind === 'number' &&
        /^\d+$/.test(toks[i - 1]!.value) &&
        p.type.family === 'int' &&
        p.type.width === 64
      ) {
        changes.add('type annotations on integer literals removed');
        i = p.next;
        continue;
      }
      emit(`::${ctx.mapType(p)}`, t.space);
      if (t.value === ':::') changes.add('type annotations `:::` written as casts `::`');
      i = p.next;
      continue;
    }
    if (t.kind === 'string') {
      switch (t.prefix) {
        case 'e':
          emit(quoteLiteral(t.value), t.space);
          break;
        case 'b':
          emit(bytesLiteral(t.value, false), t.space);
          changes.add("b'…' byte literals written as bytea hex");
          break;
        case 'x':
          emit(bytesLiteral(t.value, true), t.space);
          changes.add("x'…' byte literals written as bytea hex");
          break;
        default:
          emit(t.text, t.space);
      }
      i++;
      continue;
    }
    if (t.kind === 'op' && t.value === '//') {
      unsupported.push('floor division operator //');
      emit(t.text, t.space);
      i++;
      continue;
    }
    if (t.kind === 'op' && t.value === '@' && i > 0 && isName(toks[i - 1]) && (isName(toks[i + 1]) || isOp(toks[i + 1], '{'))) {
      // Index hint `t@idx` / `t@{FORCE_INDEX=idx}`: planner-only, dropped.
      if (isOp(toks[i + 1], '{')) {
        let j = i + 1;
        while (j < toks.length && !isOp(toks[j], '}')) j++;
        i = j + 1;
      } else i += 2;
      changes.add('index hints (t@idx) removed');
      continue;
    }
    if (isWord(t, 'AS') && isWord(toks[i + 1], 'OF') && isWord(toks[i + 2], 'SYSTEM')) {
      unsupported.push('AS OF SYSTEM TIME');
    }
    if (isName(t)) {
      i = translateName(st, i);
      continue;
    }
    emit(t.text, t.space);
    i++;
  }
  return { sql: st.sql, unsupported, changes: [...changes], sameMeaning: st.sameMeaning };
}

/** The translation so far, shared by the steps of translateExpr. */
interface ExprState {
  readonly toks: readonly Token[];
  readonly ctx: ExprContext;
  readonly unsupported: string[];
  readonly changes: Set<string>;
  /** Open parentheses: the function name they belong to ('' for plain grouping). */
  readonly parens: string[];
  sql: string;
  /** Cleared by a rewrite that may behave differently (a collation, uuid_v4's bytes). */
  sameMeaning: boolean;
}

function emitSql(st: ExprState, text: string, space: boolean): void {
  st.sql += (st.sql && space ? ' ' : '') + text;
}

/** A name, dotted name or function call starting at toks[i]: columns and relations renamed by the context; returns the index after it. */
function translateName(st: ExprState, i: number): number {
  const { toks, ctx } = st;
  const t = toks[i]!;
  const parts: Token[] = [t];
  let j = i + 1;
  while (isOp(toks[j], '.') && isName(toks[j + 1]) && !toks[j]!.space) {
    parts.push(toks[j + 1]!);
    j += 2;
  }
  const names = parts.map(identName);
  const text = parts.map((p) => p.text).join('.');
  if (isOp(toks[j], '(')) return translateCall(st, t, names, text, j);
  if (parts.length === 1 && ctx.column) {
    const c = ctx.column(names[0]!);
    if (c !== undefined) {
      emitSql(st, quoteIdent(c), t.space);
      return j;
    }
  }
  if (parts.length >= 2 && ctx.relation) {
    const r = ctx.relation(names);
    if (r !== undefined) {
      emitSql(st, r, t.space);
      return j;
    }
  }
  emitSql(st, text, t.space);
  return j;
}

/**
 * A call of the function `names` (written `text`, its `(` at toks[j]): CockroachDB-only functions
 * rewritten or noted as unsupported, sequence names resolved; returns the index of the next token.
 */
function translateCall(st: ExprState, t: Token, names: readonly string[], text: string, j: number): number {
  const { toks, ctx, changes, unsupported } = st;
  const emit = (sql: string, space: boolean): void => emitSql(st, sql, space);
  const fname = names.join('.');
  const bare = BARE_KEYWORDS[fname];
  if (bare && isOp(toks[j + 1], ')')) {
    emit(bare, t.space);
    changes.add(`${fname}() written as ${bare}`);
    return j + 2;
  }
  if (fname === 'uuid_v4' && isOp(toks[j + 1], ')')) {
    // uuid_v4() returns 16 random BYTES in CockroachDB; cast to UUID it is gen_random_uuid().
    const cast = toks[j + 2];
    const castsToUuid =
      cast !== undefined &&
      cast.kind === 'op' &&
      (cast.value === '::' || cast.value === ':::') &&
      isName(toks[j + 3]) &&
      identName(toks[j + 3]!) === 'uuid';
    emit(castsToUuid ? 'gen_random_uuid()' : 'uuid_send(gen_random_uuid())', t.space);
    changes.add(
      castsToUuid ? 'uuid_v4()::UUID written as gen_random_uuid()' : 'uuid_v4() written as uuid_send(gen_random_uuid()) (16 random bytes)',
    );
    st.sameMeaning = false;
    return castsToUuid ? j + 4 : j + 2;
  }
  if (UNSUPPORTED.has(fname) || names[0] === 'crdb_internal' || fname.startsWith('experimental_')) unsupported.push(`${fname}()`);
  const renamed = RENAMED[fname];
  if (renamed) changes.add(`${fname}() written as ${renamed}()`);
  emit(renamed ?? text, t.space);
  emit('(', toks[j]!.space);
  st.parens.push(fname);
  let i = j + 1;
  if ((fname === 'nextval' || fname === 'currval' || fname === 'setval') && toks[i]?.kind === 'string' && ctx.sequence) {
    const s = ctx.sequence(toks[i]!.value);
    if (s !== undefined) {
      emit(quoteLiteral(s), false);
      i++;
    } else {
      // PostgreSQL resolves the regclass when the DEFAULT is created: a missing sequence would fail the CREATE TABLE.
      unsupported.push(`${fname}('${toks[i]!.value}'), a sequence that is not in the input`);
    }
  }
  return i;
}
