/**
 * Micro-benchmark of the per-value COPY rendering and per-row fingerprint hot spots
 * (`formatFloat8`, `formatUuid`, a row's fingerprint hash `SourceRowHasher.row`). Run: `node --import tsx bench/micro-render.ts`.
 * Prints µs per call; compare runs before/after a change (the machine is shared: repeat).
 */
import { randomUUID } from 'node:crypto';
import { formatFloat8, formatUuid } from '../src/copy/format.js';
import { SourceRowHasher } from '../src/load/row-hash.js';
import { sqlType } from '../src/model/sql-type.js';
import type { Datum } from '../src/encoding/datum.js';

function perCall(n: number, fn: () => void): string {
  const t = performance.now();
  fn();
  return (((performance.now() - t) * 1000) / n).toFixed(3);
}

const text = sqlType('string', { oid: 25 });
const hasher = new SourceRowHasher(Array.from({ length: 7 }, (_, i) => ({ pgName: `c${i}`, type: text })));
const str = (value: string): Datum => ({ kind: 'string', value });
const rows: Datum[][] = [];
for (let i = 0; i < 200_000; i++) {
  rows.push(
    [randomUUID(), 'new york', `Some Name ${i}`, null, '2019-01-02 03:04:05.123456', String(i / 7), 'héllo'].map((v) =>
      v === null ? null : str(v),
    ),
  );
}
const floats = Array.from({ length: 500_000 }, () => Math.round(Math.random() * 1e6) / 100 - 5000);
const uuids = Array.from({ length: 200_000 }, () => Uint8Array.from({ length: 16 }, () => (Math.random() * 256) | 0));

let sink = 0;
for (let k = 0; k < 5; k++) {
  const f = perCall(floats.length, () => {
    for (const x of floats) sink += formatFloat8(x).length;
  });
  const u = perCall(uuids.length, () => {
    for (const b of uuids) sink += formatUuid(b).length;
  });
  const h = perCall(rows.length, () => {
    for (const r of rows) sink += Number(hasher.row(r) & 1n);
  });
  console.log(`round ${k}: formatFloat8 ${f} µs  formatUuid ${u} µs  row hash (7 text fields) ${h} µs`);
}
if (sink < 0) console.log(sink);
