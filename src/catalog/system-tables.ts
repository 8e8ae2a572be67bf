/**
 * Pure decoders for the system-table KVs that carry the schema in a store (docs/formats.md §4.6):
 * `system.descriptor` (table 3) rows `/Table/3/1/<descID>/2/1` whose value is a legacy BYTES
 * `roachpb.Value` wrapping a `Descriptor` proto (family 2 `fam_2_descriptor`; the family-0
 * sentinel KV carries no descriptor), and sequence values at `/Table/<seqID>/1/0/0` (legacy INT).
 */
import { decodeUvarintAscendingNum } from '../encoding/ordered.js';
import { decodeRoachValue, RoachValueType } from '../encoding/roach-value.js';
import { prettyKey } from '../encoding/pretty-key.js';
import { decodeZigzag } from '../encoding/primitives.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import { decodeDescriptor, type DescriptorProto } from '../proto/descriptor.js';
import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import { encodeUvarintAscending } from '../encoding/ordered.js';

export const DESCRIPTOR_TABLE_ID = 3;
export const COMMENTS_TABLE_ID = 24;
/** `system.namespace` (20.1+: parentID, parentSchemaID, name → id). */
export const NAMESPACE_TABLE_ID = 30;
/** Pre-20.1 `system.namespace` (parentID, name → id). */
export const LEGACY_NAMESPACE_TABLE_ID = 2;

/** `[start, end)` of `system.descriptor`'s primary index. */
export function descriptorSpan(tenant: Uint8Array = new Uint8Array(0)): [Uint8Array, Uint8Array] {
  const t = encodeUvarintAscending(DESCRIPTOR_TABLE_ID);
  const mk = (idx: number): Uint8Array => {
    const out = new Uint8Array(tenant.length + t.length + 1);
    out.set(tenant, 0);
    out.set(t, tenant.length);
    out[tenant.length + t.length] = 0x88 + idx;
    return out;
  };
  return [mk(1), mk(2)];
}

/**
 * One `system.descriptor` KV → its descriptor id and decoded descriptor, or undefined for KVs that
 * hold no descriptor (the family-0 sentinel, a non-BYTES value).
 */
export function decodeDescriptorKV(kv: MVCCKeyValue, tenantLen = 0): { id: number; descriptor: DescriptorProto | undefined } | undefined {
  const r = new ByteReader(kv.key, 'key', 0, tenantLen);
  const tableId = decodeUvarintAscendingNum(r);
  const indexId = decodeUvarintAscendingNum(r);
  if (tableId !== DESCRIPTOR_TABLE_ID || indexId !== 1) return undefined;
  const id = decodeUvarintAscendingNum(r);
  if (kv.value.length < 5) return undefined;
  const v = decodeRoachValue(kv.value);
  if (v.tag !== RoachValueType.BYTES) return undefined;
  try {
    return { id, descriptor: decodeDescriptor(v.payload, `system.descriptor ${prettyKey(kv.key)}`) };
  } catch (e) {
    throw e instanceof DecodeError ? e : new DecodeError('descriptor', String(e), `system.descriptor ${prettyKey(kv.key)}`);
  }
}

/** A sequence's value KV (legacy INT) → the current value. */
export function decodeSequenceValue(value: Uint8Array): bigint {
  const v = decodeRoachValue(value);
  if (v.tag !== RoachValueType.INT) throw new DecodeError('value', `sequence value has tag ${v.tag}, expected INT (1)`);
  return decodeZigzag(new ByteReader(value, 'value', 0, 5));
}
