/**
 * TSVECTOR / TSQUERY storage formats → PostgreSQL text (`crdb: pkg/util/tsearch/encoding.go`).
 *
 * tsvector: uint32 BE #terms; per term nonsorting-uvarint length + lexeme, uint16 BE #positions,
 * uint16 BE each (weight in the top 2 bits: 3=A 2=B 1=C 0=D; position in the low 14).
 * tsquery: uint32 BE token count, then nodes in prefix order: 1 = operand (weight bitmask byte
 * A=8 B=4 C=2 D=1, prefix byte, lexeme), 2 = operator (1 NOT, 2 AND, 3 OR, 4 PHRASE + uint16 BE
 * distance) followed by its left then right operand. The on-disk form stores lexemes with a
 * nonsorting-uvarint length; the pgwire form (used inside arrays) NUL-terminates them and lists
 * the right operand first.
 */
import { ByteReader } from '../util/byte-reader.js';
import { decodeNonsortingUvarint } from './primitives.js';
import { decodeUtf8, decodeUtf8Lossy } from './utf8.js';

const MAX_DEPTH = 1000;

/** PostgreSQL lexeme quoting (`tsvectorout`/`tsqueryout`): '…' with ' and \ doubled. */
function quoteLexeme(s: string): string {
  return `'${s.replace(/(['\\])/g, '$1$1')}'`;
}

/**
 * Decodes an on-disk tsvector to PostgreSQL `tsvectorout` text, e.g. `'a':1A,2 'b'`. Lexemes are
 * exact UTF-8; invalid UTF-8 throws InvalidUtf8Error unless `lossy` (U+FFFD, to show a rejected value).
 */
export function decodeTSVectorText(bytes: Uint8Array, base = 0, lossy = false): string {
  const r = new ByteReader(bytes, 'value', base);
  const utf8 = lossy ? decodeUtf8Lossy : decodeUtf8;
  const n = r.u32be();
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = decodeNonsortingUvarint(r);
    let s = quoteLexeme(utf8(r.bytesN(len, 'tsvector lexeme')));
    r.need(2, 'tsvector position count');
    const np = r.view.getUint16(r.pos, false);
    r.pos += 2;
    for (let j = 0; j < np; j++) {
      r.need(2, 'tsvector position');
      const p = r.view.getUint16(r.pos, false);
      r.pos += 2;
      const w = p >> 14;
      s += `${j === 0 ? ':' : ','}${p & 0x3fff}${w === 3 ? 'A' : w === 2 ? 'B' : w === 1 ? 'C' : ''}`;
    }
    parts.push(s);
  }
  if (!r.done) r.fail('trailing bytes after tsvector');
  return parts.join(' ');
}

type TsNode = { op: 0; lexeme: string; weight: number; prefix: boolean } | { op: 1 | 2 | 3 | 4; distance: number; l: TsNode; r?: TsNode };

/** Operator priorities as in PostgreSQL (`tsquery_op_priority`): NOT 4, PHRASE 3, AND 2, OR 1. */
const PRIORITY = [0, 4, 2, 1, 3] as const;

/** Decodes a tsquery (`pgBinary` selects the NUL-terminated pgwire layout used inside arrays); `lossy` as for tsvector. */
export function decodeTSQueryText(bytes: Uint8Array, pgBinary = false, base = 0, lossy = false): string {
  const r = new ByteReader(bytes, 'value', base);
  const utf8 = lossy ? decodeUtf8Lossy : decodeUtf8;
  let tokens = r.u32be();
  if (tokens === 0) return '';
  const node = (depth: number): TsNode => {
    if (depth > MAX_DEPTH) r.fail('tsquery nested too deeply');
    if (tokens-- <= 0) r.fail('malformed tsquery: too many nodes');
    const at = r.pos;
    const kind = r.u8();
    if (kind === 1) {
      const weight = r.u8();
      const prefix = r.u8() !== 0;
      let lex: Uint8Array;
      if (pgBinary) {
        const start = r.pos;
        let i = start;
        while (i < r.bytes.length && r.bytes[i] !== 0) i++;
        if (i >= r.bytes.length) r.fail('unterminated tsquery lexeme', start);
        lex = r.bytes.subarray(start, i);
        r.pos = i + 1;
      } else lex = r.bytesN(decodeNonsortingUvarint(r), 'tsquery lexeme');
      return { op: 0, lexeme: utf8(lex), weight, prefix };
    }
    if (kind !== 2) r.fail(`unknown tsquery node type ${kind}`, at);
    const op = r.u8();
    if (op < 1 || op > 4) r.fail(`unknown tsquery operator ${op}`, at + 1);
    let distance = 0;
    if (op === 4) {
      r.need(2, 'tsquery phrase distance');
      distance = r.view.getUint16(r.pos, false);
      r.pos += 2;
    }
    const o = op as 1 | 2 | 3 | 4;
    if (o === 1) return { op: o, distance, l: node(depth + 1) };
    if (pgBinary) {
      const right = node(depth + 1);
      return { op: o, distance, l: node(depth + 1), r: right };
    }
    const left = node(depth + 1);
    return { op: o, distance, l: left, r: node(depth + 1) };
  };
  const root = node(0);
  if (!r.done) r.fail('trailing bytes after tsquery');
  return render(root, 0);
}

function render(n: TsNode, parentPriority: number): string {
  if (n.op === 0) {
    let s = quoteLexeme(n.lexeme);
    if (n.prefix || n.weight) {
      s += ':';
      if (n.prefix) s += '*';
      if (n.weight & 8) s += 'A';
      if (n.weight & 4) s += 'B';
      if (n.weight & 2) s += 'C';
      if (n.weight & 1) s += 'D';
    }
    return s;
  }
  const pr = PRIORITY[n.op];
  if (n.op === 1) {
    const inner = render(n.l, pr);
    return `!${inner}`;
  }
  const opText = n.op === 2 ? '&' : n.op === 3 ? '|' : n.distance === 1 ? '<->' : `<${n.distance}>`;
  // Parenthesise a lower-priority child, and any nested phrase operator (PostgreSQL re-parses either way).
  const left = render(n.l, n.op === 4 ? pr + 1 : pr);
  const right = render(n.r!, n.op === 4 ? pr + 1 : pr);
  const s = `${left} ${opText} ${right}`;
  return pr < parentPriority ? `( ${s} )` : s;
}
