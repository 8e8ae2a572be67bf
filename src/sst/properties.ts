import { ByteReader } from '../util/byte-reader.js';
import { toHex } from '../util/bytes.js';

/**
 * Table properties (`pebble: sstable/properties.go`, `properties_gen.go`; RocksDB
 * `table_properties.cc`; docs/formats.md §6.5): sorted name → value pairs. Integer properties are
 * LEB128 (kept as bigint), `rocksdb.block.based.table.index.type` is a fixed uint32 LE, boolean
 * flags are ASCII '0'/'1' (kept as strings), names are strings. Unknown binary values (e.g.
 * CockroachDB's `crdb.ts.min` / `crdb.ts.max`, 8- or 12-byte big-endian timestamps) become
 * `0x…` hex strings.
 */
const td = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder();

export type Properties = ReadonlyMap<string, string | bigint>;

/** Properties whose values are text in every writer. */
const STRING_PROPS = new Set([
  'rocksdb.comparator',
  'rocksdb.merge.operator',
  'rocksdb.filter.policy',
  'rocksdb.property.collectors',
  'rocksdb.compression',
  'rocksdb.compression_options',
  'rocksdb.prefix.extractor.name',
  'rocksdb.column.family.name',
  'rocksdb.creating.db.identity',
  'rocksdb.creating.host.identity',
  'rocksdb.db.session.id',
  'pebble.colblk.schema',
  'pebble.compression_stats',
  'rocksdb.block.based.table.prefix.filtering',
  'rocksdb.block.based.table.whole.key.filtering',
  'pebble.obsolete.is_strict',
  'pebble.value-separation.by-suffix.disabled',
]);

/** Fixed 4-byte LE integer properties. */
const U32_PROPS = new Set(['rocksdb.block.based.table.index.type']);

export function decodeProperties(pairs: Iterable<[Uint8Array, Uint8Array]>): Map<string, string | bigint> {
  const out = new Map<string, string | bigint>();
  for (const [k, v] of pairs) {
    const name = lenient.decode(k);
    out.set(name, decodePropertyValue(name, v));
  }
  return out;
}

function decodePropertyValue(name: string, v: Uint8Array): string | bigint {
  if (U32_PROPS.has(name) && v.length === 4) {
    return BigInt(new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true));
  }
  if (STRING_PROPS.has(name)) return asText(v);
  if (name.startsWith('rocksdb.') || name.startsWith('pebble.')) {
    const n = fullUvarint(v);
    if (n !== undefined) return n;
  }
  return asText(v);
}

function asText(v: Uint8Array): string {
  let printable = true;
  for (const b of v) if (b < 0x20 && b !== 0x0a && b !== 0x09) printable = false;
  if (printable) {
    try {
      return td.decode(v);
    } catch {
      /* not UTF-8: hex below */
    }
  }
  return `0x${toHex(v)}`;
}

/** A LEB128 value that spans exactly `v`, or undefined. */
function fullUvarint(v: Uint8Array): bigint | undefined {
  if (v.length === 0 || v.length > 10) return undefined;
  const r = new ByteReader(v, 'sst');
  try {
    const n = r.uvarintBig();
    return r.done ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A property as a bigint (integer properties), or undefined when absent or not numeric. */
export function propBigint(props: Properties, name: string): bigint | undefined {
  const v = props.get(name);
  return typeof v === 'bigint' ? v : undefined;
}

/** A property as text; numbers are printed in decimal. */
export function propString(props: Properties, name: string): string | undefined {
  const v = props.get(name);
  return v === undefined ? undefined : typeof v === 'bigint' ? v.toString() : v;
}
