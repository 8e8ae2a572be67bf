/**
 * Key-encoded datums (docs/formats.md §4.3–4.4; `crdb: pkg/sql/rowenc/keyside/decode.go`,
 * `keyside/array.go`, `pkg/util/encoding/encoding.go` `PeekLength`).
 *
 * Lossy cases (read the composite value copy instead, §4.4): DECIMAL (trailing zeros dropped),
 * FLOAT −0 (decodes as +0), collated strings (the key holds the ICU collation key; decoded here as
 * CockroachDB does, as if it were the string bytes).
 */
import type { SqlType } from '../model/sql-type.js';
import type { Datum } from './datum.js';
import { dateDatum, enumDatum, stringDatum } from './datum-build.js';
import { decodeDecimalKey } from './decimal.js';
import { decodeJsonKeyText, isJsonKeyMarker, skipJsonKey } from './json-key.js';
import {
  KeyMarker,
  decodeBytesKey,
  decodeEscapedBytes,
  decodeFloatKey,
  decodeUvarintAscending,
  decodeUvarintDescending,
  decodeVarintAscending,
  decodeVarintDescending,
  orderedVarintLength,
} from './ordered.js';
import { decodeBitArrayKey, decodeDurationKey, decodeIPAddr, decodeSpatialObject, decodeTimeKey, decodeTimeTZKey } from './primitives.js';
import { ByteReader } from '../util/byte-reader.js';

export type KeyDirection = 'asc' | 'desc';

const MAX_DEPTH = 64;

/** Decodes one key column (`keyside.Decode`). NULL is 0x00 (asc) or 0xFF (desc). */
export function decodeKeyDatum(r: ByteReader, type: SqlType, dir: KeyDirection, depth = 0): Datum {
  const at = r.pos;
  const m = r.peek();
  if (m === KeyMarker.null || m === KeyMarker.nullDesc) {
    r.pos++;
    return null;
  }
  const desc = dir === 'desc';
  switch (type.family) {
    case 'bool':
      return { kind: 'bool', value: (desc ? decodeVarintDescending(r) : decodeVarintAscending(r)) !== 0n };
    case 'int':
    case 'oid':
      return { kind: 'int', value: desc ? decodeVarintDescending(r) : decodeVarintAscending(r) };
    case 'pglsn':
      return { kind: 'int', value: desc ? decodeUvarintDescending(r) : decodeUvarintAscending(r) };
    case 'date':
      return dateDatum(desc ? decodeVarintDescending(r) : decodeVarintAscending(r));
    case 'time':
      return { kind: 'time', micros: desc ? decodeVarintDescending(r) : decodeVarintAscending(r) };
    case 'float':
      return { kind: 'float', value: decodeFloatKey(r, desc) };
    case 'decimal':
      return { kind: 'decimal', value: decodeDecimalKey(r, desc) };
    case 'string':
    case 'collatedstring':
    case 'refcursor':
      return stringDatum(decodeBytesKey(r, desc));
    case 'bytes':
      return { kind: 'bytes', value: decodeBytesKey(r, desc) };
    case 'uuid': {
      const b = decodeBytesKey(r, desc);
      if (b.length !== 16) r.fail(`UUID key has ${b.length} bytes, expected 16`, at);
      return { kind: 'uuid', value: b };
    }
    case 'inet': {
      const b = decodeBytesKey(r, desc);
      const ip = decodeIPAddr(new ByteReader(b, r.layer, r.base + at));
      return { kind: 'inet', ...ip };
    }
    case 'enum':
      return enumDatum(r, type, decodeBytesKey(r, desc), at);
    case 'timestamp':
    case 'timestamptz': {
      // Fields copied, not spread: the spread costs an object clone per row.
      const t = decodeTimeKey(r, desc);
      return { kind: type.family, seconds: t.seconds, nanos: t.nanos };
    }
    case 'timetz':
      return { kind: 'timetz', ...decodeTimeTZKey(r, desc) };
    case 'interval':
      return { kind: 'interval', ...decodeDurationKey(r, desc) };
    case 'bit':
      return { kind: 'bit', bits: decodeBitArrayKey(r, desc) };
    case 'box2d': {
      r.pos++;
      if (m !== KeyMarker.box2D) r.fail(`did not find box2d marker (got 0x${m.toString(16)})`, at);
      const loX = decodeFloatKey(r, desc);
      const hiX = decodeFloatKey(r, desc);
      const loY = decodeFloatKey(r, desc);
      const hiY = decodeFloatKey(r, desc);
      return { kind: 'box2d', loX, hiX, loY, hiY };
    }
    case 'geometry':
    case 'geography': {
      r.pos++;
      if (m !== (desc ? KeyMarker.geoDesc : KeyMarker.geo)) r.fail(`did not find geo marker (got 0x${m.toString(16)})`, at);
      r.bytesN(8, 'geo curve index');
      // Descending: the whole escaped body is complemented (escapes 0xFF, terminator 0xFF 0xFE).
      const raw = decodeEscapedBytes(r, desc);
      const so = decodeSpatialObject(new ByteReader(raw, r.layer, r.base + at), raw.length);
      return { kind: 'geo', ewkb: so.ewkb, srid: so.srid, geography: type.family === 'geography' };
    }
    case 'array':
      return decodeArrayKey(r, type, dir, depth + 1);
    case 'tuple': {
      // keyside.Encode writes tuple elements back to back with no marker.
      const elements: Datum[] = [];
      for (const t of type.tupleContents ?? []) elements.push(decodeKeyDatum(r, t, dir, depth + 1));
      return { kind: 'tuple', elements };
    }
    case 'void':
      r.pos++;
      if (m !== KeyMarker.void) r.fail('did not find void marker', at);
      return null;
    case 'json':
      // Forward-index JSONB keys (markers 0x45–0x54, 23.2+; json-key.ts). Numbers lose trailing
      // zeros here; such rows are composite and carry the exact document in the value.
      return { kind: 'json', text: decodeJsonKeyText(r, desc) };
    default:
      return r.fail(`cannot decode a key column of type family ${type.family}`, at);
  }
}

/** Array key (`decodeArrayKey`): 0x3F/0x40, elements (NULL 0x01/0xFE), terminator 0x00/0xFF. */
function decodeArrayKey(r: ByteReader, type: SqlType, dir: KeyDirection, depth: number): Datum {
  const at = r.pos;
  if (depth > MAX_DEPTH) r.fail('array key nested too deeply', at);
  const desc = dir === 'desc';
  const m = r.u8();
  if (m !== (desc ? KeyMarker.arrayKeyDesc : KeyMarker.arrayKey)) {
    r.fail(`did not find array key marker (got 0x${m.toString(16)})`, at);
  }
  const elemType = type.arrayContents;
  if (!elemType) return r.fail('array type has no element type', at);
  const term = desc ? 0xff : 0x00;
  const nullElem = desc ? 0xfe : 0x01;
  const elements: Datum[] = [];
  for (;;) {
    const b = r.peek();
    if (b === term) {
      r.pos++;
      break;
    }
    if (b === nullElem) {
      r.pos++;
      elements.push(null);
      continue;
    }
    elements.push(decodeKeyDatum(r, elemType, dir, depth));
  }
  return { kind: 'array', elemType, elements };
}

/** Skips one key-encoded datum by its marker, without type information (`PeekLength`). */
export function skipKeyDatum(r: ByteReader, depth = 0): void {
  const at = r.pos;
  if (depth > MAX_DEPTH) r.fail('key datum nested too deeply', at);
  const m = r.peek();
  switch (m) {
    case KeyMarker.null:
    case KeyMarker.nullDesc:
    case KeyMarker.notNull:
    case KeyMarker.notNullDesc:
    case KeyMarker.floatNaN:
    case KeyMarker.floatNaNDesc:
    case KeyMarker.floatZero:
    case KeyMarker.decimalZero:
    case KeyMarker.emptyArray:
    case KeyMarker.void:
    case KeyMarker.decimalNaN:
    case KeyMarker.decimalNaNDesc:
    case KeyMarker.decimalInf:
    case KeyMarker.decimalNegInf:
    case 10: // encoding.True (JSON inverted keys)
    case 11: // encoding.False
      r.pos++;
      return;
    case KeyMarker.floatNeg:
    case KeyMarker.floatPos:
      r.bytesN(9, 'float key');
      return;
    case KeyMarker.bytes:
    case KeyMarker.bytesDesc:
      r.pos++;
      decodeEscapedBytes(r, m === KeyMarker.bytesDesc);
      return;
    case KeyMarker.geo:
    case KeyMarker.geoDesc:
      r.pos++;
      r.bytesN(8, 'geo curve index');
      decodeEscapedBytes(r, m === KeyMarker.geoDesc);
      return;
    case KeyMarker.time:
    case KeyMarker.timeTZ:
      r.pos++;
      skipOrderedVarints(r, 2);
      return;
    case KeyMarker.duration:
    case KeyMarker.durationBigNeg:
    case KeyMarker.durationBigPos:
      r.pos++;
      skipOrderedVarints(r, 3);
      return;
    case KeyMarker.bitArray:
    case KeyMarker.bitArrayDesc: {
      r.pos++;
      const term = m === KeyMarker.bitArrayDesc ? 0xff : 0x00;
      while (r.peek() !== term) skipOrderedVarints(r, 1);
      r.pos++;
      skipOrderedVarints(r, 1);
      return;
    }
    case KeyMarker.arrayKey:
    case KeyMarker.arrayKeyDesc: {
      r.pos++;
      const desc = m === KeyMarker.arrayKeyDesc;
      const term = desc ? 0xff : 0x00;
      const nullElem = desc ? 0xfe : 0x01;
      for (;;) {
        const b = r.peek();
        if (b === term) {
          r.pos++;
          return;
        }
        if (b === nullElem) r.pos++;
        else skipKeyDatum(r, depth + 1);
      }
    }
    case KeyMarker.box2D:
      r.pos++;
      for (let i = 0; i < 4; i++) skipKeyDatum(r, depth + 1);
      return;
  }
  if (m >= KeyMarker.intMin && m <= KeyMarker.intMax) {
    skipOrderedVarints(r, 1);
    return;
  }
  if (m > KeyMarker.decimalNegInf && m < KeyMarker.decimalInf) {
    decodeDecimalKey(r, false);
    return;
  }
  if (isJsonKeyMarker(m)) {
    skipJsonKey(r);
    return;
  }
  r.fail(`unknown key marker 0x${m.toString(16)}`, at);
}

function skipOrderedVarints(r: ByteReader, n: number): void {
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const len = orderedVarintLength(r.peek());
    if (len < 0) r.fail(`expected an ordered varint, got tag 0x${r.peek().toString(16)}`, at);
    r.bytesN(len, 'ordered varint');
  }
}
