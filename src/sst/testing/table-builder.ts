/**
 * Test-only writer of small row-format SSTables (LevelDB, RocksDB v2, Pebble v1–v4), used to
 * exercise reader paths that the real fixtures do not contain: range deletions, range keys,
 * two-level indexes, xxHash64 checksums, zstd blocks, the LevelDB footer. It follows the layouts of
 * docs/formats.md §6.2–6.5; it is not a general-purpose writer (no filters, no value blocks).
 */
import { createRequire } from 'node:module';
import { concatBytes } from '../../util/bytes.js';
import { loadXXHash64, maskedCrc32c, xxhash64Low32 } from '../checksum.js';
import { LEVELDB_MAGIC, PEBBLE_MAGIC, ROCKSDB_MAGIC } from '../footer.js';
import { InternalKeyKind } from '../types.js';

const snappyjs = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };

export interface TestPoint {
  readonly key: string | Uint8Array;
  readonly seqNum: bigint;
  readonly kind: number;
  readonly value: string | Uint8Array;
}

export interface TestRangeKey {
  readonly start: string;
  readonly end: string;
  readonly seqNum: bigint;
  readonly kind: InternalKeyKind.RangeKeySet | InternalKeyKind.RangeKeyUnset | InternalKeyKind.RangeKeyDelete;
  /** Set: suffix → value pairs; Unset: suffixes (values ignored); Del: empty. */
  readonly items: ReadonlyArray<readonly [string, string]>;
}

export interface TableBuildOptions {
  readonly magic: 'leveldb' | 'rocksdb' | 'pebble';
  readonly version?: number;
  readonly checksum?: 'crc32c' | 'xxhash64';
  /** Compression indicator for data blocks: 0 none, 1 snappy, 7 zstd (stored as raw zstd blocks). */
  readonly compression?: 0 | 1 | 7;
  readonly entriesPerBlock?: number;
  /** Lower-level index blocks hold this many entries (two-level index); undefined = one level. */
  readonly indexPartitionSize?: number;
  readonly rangeDels?: ReadonlyArray<{ start: string; end: string; seqNum: bigint }>;
  readonly rangeKeys?: readonly TestRangeKey[];
  readonly comparator?: string;
}

const te = new TextEncoder();
const b = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? te.encode(s) : s);

export function uvarint(n: number | bigint): Uint8Array {
  let v = BigInt(n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function internalKey(userKey: Uint8Array, seqNum: bigint, kind: number): Uint8Array {
  const out = new Uint8Array(userKey.length + 8);
  out.set(userKey);
  new DataView(out.buffer).setBigUint64(userKey.length, (seqNum << 8n) | BigInt(kind), true);
  return out;
}

/** A row block with prefix compression and restarts every `restartInterval` entries. */
export function rowBlock(pairs: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, restartInterval = 16): Uint8Array {
  const parts: Uint8Array[] = [];
  const restarts: number[] = [];
  let size = 0;
  let prev: Uint8Array = new Uint8Array(0);
  pairs.forEach(([k, v], i) => {
    let shared = 0;
    if (i % restartInterval === 0) restarts.push(size);
    else while (shared < prev.length && shared < k.length && prev[shared] === k[shared]) shared++;
    const entry = concatBytes([uvarint(shared), uvarint(k.length - shared), uvarint(v.length), k.subarray(shared), v]);
    parts.push(entry);
    size += entry.length;
    prev = k;
  });
  if (restarts.length === 0) restarts.push(0);
  const tail = new Uint8Array(4 * (restarts.length + 1));
  const dv = new DataView(tail.buffer);
  restarts.forEach((r, i) => dv.setUint32(4 * i, r, true));
  dv.setUint32(4 * restarts.length, restarts.length, true);
  return concatBytes([...parts, tail]);
}

function zstdRaw(content: Uint8Array): Uint8Array {
  // Frame: magic, FHD = single segment + 4-byte content size, then raw blocks of ≤ 128 KiB.
  const head = new Uint8Array(9);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, 0xfd2fb528, true);
  head[4] = 0xa0;
  dv.setUint32(5, content.length, true);
  const blocks: Uint8Array[] = [];
  for (let off = 0; off < content.length || off === 0; off += 1 << 17) {
    const part = content.subarray(off, Math.min(content.length, off + (1 << 17)));
    const last = off + (1 << 17) >= content.length ? 1 : 0;
    const h = last | (part.length << 3);
    blocks.push(Uint8Array.of(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff), part);
    if (content.length === 0) break;
  }
  return concatBytes([uvarint(content.length), head, ...blocks]);
}

/** Builds a whole table from points sorted in internal-key order. */
export async function buildTable(points: readonly TestPoint[], o: TableBuildOptions): Promise<Uint8Array> {
  const version = o.version ?? (o.magic === 'leveldb' ? 0 : 2);
  const checksum = o.checksum ?? 'crc32c';
  if (checksum === 'xxhash64') await loadXXHash64();
  const valuePrefix = o.magic === 'pebble' && version >= 3;
  const out: Uint8Array[] = [];
  let offset = 0;
  const write = (block: Uint8Array, indicator: number): { offset: number; length: number } => {
    const payload = indicator === 1 ? snappyjs.compress(block) : indicator === 7 ? zstdRaw(block) : block;
    const covered = concatBytes([payload, Uint8Array.of(indicator)]);
    const sum = checksum === 'crc32c' ? maskedCrc32c(covered) : xxhash64Low32(covered);
    const trailer = new Uint8Array(4);
    new DataView(trailer.buffer).setUint32(0, sum, true);
    const h = { offset, length: payload.length };
    out.push(covered, trailer);
    offset += covered.length + 4;
    return h;
  };
  const handle = (h: { offset: number; length: number }): Uint8Array => concatBytes([uvarint(h.offset), uvarint(h.length)]);

  const per = o.entriesPerBlock ?? 16;
  const indexEntries: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < points.length; i += per) {
    const chunk = points.slice(i, i + per).map((p): [Uint8Array, Uint8Array] => {
      const v = b(p.value);
      return [
        internalKey(b(p.key), p.seqNum, p.kind),
        valuePrefix && p.kind === InternalKeyKind.Set ? concatBytes([Uint8Array.of(0), v]) : v,
      ];
    });
    const h = write(rowBlock(chunk), o.compression ?? 0);
    indexEntries.push([chunk[chunk.length - 1]![0], handle(h)]);
  }
  const meta: Array<[string, Uint8Array]> = [];
  if (o.rangeDels !== undefined && o.rangeDels.length > 0) {
    const pairs = o.rangeDels.map((r): [Uint8Array, Uint8Array] => [
      internalKey(b(r.start), r.seqNum, InternalKeyKind.RangeDelete),
      b(r.end),
    ]);
    meta.push(['rocksdb.range_del2', handle(write(rowBlock(pairs, 1), 0))]);
  }
  if (o.rangeKeys !== undefined && o.rangeKeys.length > 0) {
    const pairs = o.rangeKeys.map((r): [Uint8Array, Uint8Array] => {
      const end = b(r.end);
      let v: Uint8Array;
      if (r.kind === InternalKeyKind.RangeKeyDelete) v = end;
      else {
        const items = r.items.map(([s, val]) =>
          r.kind === InternalKeyKind.RangeKeySet
            ? concatBytes([uvarint(b(s).length), b(s), uvarint(b(val).length), b(val)])
            : concatBytes([uvarint(b(s).length), b(s)]),
        );
        v = concatBytes([uvarint(end.length), end, ...items]);
      }
      return [internalKey(b(r.start), r.seqNum, r.kind), v];
    });
    meta.push(['pebble.range_key', handle(write(rowBlock(pairs, 1), 0))]);
  }
  let indexHandle: { offset: number; length: number };
  const part = o.indexPartitionSize;
  if (part === undefined) {
    indexHandle = write(rowBlock(indexEntries, 1), 0);
  } else {
    const top: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = 0; i < indexEntries.length; i += part) {
      const group = indexEntries.slice(i, i + part);
      top.push([group[group.length - 1]![0], handle(write(rowBlock(group, 1), 0))]);
    }
    indexHandle = write(rowBlock(top, 1), 0);
  }
  const numRangeDels = o.rangeDels?.length ?? 0;
  const indexType = new Uint8Array(4);
  new DataView(indexType.buffer).setUint32(0, part === undefined ? 0 : 2, true);
  const props: Array<[string, Uint8Array]> = [
    ['rocksdb.block.based.table.index.type', indexType],
    ['rocksdb.comparator', b(o.comparator ?? 'leveldb.BytewiseComparator')],
    ['rocksdb.compression', b(['NoCompression', 'Snappy', '', '', '', '', '', 'ZSTD'][o.compression ?? 0]!)],
    ['rocksdb.num.entries', uvarint(points.length + numRangeDels)],
    ['rocksdb.num.range-deletions', uvarint(numRangeDels)],
  ];
  props.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  meta.push(['rocksdb.properties', handle(write(rowBlock(props.map(([k, v]) => [b(k), v])), 0))]);
  meta.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const metaHandle = write(
    rowBlock(
      meta.map(([k, v]) => [b(k), v]),
      1,
    ),
    0,
  );

  let footer: Uint8Array;
  if (o.magic === 'leveldb') {
    footer = new Uint8Array(48);
    footer.set(concatBytes([handle(metaHandle), handle(indexHandle)]));
    footer.set(LEVELDB_MAGIC, 40);
  } else {
    footer = new Uint8Array(53);
    footer[0] = checksum === 'crc32c' ? 1 : 3;
    footer.set(concatBytes([handle(metaHandle), handle(indexHandle)]), 1);
    new DataView(footer.buffer).setUint32(41, version, true);
    footer.set(o.magic === 'pebble' ? PEBBLE_MAGIC : ROCKSDB_MAGIC, 45);
  }
  out.push(footer);
  return concatBytes(out);
}
