/**
 * Test helper: a Datum as a plain JSON-comparable value (numbers for safe ints, ISO text for
 * timestamps, dashed hex for UUIDs, labels for enums). Not for production rendering.
 */
import type { Datum } from '../../encoding/datum.js';

export type Plain = null | boolean | number | string;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function plain(d: Datum): Plain {
  if (d === null) return null;
  switch (d.kind) {
    case 'int':
      return d.value >= BigInt(Number.MIN_SAFE_INTEGER) && d.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(d.value)
        : d.value.toString();
    case 'bool':
      return d.value;
    case 'float':
      return d.value;
    case 'decimal':
    case 'string':
      return d.value;
    case 'timestamp':
    case 'timestamptz': {
      const iso = new Date(Number(d.seconds) * 1000).toISOString().slice(0, 19);
      const frac = d.nanos === 0 ? '' : `.${String(Math.floor(d.nanos / 1000)).padStart(6, '0')}`;
      return `${iso}${frac}Z`;
    }
    case 'uuid': {
      const h = hex(d.value);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'enum':
      return d.label;
    case 'json':
      return d.text;
    case 'bytes':
      return hex(d.value);
    default:
      return `<${d.kind}>`;
  }
}
