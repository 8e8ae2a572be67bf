/**
 * A tokenizer for CockroachDB SQL as `SHOW CREATE` prints it (crdb: pkg/sql/scanner/scan.go).
 * Tokens keep their source text so untouched parts of expressions can be re-emitted verbatim;
 * `space` records whether whitespace preceded the token (used when re-joining).
 */
import { SchemaError } from '../util/errors.js';

export type TokenKind =
  /** Unquoted identifier or keyword; `value` is the text as written. */
  | 'word'
  /** Double-quoted identifier; `value` is the unescaped name. */
  | 'qident'
  /** String literal; `value` is the decoded string, `prefix` the literal form. */
  | 'string'
  | 'number'
  /** `$1` placeholders (rare in DDL). */
  | 'param'
  /** Operators and punctuation: `(`, `)`, `,`, `.`, `;`, `::`, `:::`, `@`, `->>`, … */
  | 'op';

export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  /** The token exactly as in the source. */
  readonly text: string;
  /** String literals: '' plain, 'e' escape string, 'b' bytes, 'x' hex bytes, 'B' bit string, '$' dollar-quoted. */
  readonly prefix?: '' | 'e' | 'b' | 'x' | 'B' | '$';
  readonly offset: number;
  readonly space: boolean;
}

const OPS = [
  ':::',
  '->>',
  '#>>',
  '<->',
  '<=>',
  '!~*',
  '::',
  '->',
  '#>',
  '<=',
  '>=',
  '<>',
  '!=',
  '||',
  '<<',
  '>>',
  '~*',
  '!~',
  '@>',
  '<@',
  '&&',
  '?|',
  '?&',
  '//',
  '~~',
  '!!',
];
const isWordStart = (c: string): boolean => /[A-Za-z_\u0080-\uffff]/.test(c);
const isWordChar = (c: string): boolean => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

/** Decodes the body of a CockroachDB/PostgreSQL escape string (`e'…'`). */
export function decodeEscapeString(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) break;
    switch (n) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += 'x';
        break;
      }
      case 'u':
      case 'U': {
        const len = n === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) {
          out += String.fromCodePoint(parseInt(hex, 16));
          i += len;
        } else out += n;
        break;
      }
      default:
        if (/[0-7]/.test(n)) {
          const m = /^[0-7]{1,3}/.exec(body.slice(i))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else out += n;
    }
  }
  return out;
}

/**
 * Reads the double-quoted identifier whose opening quote is at `open`: its unescaped name (a doubled
 * quote is one quote) and the position after the closing quote. Split out of `tokenize` to keep
 * the loop short; it takes and returns the position, so the loop still advances a plain index.
 * `fail` is the tokenizer's, whose offset is still the opening quote's when it throws.
 */
function readQuotedIdent(sql: string, open: number, fail: (msg: string) => never): [name: string, next: number] {
  let j = open + 1;
  let name = '';
  for (;;) {
    const d = sql[j];
    if (d === undefined) fail('unterminated quoted identifier');
    if (d === '"') {
      if (sql[j + 1] === '"') {
        name += '"';
        j += 2;
        continue;
      }
      break;
    }
    name += d;
    j++;
  }
  return [name, j + 1];
}

/** Splits `sql` into tokens, skipping whitespace and `--` / block comments. */
export function tokenize(sql: string, source = 'DDL'): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let space = false;
  const fail = (msg: string): never => {
    throw new SchemaError(`${source}: ${msg} at offset ${i}`, 'check that the input is SHOW CREATE output');
  };
  const readQuoted = (start: number, q: string): string => {
    // Standard quoting: a doubled quote is one quote; e-strings also allow backslash escapes.
    let j = start;
    let body = '';
    const esc = q === 'e';
    for (;;) {
      const c = sql[j];
      if (c === undefined) fail('unterminated string literal');
      if (esc && c === '\\') {
        body += c + (sql[j + 1] ?? '');
        j += 2;
        continue;
      }
      if (c === "'") {
        if (sql[j + 1] === "'") {
          body += esc ? "\\'" : "'";
          j += 2;
          continue;
        }
        i = j + 1;
        return body;
      }
      body += c;
      j++;
    }
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
      space = true;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      space = true;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      i = end + 2;
      space = true;
      continue;
    }
    const push = (t: Omit<Token, 'offset' | 'space' | 'text'>): void => {
      toks.push({ ...t, text: sql.slice(start, i), offset: start, space });
      space = false;
    };
    if (c === "'") {
      const body = readQuoted(i + 1, '');
      push({ kind: 'string', value: body, prefix: '' });
      continue;
    }
    if ((c === 'e' || c === 'E' || c === 'b' || c === 'x' || c === 'X' || c === 'B') && sql[i + 1] === "'") {
      const prefix = c === 'e' || c === 'E' ? 'e' : c === 'b' ? 'b' : c === 'B' ? 'B' : 'x';
      const body = readQuoted(i + 2, prefix === 'e' || prefix === 'b' ? 'e' : '');
      push({ kind: 'string', value: prefix === 'e' || prefix === 'b' ? decodeEscapeString(body) : body, prefix });
      continue;
    }
    if (c === '"') {
      const [name, next] = readQuotedIdent(sql, i, fail);
      i = next;
      push({ kind: 'qident', value: name });
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        if (end < 0) fail('unterminated dollar-quoted string');
        const body = sql.slice(i + m[0].length, end);
        i = end + m[0].length;
        push({ kind: 'string', value: body, prefix: '$' });
        continue;
      }
      const p = /^\$[0-9]+/.exec(sql.slice(i));
      if (p) {
        i += p[0].length;
        push({ kind: 'param', value: p[0] });
        continue;
      }
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(sql.slice(i))!;
      i += m[0].length;
      push({ kind: 'number', value: m[0] });
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < sql.length && isWordChar(sql[j]!)) j++;
      i = j;
      push({ kind: 'word', value: sql.slice(start, j) });
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    i += op ? op.length : 1;
    push({ kind: 'op', value: op ?? c });
  }
  return toks;
}

/** Case-insensitive keyword test. */
export const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t !== undefined && t.kind === 'word' && words.some((w) => w.toUpperCase() === t.value.toUpperCase());

export const isOp = (t: Token | undefined, op: string): boolean => t !== undefined && t.kind === 'op' && t.value === op;

/** The SQL name a word/qident token denotes (unquoted words fold to lower case, as in CockroachDB). */
export function identName(t: Token): string {
  if (t.kind === 'qident') return t.value;
  if (t.kind === 'word') return t.value.toLowerCase();
  throw new SchemaError(`expected a name, got ${JSON.stringify(t.text)} at offset ${t.offset}`);
}

/** Re-joins tokens as text, keeping single spaces where the source had whitespace. */
export function joinTokens(toks: readonly Token[]): string {
  let s = '';
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    s += (k > 0 && t.space ? ' ' : '') + t.text;
  }
  return s;
}

/** Splits a token list into statements at top-level `;`. */
export function splitStatements(toks: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of toks) {
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) depth++;
    if (t.kind === 'op' && (t.value === ')' || t.value === ']')) depth = Math.max(0, depth - 1);
    if (depth === 0 && isOp(t, ';')) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}
