/**
 * Rewrites the row KVs of a real single-family table as CockroachDB writes them for the same table
 * declared with several column families (docs/formats.md §5.3; `crdb: pkg/sql/row/writer.go`
 * `prepareInsertOrUpdateBatch`, `pkg/keys` `MakeFamilyKey`): one KV per family under the row key ‖
 * family suffix. Family 0 (the sentinel) and families of several columns hold a TUPLE of their
 * non-NULL columns in ascending column ID, each tag carrying the delta from the family's previous
 * column (from 0); a family whose only column is its `default_column_id` holds that column as a
 * bare legacy value (`valueside.MarshalLegacy`). Datum bytes are the store's own, moved, never
 * re-encoded; tags, lengths and checksums are written anew. @internal
 */
import { computeValueChecksum, RoachValueType } from '../../encoding/roach-value.js';
import { encodeUvarintAscending } from '../../encoding/ordered.js';
import { decodeNonsortingUvarint } from '../../encoding/primitives.js';
import { encodeNonsortingUvarint } from '../../encoding/testing/nonsorting-uvarint.js';
import { decodeValueTag, skipValue, ValueEncodingType } from '../../encoding/value-tag.js';
import { ByteReader } from '../../util/byte-reader.js';
import { bytesEqual, concatBytes } from '../../util/bytes.js';
import type { ExtractedKV } from './store-extract.js';

/** One non-NULL column of a row value: its ID, value encoding type and datum bytes (after the tag). */
export interface ColumnDatum {
  readonly columnId: number;
  readonly type: number;
  readonly datum: Uint8Array;
}

/** A family as the descriptor declares it. */
export interface FamilyLayout {
  readonly id: number;
  readonly columnIds: readonly number[];
  /** The column stored bare when it is the family's only one (0: a tuple). */
  readonly defaultColumnId: number;
}

/** The columns of a TUPLE `roachpb.Value` (checksum ‖ tag ‖ payload), in the order stored. */
export function tupleColumns(value: Uint8Array): ColumnDatum[] {
  if (value[4] !== RoachValueType.TUPLE) throw new Error(`column-families: value tag ${value[4]} is not TUPLE`);
  const r = new ByteReader(value, 'value', 0, 5);
  const out: ColumnDatum[] = [];
  let columnId = 0;
  while (!r.done) {
    const tag = decodeValueTag(r);
    columnId += tag.colIdDelta;
    const start = r.pos;
    skipValue(r, tag.type);
    out.push({ columnId, type: tag.type, datum: r.bytes.slice(start, r.pos) });
  }
  return out;
}

/** `EncodeValueTag`: nonsorting uvarint of delta << 4 | type; a type of 15 or more follows the sentinel 15. */
function valueTag(delta: number, type: number): Uint8Array {
  if (type < 15) return encodeNonsortingUvarint(delta * 16 + type);
  return concatBytes([encodeNonsortingUvarint(delta * 16 + 15), encodeNonsortingUvarint(type)]);
}

/** `roachpb.Value` bytes for `roachKey`: checksum (`Value.InitChecksum`) ‖ tag ‖ payload. */
function roachValue(roachKey: Uint8Array, tag: number, payload: Uint8Array): Uint8Array {
  const v = concatBytes([new Uint8Array(4), Uint8Array.of(tag), payload]);
  new DataView(v.buffer).setUint32(0, computeValueChecksum(roachKey, v), false);
  return v;
}

/** A TUPLE value of `columns` (ascending column ID), each tag holding the delta from the previous. */
export function tupleValue(roachKey: Uint8Array, columns: readonly ColumnDatum[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const c of [...columns].sort((a, b) => a.columnId - b.columnId)) {
    parts.push(valueTag(c.columnId - last, c.type), c.datum);
    last = c.columnId;
  }
  return roachValue(roachKey, RoachValueType.TUPLE, concatBytes(parts));
}

/**
 * A bare legacy value of one column (`MarshalLegacy`). Only the value types the fixtures need:
 * BYTES (STRING/BYTES columns: the tuple member's length prefix dropped) and INT (the same varint).
 */
export function legacyValue(roachKey: Uint8Array, c: ColumnDatum): Uint8Array {
  if (c.type === ValueEncodingType.Bytes) {
    const r = new ByteReader(c.datum, 'value');
    const n = decodeNonsortingUvarint(r);
    return roachValue(roachKey, RoachValueType.BYTES, r.bytesN(n, 'bytes datum'));
  }
  if (c.type === ValueEncodingType.Int) return roachValue(roachKey, RoachValueType.INT, c.datum);
  throw new Error(`column-families: no legacy encoding here for value type ${c.type} (column ${c.columnId})`);
}

/** `keys.MakeFamilyKey`: row prefix ‖ uvarint(family) ‖ uvarint(its length), or ‖ 0x88 for family 0. */
export function familyKey(rowPrefix: Uint8Array, familyId: number): Uint8Array {
  if (familyId === 0) return concatBytes([rowPrefix, encodeUvarintAscending(0)]);
  const id = encodeUvarintAscending(familyId);
  return concatBytes([rowPrefix, id, encodeUvarintAscending(id.length)]);
}

/** The value family `f` holds for a row of `columns`; undefined when CockroachDB writes no KV (all NULL, not family 0). */
export function familyValue(roachKey: Uint8Array, f: FamilyLayout, columns: readonly ColumnDatum[]): Uint8Array | undefined {
  const mine = columns.filter((c) => f.columnIds.includes(c.columnId));
  if (f.id !== 0 && mine.length === 0) return undefined;
  if (f.id !== 0 && f.columnIds.length === 1 && f.defaultColumnId === f.columnIds[0]) return legacyValue(roachKey, mine[0]!);
  return tupleValue(roachKey, mine);
}

const withRoachKey = (kv: ExtractedKV, roachKey: Uint8Array, value: Uint8Array): ExtractedKV => ({
  key: concatBytes([roachKey, kv.key.subarray(kv.roachKey.length)]),
  roachKey,
  timestamp: kv.timestamp,
  value,
});

/**
 * The KVs of a single-family table's rows (`kvs`: family-0 keys, store order) as the same writes
 * make them under `families`: per row, oldest version first, a deletion writes a tombstone to every
 * family (`row.Deleter`); an insert (after none or a deletion) writes every family with a value;
 * an update writes only the families whose value changed (an update touching only another family's
 * columns leaves family 0 alone), a family emptied by NULLs as a tombstone, and family 0 alone
 * when nothing changed. Output in store order (callers sort by engine key).
 */
export function splitRowFamilies(kvs: readonly ExtractedKV[], families: readonly FamilyLayout[]): ExtractedKV[] {
  if (families[0]?.id !== 0) throw new Error('column-families: family 0 must come first');
  const out: ExtractedKV[] = [];
  const rows = new Map<string, ExtractedKV[]>();
  for (const kv of kvs) {
    if (kv.roachKey[kv.roachKey.length - 1] !== 0x88) throw new Error('column-families: input keys must be family-0 keys');
    const id = Buffer.from(kv.roachKey).toString('hex');
    rows.set(id, [...(rows.get(id) ?? []), kv]);
  }
  for (const versions of rows.values()) {
    const prefix = versions[0]!.roachKey.subarray(0, versions[0]!.roachKey.length - 1);
    const keys = families.map((f) => familyKey(prefix, f.id));
    let live: Array<Uint8Array | undefined> | undefined;
    for (const kv of [...versions].reverse()) {
      if (kv.value.length === 0) {
        keys.forEach((k) => out.push(withRoachKey(kv, k, new Uint8Array(0))));
        live = undefined;
        continue;
      }
      const columns = tupleColumns(kv.value);
      const next = families.map((f, i) => familyValue(keys[i]!, f, columns));
      const before = live;
      const changed = families.map((_, i) => {
        const [a, b] = [before?.[i], next[i]];
        return a === undefined || b === undefined ? a !== b : !bytesEqual(a, b);
      });
      if (!changed.includes(true)) changed[0] = true;
      families.forEach((_, i) => {
        if (changed[i]) out.push(withRoachKey(kv, keys[i]!, next[i] ?? new Uint8Array(0)));
      });
      live = next;
    }
  }
  return out;
}
