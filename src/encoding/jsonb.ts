/**
 * CockroachDB JSONB binary format → PostgreSQL `jsonb` text output.
 * docs/formats.md §5.6; authority `crdb: pkg/util/json/encode.go`, `jentry.go`.
 *
 * Container header: 4 bytes BE, top 3 bits type (0x80000000 array, 0x40000000 object,
 * 0x20000000 scalar wrapper), low 29 bits count. Then JEntries (4 bytes BE each: bit 31 offset
 * flag, bits 28–30 type, low 28 bits length or end offset), then the values. Objects hold n key
 * JEntries, n value JEntries, the n keys, then the n values.
 *
 * Output text (decision): exactly what PostgreSQL prints for the loaded value's `::text` —
 * `{"a": 1, "b": [1, 2]}` with ", " and ": " separators, object keys ordered as PostgreSQL jsonb
 * stores them (shorter key first, then bytewise), strings escaped like PostgreSQL `escape_json`
 * (\" \\ \b \f \n \r \t, other control characters as \u00XX, everything else raw UTF-8), numbers
 * as NUMERIC text (plain digits, scale kept: 1.50 stays 1.50, 1e2 becomes 100). CockroachDB stores
 * keys bytewise-sorted, so re-sorting is needed. A string containing U+0000 is printed as \u0000,
 * which PostgreSQL jsonb rejects; the loader reports that row.
 */
import { ByteReader } from '../util/byte-reader.js';
import { decodeNonsortingDecimal } from './decimal.js';
import { decodeUtf8, decodeUtf8Lossy } from './utf8.js';

const ARRAY_TAG = 0x80000000;
const OBJECT_TAG = 0x40000000;
const SCALAR_TAG = 0x20000000;
const TYPE_MASK = 0xe0000000;
const LEN_MASK = 0x1fffffff;

const JE_OFF_FLAG = 0x80000000;
const JE_TYPE_MASK = 0x70000000;
const JE_LEN_MASK = 0x0fffffff;
const T_NULL = 0x00000000;
const T_STRING = 0x10000000;
const T_NUMBER = 0x20000000;
const T_FALSE = 0x30000000;
const T_TRUE = 0x40000000;
const T_CONTAINER = 0x50000000;

const MAX_DEPTH = 1000;

/**
 * Decodes a whole JSONB binary value (as stored in a value after its length prefix). Keys and
 * strings are exact UTF-8 (a BOM stays); invalid UTF-8 throws InvalidUtf8Error unless `lossy`
 * (U+FFFD, only to show a rejected value).
 */
export function decodeJsonbText(bytes: Uint8Array, base = 0, lossy = false): string {
  const r = new ByteReader(bytes, 'value', base);
  const utf8 = lossy ? decodeUtf8Lossy : decodeUtf8;
  const out = decodeContainer(r, bytes.length, 0, utf8);
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} trailing bytes after JSONB value`);
  return out;
}

interface JEntry {
  type: number;
  length: number;
}

function readJEntries(r: ByteReader, n: number): JEntry[] {
  const out: JEntry[] = new Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const enc = r.u32be();
    let length = enc & JE_LEN_MASK;
    if ((enc & JE_OFF_FLAG) >>> 0 !== 0) {
      length -= off;
      if (length < 0) r.fail('JSONB JEntry end offset precedes the running offset', at);
    }
    off += length;
    out[i] = { type: (enc & JE_TYPE_MASK) >>> 0, length };
  }
  return out;
}

type Utf8 = (bytes: Uint8Array) => string;

function decodeContainer(r: ByteReader, end: number, depth: number, utf8: Utf8): string {
  if (depth > MAX_DEPTH) r.fail(`JSONB nesting deeper than ${MAX_DEPTH}`);
  const at = r.pos;
  const header = r.u32be();
  const kind = (header & TYPE_MASK) >>> 0;
  const count = header & LEN_MASK;
  if (count * 4 > end - r.pos) r.fail(`JSONB container claims ${count} entries, more than its bytes allow`, at);
  switch (kind) {
    case SCALAR_TAG: {
      const [e] = readJEntries(r, 1);
      return decodeValue(r, e!, depth, utf8);
    }
    case ARRAY_TAG: {
      const entries = readJEntries(r, count);
      const parts: string[] = new Array(count);
      for (let i = 0; i < count; i++) parts[i] = decodeValue(r, entries[i]!, depth, utf8);
      return `[${parts.join(', ')}]`;
    }
    case OBJECT_TAG: {
      const entries = readJEntries(r, count * 2);
      const keys: Uint8Array[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const e = entries[i]!;
        if (e.type !== T_STRING) r.fail('JSONB object key is not a string');
        keys[i] = r.bytesN(e.length, 'JSONB key');
      }
      const pairs: { key: Uint8Array; text: string }[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const k = keys[i]!;
        pairs[i] = { key: k, text: `${jsonString(k, utf8)}: ${decodeValue(r, entries[count + i]!, depth, utf8)}` };
      }
      pairs.sort((a, b) => pgKeyCompare(a.key, b.key));
      return `{${pairs.map((p) => p.text).join(', ')}}`;
    }
    default:
      return r.fail(`unknown JSONB container header 0x${header.toString(16)}`, at);
  }
}

function decodeValue(r: ByteReader, e: JEntry, depth: number, utf8: Utf8): string {
  switch (e.type) {
    case T_NULL:
      return 'null';
    case T_TRUE:
      return 'true';
    case T_FALSE:
      return 'false';
    case T_STRING:
      return jsonString(r.bytesN(e.length, 'JSONB string'), utf8);
    case T_NUMBER: {
      const end = r.pos + e.length;
      r.need(e.length, 'JSONB number');
      const n = r.uvarint();
      const s = decodeNonsortingDecimal(r, n);
      if (r.pos !== end) r.fail('JSONB number length mismatch');
      return s;
    }
    case T_CONTAINER: {
      r.need(e.length, 'JSONB container');
      const end = r.pos + e.length;
      const s = decodeContainer(r, end, depth + 1, utf8);
      if (r.pos !== end) r.fail('JSONB container length mismatch');
      return s;
    }
    default:
      return r.fail(`unknown JSONB JEntry type 0x${e.type.toString(16)}`);
  }
}

/** PostgreSQL jsonb key order (`lengthCompareJsonbStringValue`): length first, then bytes. */
function pgKeyCompare(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** PostgreSQL `escape_json` of UTF-8 bytes. */
export function jsonString(bytes: Uint8Array, utf8: Utf8 = decodeUtf8): string {
  const s = utf8(bytes);
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(last, i);
    last = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        out += `\\u${c.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}${s.slice(last)}"`;
}
