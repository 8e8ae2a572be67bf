/**
 * JSONB forward-index key encoding (JSONB columns in primary keys and plain secondary indexes)
 * → PostgreSQL `jsonb` text, rendered exactly like the value side (`jsonb.ts`).
 *
 * Authority: `crdb: pkg/util/json/json.go` (`EncodeForwardIndex` on each JSON kind),
 * `pkg/sql/rowenc/keyside/json.go` (`decodeJSONKey`, `decodeJSONArray`, `decodeJSONObject`),
 * `pkg/util/encoding/encoding.go` (`jsonEmptyArrayKeyMarker` … `jsonKeyDescendingTerminator`,
 * `EncodeJSON*KeyMarker`, `EncodeJSONValueLength`, `ValidateAndConsumeJSONKeyMarker`,
 * `IsJSONKeyDone`, `PeekLength`); design: the "JSONB Key Encoding" RFC under crdb docs/RFCS.
 *
 * Layout (asc marker / desc marker; T = terminator, 0x00 asc / 0xFF desc):
 *   null            0x46 / 0x53
 *   string          0x47 / 0x52, then EncodeStringAscending/Descending (0x12/0x13 marker, escaped
 *                   body, 0x00 0x01 / complemented), then T
 *   number          0x48 / 0x51, then EncodeDecimalAscending/Descending (decimal key), then T
 *   false / true    0x49 / 0x50, 0x4A / 0x4F
 *   array           0x4B / 0x4E (0x45 / 0x54 when empty: PostgreSQL sorts [] before everything),
 *                   then the element count as an ordered varint (EncodeVarintAscending/Descending),
 *                   the elements, then T
 *   object          0x4C / 0x4D, then the pair count (ordered varint), key (as a JSON string
 *                   above) and value per pair in CockroachDB's bytewise key order, then T
 * The descending markers mirror the ascending ones (desc = 0x99 − asc); there is no separate
 * "descending container": the direction applies to every nested value.
 *
 * Version: there is no version byte. The markers themselves identify the encoding; the feature is
 * gated by cluster version `V23_2_JSONForwardIndexes` (crdb:
 * pkg/upgrade/upgrades/json_forward_indexes_test.go): only clusters finalized at that version or
 * later write these keys.
 *
 * Exactness: a number's key form is the decimal key, which drops trailing zeros ("1.50" → "1.5",
 * as `DecodeDecimalAscending` does). CockroachDB treats such JSON as composite (`DJSON.IsComposite`
 * in pkg/sql/sem/tree/datum.go), so the row value carries the exact document; prefer it when
 * present. Object keys are printed in PostgreSQL jsonb order (shorter first, then bytewise), the
 * same as the value path, and strings/keys go through the same `escape_json` rendering.
 */
import type { ByteReader } from '../util/byte-reader.js';
import { decodeDecimalKey } from './decimal.js';
import { jsonString } from './jsonb.js';
import { decodeBytesKey, decodeVarintAscending, decodeVarintDescending } from './ordered.js';

/** `encoding.go` JSON forward-key markers (ascending 0x45–0x4C, descending 0x4D–0x54). */
export const JsonKeyMarker = {
  emptyArray: 0x45,
  null: 0x46,
  string: 0x47,
  number: 0x48,
  false: 0x49,
  true: 0x4a,
  array: 0x4b,
  object: 0x4c,
  objectDesc: 0x4d,
  arrayDesc: 0x4e,
  trueDesc: 0x4f,
  falseDesc: 0x50,
  numberDesc: 0x51,
  stringDesc: 0x52,
  nullDesc: 0x53,
  emptyArrayDesc: 0x54,
} as const;

/** `jsonKeyTerminator` / `jsonKeyDescendingTerminator`. */
const TERM_ASC = 0x00;
const TERM_DESC = 0xff;
/** asc marker + desc marker of the same kind (`jsonEmptyArrayKeyDescendingMarker = jsonObjectKeyMarker + 8`). */
const MIRROR = JsonKeyMarker.emptyArray + JsonKeyMarker.emptyArrayDesc;
/** Same limit as the value-side JSONB decoder, so any document that decodes there decodes here. */
const MAX_DEPTH = 1000;

/** True if `m` is one of the JSON forward-key markers (either direction). */
export function isJsonKeyMarker(m: number): boolean {
  return m >= JsonKeyMarker.emptyArray && m <= JsonKeyMarker.emptyArrayDesc;
}

/**
 * Decodes one key-encoded JSONB value (`keyside.decodeJSONKey`) starting at `r.pos` and returns
 * its PostgreSQL jsonb text. `descending` is the index column direction; a marker of the other
 * direction is an error. Throws DecodeError (with the absolute offset) on truncated or corrupt input.
 */
export function decodeJsonKeyText(r: ByteReader, descending: boolean): string {
  return decodeValue(r, descending, 0);
}

/** Skips one key-encoded JSONB value, direction taken from its marker (`PeekLength`). */
export function skipJsonKey(r: ByteReader): void {
  const m = r.peek();
  if (!isJsonKeyMarker(m)) r.fail(`expected a JSON key marker, got 0x${m.toString(16)}`);
  decodeValue(r, m >= JsonKeyMarker.objectDesc, 0);
}

function decodeValue(r: ByteReader, desc: boolean, depth: number): string {
  const at = r.pos;
  if (depth > MAX_DEPTH) r.fail(`JSON key nested deeper than ${MAX_DEPTH}`, at);
  const m = r.u8();
  if (!isJsonKeyMarker(m)) r.fail(`did not find a JSON key marker (got 0x${m.toString(16)})`, at);
  if (m >= JsonKeyMarker.objectDesc !== desc) {
    r.fail(
      `JSON key marker 0x${m.toString(16)} is ${desc ? 'ascending inside a descending' : 'descending inside an ascending'} key column`,
      at,
    );
  }
  switch (desc ? MIRROR - m : m) {
    case JsonKeyMarker.null:
      return 'null';
    case JsonKeyMarker.false:
      return 'false';
    case JsonKeyMarker.true:
      return 'true';
    case JsonKeyMarker.string: {
      const s = jsonString(decodeBytesKey(r, desc));
      expectTerminator(r, desc, 'string');
      return s;
    }
    case JsonKeyMarker.number: {
      const numAt = r.pos;
      const s = decodeDecimalKey(r, desc);
      if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') r.fail(`JSON number key holds ${s}`, numAt);
      expectTerminator(r, desc, 'number');
      return s;
    }
    case JsonKeyMarker.emptyArray:
    case JsonKeyMarker.array: {
      const count = readCount(r, desc);
      const empty = (desc ? MIRROR - m : m) === JsonKeyMarker.emptyArray;
      if (empty !== (count === 0)) r.fail(`JSON array key marker 0x${m.toString(16)} with ${count} elements`, at);
      const parts: string[] = [];
      while (!atTerminator(r, desc)) parts.push(decodeValue(r, desc, depth + 1));
      r.pos++;
      if (parts.length !== count) r.fail(`JSON array key claims ${count} elements but holds ${parts.length}`, at);
      return `[${parts.join(', ')}]`;
    }
    case JsonKeyMarker.object: {
      const count = readCount(r, desc);
      const keyMarker = desc ? JsonKeyMarker.stringDesc : JsonKeyMarker.string;
      const pairs: { key: Uint8Array; text: string }[] = [];
      while (!atTerminator(r, desc)) {
        const keyAt = r.pos;
        const km = r.u8();
        if (km !== keyMarker) r.fail(`JSON object key is not a string (marker 0x${km.toString(16)})`, keyAt);
        const key = decodeBytesKey(r, desc);
        expectTerminator(r, desc, 'object key');
        pairs.push({ key, text: `${jsonString(key)}: ${decodeValue(r, desc, depth + 1)}` });
      }
      r.pos++;
      if (pairs.length !== count) r.fail(`JSON object key claims ${count} pairs but holds ${pairs.length}`, at);
      pairs.sort((a, b) => pgKeyCompare(a.key, b.key));
      return `{${pairs.map((p) => p.text).join(', ')}}`;
    }
    default:
      return r.fail(`unknown JSON key marker 0x${m.toString(16)}`, at);
  }
}

/** Element/pair count (`DecodeJSONValueLength`): an ordered varint, complemented when descending. */
function readCount(r: ByteReader, desc: boolean): number {
  const at = r.pos;
  const n = desc ? decodeVarintDescending(r) : decodeVarintAscending(r);
  // Every element takes at least one byte, so a count beyond the remaining bytes is corrupt.
  if (n < 0n || n > BigInt(r.remaining)) r.fail(`JSON container key has an impossible length ${n}`, at);
  return Number(n);
}

function atTerminator(r: ByteReader, desc: boolean): boolean {
  return r.peek() === (desc ? TERM_DESC : TERM_ASC);
}

function expectTerminator(r: ByteReader, desc: boolean, what: string): void {
  const at = r.pos;
  const t = r.u8();
  if (t !== (desc ? TERM_DESC : TERM_ASC)) r.fail(`missing JSON key terminator after ${what} (got 0x${t.toString(16)})`, at);
}

/** PostgreSQL jsonb key order (`lengthCompareJsonbStringValue`): length first, then bytes. */
function pgKeyCompare(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
