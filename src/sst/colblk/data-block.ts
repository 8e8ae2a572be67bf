import { ColumnarBlock, DataType } from './block.js';

/** One point entry of a columnar data block. */
export interface ColumnarKV {
  /** Full engine key as Pebble's comparer sees it: roachKey ‖ 0x00 ‖ version ‖ versionLen (docs/formats.md §4.7). Freshly allocated. */
  userKey: Uint8Array;
  seqNum: bigint;
  /** Low byte of the trailer (`InternalKeyKind`). */
  kind: number;
  /** View into the block. With a prefix: what follows the prefix byte (value-block or blob handle). */
  value: Uint8Array;
  /** undefined for an inline value without prefix byte; else the ValuePrefix byte (0x40/0x60 blob, 0x80/0xA0 value block). */
  valuePrefix: number | undefined;
}

/**
 * Data block (`pebble: sstable/colblk/data_block.go`, `cockroachkvs/cockroachkvs.go`;
 * docs/formats.md §6.7). Custom header = key-schema header ‖ max key length (u32 LE); then the
 * key-schema columns, then 5 columns: trailers (Uint), prefix-changed (Bool), values (Bytes),
 * is-value-external (Bool), is-obsolete (Bool). Format v8 appends tiering columns, ignored here.
 *
 * Key schema `crdb1` (CockroachDB): 1-byte header (suffix-type flags); columns roach key
 * (PrefixBytes, without the 0x00 sentinel), MVCC wall time (Uint), MVCC logical (Uint), untyped
 * version (Bytes, without sentinel and length byte). Pebble's default schema (no header; prefix
 * PrefixBytes + suffix Bytes, key = prefix ‖ suffix) is accepted too.
 */
export function decodeColumnarDataBlock(block: Uint8Array, base = 0): Iterable<ColumnarKV> {
  if (looksLike(block, 5, 9, DataType.Uint)) return crdb1Rows(new ColumnarBlock(block, 5, base, 'data block'));
  if (looksLike(block, 4, 7, DataType.Bytes)) return defaultSchemaRows(new ColumnarBlock(block, 4, base, 'data block'));
  // Neither matched: let the crdb1 decoder name the first mismatch.
  return crdb1Rows(new ColumnarBlock(block, 5, base, 'data block'));
}

function looksLike(b: Uint8Array, h: number, minCols: number, secondType: number): boolean {
  if (b.length < h + 7 + minCols * 5 + 1 || b[h] !== 1) return false;
  const cols = b[h + 1]! | (b[h + 2]! << 8);
  return cols >= minCols && b[h + 7] === DataType.PrefixBytes && b[h + 12] === secondType;
}

interface ValueColumns {
  bd: ColumnarBlock;
  trailers: ReturnType<ColumnarBlock['uints']>;
  values: ReturnType<ColumnarBlock['rawBytes']>;
  external: ReturnType<ColumnarBlock['bitmap']>;
}

function valueColumns(bd: ColumnarBlock, keyCols: number): ValueColumns {
  const trailers = bd.uints(keyCols);
  bd.bitmap(keyCols + 1); // prefix-changed: validated, not needed
  const values = bd.rawBytes(keyCols + 2);
  const external = bd.bitmap(keyCols + 3);
  bd.bitmap(keyCols + 4); // is-obsolete
  return { bd, trailers, values, external };
}

function kvFor(vc: ValueColumns, r: number, userKey: Uint8Array): ColumnarKV {
  const trailer = vc.trailers.at(r);
  const v = vc.values.at(r);
  if (vc.external.at(r)) {
    if (v.length === 0) vc.bd.fail(`external value of row ${r} in data block has no prefix byte`, 0);
    return { userKey, seqNum: trailer >> 8n, kind: Number(trailer & 0xffn), value: v.subarray(1), valuePrefix: v[0]! };
  }
  return { userKey, seqNum: trailer >> 8n, kind: Number(trailer & 0xffn), value: v, valuePrefix: undefined };
}

function crdb1Rows(bd: ColumnarBlock): Iterable<ColumnarKV> {
  const rows = bd.rows;
  if (rows === 0) return [];
  const roachKeys = bd.prefixBytes(0);
  const walls = bd.uints(1);
  const logicals = bd.uints(2);
  const untyped = bd.rawBytes(3);
  const vc = valueColumns(bd, 4);
  return {
    *[Symbol.iterator]() {
      const shared = roachKeys.sharedPrefix();
      let bundle = shared;
      let suffix = shared.subarray(0, 0);
      for (let r = 0; r < rows; r++) {
        if (roachKeys.isBundleStart(r)) {
          bundle = roachKeys.bundlePrefix(r);
          suffix = roachKeys.rawSuffix(r);
        } else {
          const s = roachKeys.rawSuffix(r);
          if (s.length > 0) suffix = s; // empty = same roach key as the previous row
        }
        const rk = shared.length + bundle.length + suffix.length;
        const logical = logicals.num(r);
        let key: Uint8Array;
        if (logical === 0 && walls.isZero(r)) {
          const u = untyped.at(r);
          if (u.length === 0) {
            key = new Uint8Array(rk + 1);
          } else {
            if (u.length > 254) bd.fail(`untyped version of row ${r} is ${u.length} bytes, longer than an engine key allows`, 0);
            key = new Uint8Array(rk + u.length + 2);
            key.set(u, rk + 1);
            key[rk + u.length + 1] = u.length + 1;
          }
        } else {
          key = new Uint8Array(rk + (logical === 0 ? 10 : 14));
          walls.writeBE64(r, key, rk + 1); // leaves zeros for wall 0 with a logical component
          let p = rk + 9;
          if (logical === 0) {
            key[p] = 9;
          } else {
            key[p++] = logical >>> 24;
            key[p++] = logical >>> 16;
            key[p++] = logical >>> 8;
            key[p++] = logical;
            key[p] = 13;
          }
        }
        key.set(shared, 0);
        key.set(bundle, shared.length);
        key.set(suffix, shared.length + bundle.length);
        yield kvFor(vc, r, key);
      }
    },
  };
}

function defaultSchemaRows(bd: ColumnarBlock): Iterable<ColumnarKV> {
  const rows = bd.rows;
  if (rows === 0) return [];
  const prefixes = bd.prefixBytes(0);
  const suffixes = bd.rawBytes(1);
  const vc = valueColumns(bd, 2);
  return {
    *[Symbol.iterator]() {
      for (let r = 0; r < rows; r++) {
        const p = prefixes.at(r);
        const s = suffixes.at(r);
        const key = new Uint8Array(p.length + s.length);
        key.set(p, 0);
        key.set(s, p.length);
        yield kvFor(vc, r, key);
      }
    },
  };
}
