/**
 * Test helper: hand-built protobuf bytes (field by field, independent of the schema under test),
 * so decoder tests exercise the wire format rather than round-tripping our own schema.
 */
import protobuf from 'protobufjs';

export type Field = readonly [field: number, value: number | bigint | boolean | string | Uint8Array | readonly Field[]];

/** Encodes fields in order: numbers/bigints/booleans as varints, strings/bytes/nested messages length-delimited. */
export function message(fields: readonly Field[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [n, v] of fields) {
    if (typeof v === 'number' || typeof v === 'boolean') w.uint32((n << 3) | 0).int64(Number(v));
    else if (typeof v === 'bigint') w.uint32((n << 3) | 0).int64(v.toString());
    else if (typeof v === 'string') w.uint32((n << 3) | 2).string(v);
    else if (v instanceof Uint8Array) w.uint32((n << 3) | 2).bytes(v);
    else w.uint32((n << 3) | 2).bytes(message(v));
  }
  return w.finish();
}
