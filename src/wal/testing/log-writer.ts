import { crc32c } from '@node-rs/crc32';
import { maskCrc, WAL_BLOCK_SIZE } from '../record-reader.js';
import { concatBytes } from '../../util/bytes.js';

/**
 * Test-only record-log writer (the layout pebble `record.LogWriter` / rocksdb `log::Writer`
 * produce): fragments records into FULL/FIRST/MIDDLE/LAST chunks inside 32 KiB blocks and zero-pads
 * block tails too short for a header. `logNumber` selects recyclable 11-byte headers.
 */
export function writeLog(records: readonly Uint8Array[], opts: { logNumber?: number; eofTrailer?: boolean } = {}): Uint8Array {
  const recyclable = opts.logNumber !== undefined;
  const hs = recyclable ? 11 : 7;
  const out: number[] = [];
  const chunk = (type: number, payload: Uint8Array, logNumber = opts.logNumber ?? 0): void => {
    const h = new Uint8Array(hs);
    const dv = new DataView(h.buffer);
    dv.setUint16(4, payload.length, true);
    h[6] = recyclable ? type + 4 : type;
    if (recyclable) dv.setUint32(7, logNumber >>> 0, true);
    dv.setUint32(0, maskCrc(crc32c(concatBytes([h.subarray(6), payload]))), true);
    for (const b of h) out.push(b);
    for (const b of payload) out.push(b);
  };
  for (const rec of records) {
    let off = 0;
    let first = true;
    for (;;) {
      let left = WAL_BLOCK_SIZE - (out.length % WAL_BLOCK_SIZE);
      if (left < hs) {
        for (let i = 0; i < left; i++) out.push(0);
        left = WAL_BLOCK_SIZE;
      }
      const n = Math.min(rec.length - off, left - hs);
      const last = off + n === rec.length;
      chunk(first && last ? 1 : first ? 2 : last ? 4 : 3, rec.subarray(off, off + n));
      off += n;
      first = false;
      if (last) break;
    }
  }
  if (opts.eofTrailer && recyclable) {
    if (WAL_BLOCK_SIZE - (out.length % WAL_BLOCK_SIZE) >= hs) chunk(1, new Uint8Array(0), (opts.logNumber ?? 0) + 1);
  }
  return Uint8Array.from(out);
}

/** Encodes a batch: seqNum (8 B LE) ‖ count (4 B LE) ‖ entries (kind ‖ varstring key ‖ [varstring value]). */
export function writeBatch(
  seqNum: bigint,
  entries: readonly { kind: number; key: Uint8Array; value?: Uint8Array }[],
  count?: number,
): Uint8Array {
  const out: number[] = [];
  const head = new Uint8Array(12);
  const dv = new DataView(head.buffer);
  dv.setBigUint64(0, seqNum, true);
  dv.setUint32(8, count ?? entries.filter((e) => e.kind !== 3).length, true);
  out.push(...head);
  const varstr = (b: Uint8Array): void => {
    let n = b.length;
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    out.push(...b);
  };
  for (const e of entries) {
    out.push(e.kind);
    varstr(e.key);
    if (e.value !== undefined) varstr(e.value);
  }
  return Uint8Array.from(out);
}
