import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TypeProto } from '../proto/descriptor.js';
import { sqlTypeFromProto, sqlTypeName, UnknownTypeFamily } from './type-from-proto.js';

const p = (f: Partial<TypeProto>): TypeProto => ({
  family: 0,
  width: 0,
  precision: 0,
  visible_type: 0,
  tuple_contents: [],
  tuple_labels: [],
  oid: 0,
  time_precision_is_set: false,
  ...f,
});

test('pre-19.2 visible types derive width and OID (types.go upgradeType)', () => {
  const cases: [Partial<TypeProto>, string, number][] = [
    [{ family: 1 }, 'INT8', 20],
    [{ family: 1, visible_type: 2 }, 'INT2', 21],
    [{ family: 1, visible_type: 1 }, 'INT4', 23],
    [{ family: 1, width: 32 }, 'INT4', 23],
    [{ family: 2, visible_type: 5 }, 'FLOAT4', 700],
    [{ family: 2, precision: 10 }, 'FLOAT4', 700],
    [{ family: 2 }, 'FLOAT8', 701],
    [{ family: 7, visible_type: 7, width: 20 }, 'VARCHAR(20)', 1043],
    [{ family: 7, visible_type: 8, width: 1 }, 'CHAR', 1042],
    [{ family: 7, visible_type: 9 }, '"char"', 18],
    [{ family: 7, width: 100 }, 'STRING(100)', 25],
    [{ family: 11 }, 'NAME', 19],
    [{ family: 3, precision: 10, width: 2 }, 'DECIMAL(10,2)', 1700],
    [{ family: 21, visible_type: 10, width: 8 }, 'VARBIT(8)', 1562],
    [{ family: 15, array_elem_type: 1, visible_type: 2 }, 'INT2[]', 1005],
    [{ family: 15, array_elem_type: 7 }, 'STRING[]', 1009],
    [{ family: 200 }, 'INT2[]', 22],
    [{ family: 5, precision: 3 }, 'TIMESTAMP(3)', 1114],
    [{ family: 14 }, 'UUID', 2950],
    [{ family: 18 }, 'JSONB', 3802],
  ];
  for (const [f, name, oid] of cases) {
    const t = sqlTypeFromProto(p(f));
    assert.equal(sqlTypeName(t), name, JSON.stringify(f));
    assert.equal(t.oid, oid, JSON.stringify(f));
  }
});

test('19.2+ types keep their OID; enums resolve members by OID − 100000', () => {
  const members = [{ physical: Uint8Array.of(0x40), label: 'open', writable: true }];
  const t = sqlTypeFromProto(p({ family: 24, oid: 100110 }), (id) =>
    id === 110 ? { schema: 'public', name: 'status', enumMembers: members } : undefined,
  );
  assert.deepEqual(t.udt, { typeId: 110, schema: 'public', name: 'status', enumMembers: members });
  const arr = sqlTypeFromProto(p({ family: 15, oid: 100111, array_contents: p({ family: 24, oid: 100110 }) }), () => ({
    schema: 'public',
    name: 'status',
    enumMembers: members,
  }));
  assert.equal(arr.arrayContents?.udt?.name, 'status');
});

test('unknown family throws UnknownTypeFamily', () => {
  assert.throws(
    () => sqlTypeFromProto(p({ family: 77, oid: 9 })),
    (e: unknown) => e instanceof UnknownTypeFamily && e.familyId === 77,
  );
});
