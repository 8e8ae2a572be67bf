import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDescriptor } from './descriptor.js';
import { message } from './testing/wire.js';
import { isDecodeError } from '../util/errors.js';

test('column types are InternalType on the wire (types.T wire quirk, §3.9)', () => {
  // Descriptor{table=1: {name=1, id=3, parent_id=4, columns=8: [{name, id, type=3: InternalType{family=1 INT, width=2 32, oid=10 23}}]}}
  const bytes = message([
    [
      1,
      [
        [1, 't'],
        [3, 104],
        [4, 100],
        [40, 101],
        [
          8,
          [
            [1, 'a'],
            [2, 1],
            [
              3,
              [
                [1, 1],
                [2, 32],
                [10, 23],
              ],
            ],
            [4, true],
          ],
        ],
        [
          8,
          [
            [1, 'b'],
            [2, 2],
            [
              3,
              [
                [1, 15],
                [
                  11,
                  [
                    [1, 7],
                    [10, 25],
                  ],
                ],
                [10, 1009],
              ],
            ],
          ],
        ],
        [
          10,
          [
            [1, 'primary'],
            [2, 1],
            [3, true],
            [4, 'a'],
            [6, 1],
            [8, 1],
          ],
        ],
        [
          28,
          [
            [1, 2n],
            [2, 1n],
            [3, 9223372036854775807n],
            [4, 5n],
          ],
        ],
      ],
    ],
  ]);
  const d = decodeDescriptor(bytes);
  assert.ok(d && d.kind === 'table');
  assert.equal(d.name, 't');
  assert.equal(d.unexposed_parent_schema_id, 101);
  assert.deepEqual(
    d.columns.map((c) => [c.name, c.type.family, c.type.width, c.type.oid, c.nullable]),
    [
      ['a', 1, 32, 23, true],
      ['b', 15, 0, 1009, false],
    ],
  );
  assert.equal(d.columns[1]?.type.array_contents?.oid, 25);
  assert.deepEqual(d.primary_index?.key_column_directions, [1]);
  assert.deepEqual(
    [d.sequence_opts?.increment, d.sequence_opts?.min_value, d.sequence_opts?.max_value, d.sequence_opts?.start],
    [2n, 1n, 9223372036854775807n, 5n],
  );
});

test('type descriptor: enum members keep physical bytes; database schemas map', () => {
  const t = decodeDescriptor(
    message([
      [
        3,
        [
          [1, 100],
          [2, 101],
          [3, 'status'],
          [4, 110],
          [
            6,
            [
              [1, Uint8Array.of(0x40)],
              [2, 'open'],
            ],
          ],
          [
            6,
            [
              [1, Uint8Array.of(0x80)],
              [2, 'closed'],
              [3, 1],
            ],
          ],
        ],
      ],
    ]),
  );
  assert.ok(t && t.kind === 'type');
  assert.deepEqual(
    t.enum_members.map((m) => [[...m.physical_representation], m.logical_representation, m.capability]),
    [
      [[0x40], 'open', 0],
      [[0x80], 'closed', 1],
    ],
  );
  const db = decodeDescriptor(
    message([
      [
        2,
        [
          [1, 'app'],
          [2, 100],
          [
            7,
            [
              [1, 'public'],
              [2, [[1, 101]]],
            ],
          ],
        ],
      ],
    ]),
  );
  assert.ok(db && db.kind === 'database');
  assert.equal(db.schemas.get('public')?.id, 101);
});

test('pre-20.1 FK inside IndexDescriptor (field 9) and unknown future fields are decoded/skipped', () => {
  const d = decodeDescriptor(
    message([
      [
        1,
        [
          [1, 'c'],
          [3, 60],
          [4, 52],
          [
            10,
            [
              [1, 'primary'],
              [2, 1],
              [6, 1],
              [
                9,
                [
                  [1, 57],
                  [2, 1],
                  [3, 'fk_x'],
                  [5, 1],
                  [6, 4],
                  [7, 4],
                ],
              ],
            ],
          ],
          [999, 'from the future'],
        ],
      ],
    ]),
  );
  assert.ok(d && d.kind === 'table');
  assert.deepEqual(d.primary_index?.foreign_key, {
    table: 57,
    index: 1,
    name: 'fk_x',
    validity: 0,
    shared_prefix_len: 1,
    on_delete: 4,
    on_update: 4,
    match: 0,
  });
});

test('truncated descriptor bytes raise a DecodeError', () => {
  const bytes = message([
    [
      1,
      [
        [1, 'a table name'],
        [3, 104],
      ],
    ],
  ]);
  assert.throws(
    () => decodeDescriptor(bytes.subarray(0, bytes.length - 4), 'system.descriptor /Table/3/1/104/2/1'),
    (e: unknown) => isDecodeError(e) && /system\.descriptor/.test((e as Error).message),
  );
});

test('row-level TTL and locality config', () => {
  const d = decodeDescriptor(
    message([
      [
        1,
        [
          [1, 't'],
          [3, 110],
          [4, 100],
          [42, [[3, [[1, 'crdb_region']]]]],
          [
            47,
            [
              [1, "'30 days':::INTERVAL"],
              [4, '@daily'],
              [8, true],
            ],
          ],
        ],
      ],
    ]),
  );
  assert.ok(d && d.kind === 'table');
  assert.deepEqual(d.locality_config, { global: false, regional_by_row: 'crdb_region' });
  assert.equal(d.row_level_ttl?.duration_expr, "'30 days':::INTERVAL");
  assert.equal(d.row_level_ttl?.deletion_cron, '@daily');
  assert.equal(d.row_level_ttl?.pause, true);
});
