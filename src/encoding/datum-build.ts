/**
 * Small constructors shared by the key and value decoders: enum label lookup, DATE infinity,
 * UTF-8 text, pgvector payloads.
 */
import type { SqlType } from '../catalog/sql-type.js';
import type { ByteReader } from '../util/byte-reader.js';
import { toHex } from '../util/bytes.js';
import type { Datum } from './datum.js';

const utf8 = new TextDecoder();

export function utf8Text(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

const UNIX_TO_PG_EPOCH_DAYS = 10957n;
const LOW_PG_DAYS = -2451545n; // 4714-11-24 BC
const HIGH_PG_DAYS = 2145031948n; // 5874897-12-31

/**
 * `pgdate.MakeCompatibleDateFromDisk`: days outside 4714-11-24 BC … 5874897-12-31 (including the
 * int64 min/max CockroachDB writes for ±infinity) are −/+infinity.
 */
export function dateDatum(days: bigint): Datum {
  const pg = days - UNIX_TO_PG_EPOCH_DAYS;
  if (pg > HIGH_PG_DAYS) return { kind: 'date', days, infinity: 1 };
  if (pg < LOW_PG_DAYS) return { kind: 'date', days, infinity: -1 };
  return { kind: 'date', days };
}

/** Physical representation → label via `type.udt.enumMembers` (`tree.GetEnumComponentsFromPhysicalRep`). */
export function enumDatum(r: ByteReader, type: SqlType, physical: Uint8Array, at: number): Datum {
  const members = type.udt?.enumMembers;
  if (members) {
    outer: for (const m of members) {
      const p = m.physical;
      if (p.length !== physical.length) continue;
      for (let i = 0; i < p.length; i++) if (p[i] !== physical[i]) continue outer;
      return { kind: 'enum', label: m.label, physical: p };
    }
  }
  const name = type.udt ? `${type.udt.schema}.${type.udt.name}` : 'enum';
  return r.fail(`enum ${name} has no member with physical representation 0x${toHex(physical)}`, at);
}

/** pgvector payload (`vector.Decode`): uint32 BE dimensions, then float32 BE each. */
export function decodeVectorPayload(r: ByteReader): Datum {
  const n = r.u32be();
  r.need(n * 4, 'vector elements');
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = r.view.getFloat32(r.pos, false);
    r.pos += 4;
  }
  return { kind: 'vector', values };
}
