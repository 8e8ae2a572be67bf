/**
 * Small constructors shared by the key and value decoders: enum label lookup, DATE infinity,
 * exact UTF-8 text datums, pgvector payloads.
 */
import type { SqlType } from '../model/sql-type.js';
import type { ByteReader } from '../util/byte-reader.js';
import { toHex } from '../util/bytes.js';
import type { Datum } from './datum.js';
import { decodeJsonbText } from './jsonb.js';
import { decodeTSQueryText, decodeTSVectorText } from './tsearch.js';
import { decodeUtf8, decodeUtf8Lossy, InvalidUtf8Error } from './utf8.js';

/**
 * A text datum of the stored UTF-8 `raw` (kept, for the fingerprint). Invalid UTF-8 is not an
 * exception here: the row decodes, and the loader rejects it (quarantine or stop, as for NUL).
 */
export function stringDatum(raw: Uint8Array): Datum {
  try {
    return { kind: 'string', value: decodeUtf8(raw), raw };
  } catch (e) {
    if (!(e instanceof InvalidUtf8Error)) throw e;
    return { kind: 'string', value: decodeUtf8Lossy(raw), raw, invalidUtf8: true };
  }
}

/** Runs a text decoder exactly, or (strings not UTF-8) lossily with the result flagged. */
function textOf(decode: (lossy: boolean) => string): { text: string; invalidUtf8?: true } {
  try {
    return { text: decode(false) };
  } catch (e) {
    if (!(e instanceof InvalidUtf8Error)) throw e;
    return { text: decode(true), invalidUtf8: true };
  }
}

export function jsonDatum(bytes: Uint8Array, base: number): Datum {
  return { kind: 'json', ...textOf((lossy) => decodeJsonbText(bytes, base, lossy)) };
}

export function tsvectorDatum(bytes: Uint8Array, base: number): Datum {
  return { kind: 'tsvector', ...textOf((lossy) => decodeTSVectorText(bytes, base, lossy)) };
}

export function tsqueryDatum(bytes: Uint8Array, pgBinary: boolean, base: number): Datum {
  return { kind: 'tsquery', ...textOf((lossy) => decodeTSQueryText(bytes, pgBinary, base, lossy)) };
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
