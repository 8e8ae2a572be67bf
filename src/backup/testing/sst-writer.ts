/**
 * A minimal SSTable writer in the RocksDB block-based "RocksDBv2" format (what CockroachDB's backup
 * writer produced through 22.1, docs/formats.md §6.1–6.5): Snappy (or raw) data blocks with restart
 * interval 16, a one-level index (restart interval 1), an uncompressed properties block, a metaindex
 * and the 53-byte footer (checksum type CRC32C, format version 2, RocksDB magic).
 *
 * Fixture-only code: it writes the real KV bytes taken from CockroachDB stores into backup-shaped
 * files. It never encodes keys or values itself beyond the container format.
 * @internal
 */
import { createRequire } from 'node:module';
import { compareEngineKeys } from '../../sst/comparer.js';
import { maskedCrc32c } from '../../sst/checksum.js';
import { InternalKeyKind } from '../../sst/types.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };

const ROCKSDB_MAGIC = Uint8Array.of(0xf7, 0xcf, 0xf4, 0x85, 0xb7, 0x41, 0xe2, 0x88);
const BLOCK_TARGET = 32 << 10;

export interface SstEntry {
  /** Engine key (roachKey ‖ 0x00 ‖ version ‖ len). */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Default Set; Delete writes a point tombstone (never produced by backups, for reader tests). */
  readonly kind?: InternalKeyKind;
}

export interface SstWriteOptions {
  readonly compression?: 'snappy' | 'none';
  /** Data block size target in bytes (small values force multi-block files in tests). */
  readonly blockSize?: number;
}

class Bytes {
  private buf = new Uint8Array(1 << 16);
  len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  u8(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }
  u32le(v: number): void {
    this.grow(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  uvarint(v: number | bigint): void {
    let x = BigInt(v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.u8(b);
    } while (x > 0n);
  }
  put(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
  reset(): void {
    this.len = 0;
  }
}

function sharedPrefix(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** A LevelDB-style row block builder. */
class BlockBuilder {
  private readonly out = new Bytes();
  private restarts: number[] = [0];
  private count = 0;
  private last: Uint8Array = new Uint8Array(0);
  constructor(private readonly restartInterval: number) {}
  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.count > 0 && this.count % this.restartInterval === 0) this.restarts.push(this.out.len);
    else if (this.count > 0) shared = sharedPrefix(this.last, key);
    this.out.uvarint(shared);
    this.out.uvarint(key.length - shared);
    this.out.uvarint(value.length);
    this.out.put(key.subarray(shared));
    this.out.put(value);
    this.last = key;
    this.count++;
  }
  get size(): number {
    return this.out.len + 4 * this.restarts.length + 4;
  }
  get empty(): boolean {
    return this.count === 0;
  }
  finish(): Uint8Array {
    for (const r of this.restarts) this.out.u32le(r);
    this.out.u32le(this.restarts.length);
    const b = this.out.bytes();
    this.out.reset();
    this.restarts = [0];
    this.count = 0;
    this.last = new Uint8Array(0);
    return b;
  }
}

function internalKey(userKey: Uint8Array, kind: InternalKeyKind): Uint8Array {
  const k = new Uint8Array(userKey.length + 8);
  k.set(userKey);
  // trailer = seqNum << 8 | kind, little-endian; backups use seqNum 0.
  k[userKey.length] = kind;
  return k;
}

function handle(offset: number, size: number): Uint8Array {
  const b = new Bytes();
  b.uvarint(offset);
  b.uvarint(size);
  return b.bytes();
}

/** Builds the table bytes. Entries are sorted with CockroachDB's engine-key comparator first. */
export function writeSst(entries: readonly SstEntry[], opts: SstWriteOptions = {}): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareEngineKeys(a.key, b.key));
  for (let i = 1; i < sorted.length; i++) {
    if (compareEngineKeys(sorted[i - 1]!.key, sorted[i]!.key) === 0) throw new Error('writeSst: duplicate key');
  }
  const file = new Bytes();
  const compression = opts.compression ?? 'snappy';
  const target = opts.blockSize ?? BLOCK_TARGET;
  const index = new BlockBuilder(1);
  const data = new BlockBuilder(16);
  let rawKeySize = 0;
  let rawValueSize = 0;
  let dataBlocks = 0;

  const emit = (block: Uint8Array, compress: boolean): { offset: number; size: number } => {
    let body = block;
    let type = 0;
    if (compress) {
      const c = snappy.compress(block);
      if (c.length < block.length - block.length / 8) {
        body = c;
        type = 1;
      }
    }
    const offset = file.len;
    file.put(body);
    file.u8(type);
    file.u32le(maskedCrc32c(body, Uint8Array.of(type)));
    return { offset, size: body.length };
  };

  let lastKey: Uint8Array | undefined;
  const flush = (): void => {
    if (data.empty || lastKey === undefined) return;
    const h = emit(data.finish(), compression === 'snappy');
    index.add(lastKey, handle(h.offset, h.size));
    dataBlocks++;
  };
  for (const e of sorted) {
    const ik = internalKey(e.key, e.kind ?? InternalKeyKind.Set);
    data.add(ik, e.value);
    lastKey = ik;
    rawKeySize += ik.length;
    rawValueSize += e.value.length;
    if (data.size >= target) flush();
  }
  flush();
  const dataSize = file.len;
  const indexHandle = emit(index.finish(), compression === 'snappy');

  const props = new BlockBuilder(1);
  const te = new TextEncoder();
  const num = (v: number): Uint8Array => {
    const b = new Bytes();
    b.uvarint(v);
    return b.bytes();
  };
  const propList: Array<[string, Uint8Array]> = [
    ['rocksdb.block.based.table.index.type', Uint8Array.of(0, 0, 0, 0)],
    ['rocksdb.column.family.id', num(0x7fffffff)],
    ['rocksdb.comparator', te.encode('cockroach_comparator')],
    ['rocksdb.compression', te.encode(compression === 'snappy' ? 'Snappy' : 'NoCompression')],
    ['rocksdb.creating.db.identity', te.encode('cockroach-migrate fixture writer')],
    ['rocksdb.data.size', num(dataSize)],
    ['rocksdb.deleted.keys', num(sorted.filter((e) => e.kind === InternalKeyKind.Delete).length)],
    ['rocksdb.filter.size', num(0)],
    ['rocksdb.fixed.key.length', num(0)],
    ['rocksdb.format.version', num(0)],
    ['rocksdb.index.size', num(indexHandle.size)],
    ['rocksdb.merge.operands', num(0)],
    ['rocksdb.merge.operator', te.encode('nullptr')],
    ['rocksdb.num.data.blocks', num(dataBlocks)],
    ['rocksdb.num.entries', num(sorted.length)],
    ['rocksdb.num.range-deletions', num(0)],
    ['rocksdb.prefix.extractor.name', te.encode('nullptr')],
    ['rocksdb.property.collectors', te.encode('[]')],
    ['rocksdb.raw.key.size', num(rawKeySize)],
    ['rocksdb.raw.value.size', num(rawValueSize)],
  ];
  for (const [k, v] of propList) props.add(te.encode(k), v);
  const propsHandle = emit(props.finish(), false);
  const meta = new BlockBuilder(1);
  meta.add(te.encode('rocksdb.properties'), handle(propsHandle.offset, propsHandle.size));
  const metaHandle = emit(meta.finish(), false);

  // Footer: checksum type, metaindex handle, index handle, zero padding to 41 bytes, version, magic.
  const footerStart = file.len;
  file.u8(1);
  file.put(handle(metaHandle.offset, metaHandle.size));
  file.put(handle(indexHandle.offset, indexHandle.size));
  while (file.len < footerStart + 41) file.u8(0);
  file.u32le(2);
  file.put(ROCKSDB_MAGIC);
  return file.bytes();
}
