/**
 * Row decode (the migrations' own `RowDecoder`: primary key `/Table/104/1/<int>/0` + family-0
 * TUPLE) + COPY text render speed for a typical 6-column value (INT8, STRING(~24), DECIMAL(10,2),
 * TIMESTAMPTZ, BOOL, UUID). Single core, best of N rounds.
 *
 *   node --import tsx bench/decode-values.ts [rows]
 */
import { sqlType, type SqlType } from '../src/model/sql-type.js';
import { formatCopyText } from '../src/copy/format.js';
import { encodeUvarintAscending, encodeVarintAscending } from '../src/encoding/ordered.js';
import type { MVCCKeyValue } from '../src/mvcc/types.js';
import { RowDecoder, type Row } from '../src/rows/decode-rows.js';
import { testTable } from '../src/rows/testing/table.js';
import { concatBytes } from '../src/util/bytes.js';
import { encodeNonsortingUvarint } from '../src/encoding/testing/nonsorting-uvarint.js';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

const nsu = (v: number): number[] => [...encodeNonsortingUvarint(v)];
const zz = (v: number): number[] => {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  const out: number[] = [];
  while (u >= 0x80) {
    out.push((u % 128) | 0x80);
    u = Math.floor(u / 128);
  }
  out.push(u);
  return out;
};

// Column IDs 2..7 (1 is the PK, key-encoded). Tags: colDelta<<4 | type.
function rowValue(i: number): Uint8Array {
  const name = new TextEncoder().encode(`customer-${i.toString(36)}-${'x'.repeat(i % 12)}`);
  const cents = 100_000 + ((i * 7919) % 900_000); // 1000.00 … 9999.99 as 0.NNNNNN × 10^4
  const coeff: number[] = [];
  for (let c = cents; c > 0; c = Math.floor(c / 256)) coeff.unshift(c % 256);
  const uuid = Array.from({ length: 16 }, (_, k) => (i * 31 + k * 17) & 0xff);
  return Uint8Array.from([
    0,
    0,
    0,
    0,
    0x0a, // roachpb.Value: checksum unset, tag TUPLE
    0x23,
    ...zz(i * 1000 + 7), // col 2 INT
    0x16,
    ...nsu(name.length),
    ...name, // col 3 BYTES (STRING)
    0x15,
    1 + 1 + coeff.length,
    0x34,
    0x8c,
    ...coeff, // col 4 DECIMAL: PosLarge, e=4, coefficient
    0x18,
    ...zz(1_700_000_000 + i),
    ...zz((i % 1000) * 1000), // col 5 TIME
    0x1a, // col 6 True
    0x1c,
    ...uuid, // col 7 UUID
  ]);
}

const types: SqlType[] = [
  sqlType('int', { width: 64 }),
  sqlType('string'),
  sqlType('decimal', { width: 2, precision: 10 }),
  sqlType('timestamptz'),
  sqlType('bool'),
  sqlType('uuid'),
];
const pkType = sqlType('int', { width: 64 });
const allTypes = [pkType, ...types];
const TS = { wallTime: 1n, logical: 0 };
const rows: MVCCKeyValue[] = [];
for (let i = 0; i < N; i++) {
  rows.push({
    key: concatBytes([encodeUvarintAscending(104), Uint8Array.of(0x89), encodeVarintAscending(i), Uint8Array.of(0x88)]),
    timestamp: TS,
    value: rowValue(i),
  });
}
const bytesTotal = rows.reduce((a, r) => a + r.key.length + r.value.length, 0);
const table = testTable(104, allTypes);

function run(): number {
  const decoder = new RowDecoder(table);
  const out: Row[] = [];
  let chars = 0;
  const render = (row: Row): void => {
    let line = formatCopyText(row.values[0]!, pkType);
    for (let c = 1; c < 7; c++) line += `\t${formatCopyText(row.values[c]!, allTypes[c]!)}`;
    chars += line.length + 1;
  };
  for (const kv of rows) {
    decoder.push(kv, out);
    if (out.length > 0) {
      render(out[0]!);
      out.length = 0;
    }
  }
  decoder.finish(out);
  for (const r of out) render(r);
  return chars;
}

// The machine may be shared: report CPU time of this process (user+system) as well as wall time.
let best = Infinity;
let bestWall = Infinity;
let chars = 0;
run(); // warm-up
if (process.env.SHOW_ROW) console.log(JSON.stringify(sample()));
for (let k = 0; k < ROUNDS; k++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  chars = run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cu = process.cpuUsage(c0);
  best = Math.min(best, (cu.user + cu.system) / 1000);
  bestWall = Math.min(bestWall, wall);
}
const rps = (N / best) * 1000;
console.log(
  `decode key+value + COPY text, 6-column tuple: ${N} rows, best of ${ROUNDS}: ${best.toFixed(1)} ms CPU ` +
    `(${bestWall.toFixed(1)} ms wall) → ${Math.round(rps).toLocaleString('en-US')} rows/s per core, ` +
    `${(bytesTotal / best / 1000).toFixed(1)} MB/s in, ${(chars / best / 1000).toFixed(1)} MB/s text out`,
);

function sample(): string {
  const out: Row[] = [];
  const d = new RowDecoder(table);
  d.push(rows[1]!, out);
  d.finish(out);
  return out[0]!.values.map((v, c) => formatCopyText(v, allTypes[c]!)).join('\t');
}
