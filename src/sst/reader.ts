import type { RangeReader } from '../storage/range-reader.js';
import { DecodeError, isDecodeError } from '../util/errors.js';
import { decodeHandleWithProps, type BlockHandle } from './block-handle.js';
import { BlockSource } from './block-source.js';
import { loadXXHash64 } from './checksum.js';
import { loadColblk, type ColblkModule } from './columnar.js';
import { comparerFor, type UserKeyCompare } from './comparer.js';
import { decodeFooter, MAX_FOOTER_LEN, type Footer } from './footer.js';
import { OBSOLETE_BIT, splitInternalKey, trailerSeqNum } from './internal-key.js';
import { decodeProperties, propBigint, propString, type Properties } from './properties.js';
import { decodeRangeKeyValue } from './range-key.js';
import { decodeRowBlockPairs, KeyArena, PackedRowBlockIter } from './rowblk.js';
import {
  InternalKeyKind,
  type DataBlockIndexEntry,
  type InternalKV,
  type KeyBounds,
  type OpenSstOptions,
  type RangeDeletion,
  type RangeKeySpan,
  type SstInfo,
  type SstReader,
  type SstReadStats,
} from './types.js';
import { decodeValueIndexHandle, ValuePrefixKind } from './value-blocks.js';
import { ValueResolver } from './value-resolver.js';

const NO_BOUNDS: KeyBounds = Object.freeze({});

/** Meta block names (`pebble: sstable/table.go`). */
const META_PROPERTIES = 'rocksdb.properties';
const META_RANGE_DEL_V2 = 'rocksdb.range_del2';
const META_RANGE_DEL_V1 = 'rocksdb.range_del';
const META_RANGE_KEY = 'pebble.range_key';
const META_VALUE_INDEX = 'pebble.value_index';
const TWO_LEVEL_INDEX = 2n;
/** Bytes fetched per ranged read while scanning data blocks. */
const READAHEAD = 512 * 1024;
/** Bytes read from the end of the file when opening: footer, metaindex and properties in one go. */
const TAIL_READ = 64 * 1024;

/**
 * Opens an SSTable of any format CockroachDB has written (docs/formats.md §6.1): LevelDB,
 * RocksDB block-based v1/v2 (CockroachDB ≤ 21.2 stores, Pebble-written RocksDBv2 in 20.2/21.2),
 * Pebble v1–v4 row blocks with value blocks (v3+), and Pebble v5+ columnar tables (blocks decoded
 * by `src/sst/colblk`). Reads the footer, metaindex and properties eagerly; everything else streams.
 * Takes ownership of `reader`: the table's close() closes it, and so does a failed open. Readers
 * returned by `opts.blobReferences` stay the caller's (a store shares one per blob file).
 */
export async function openSst(reader: RangeReader, opts: OpenSstOptions = {}): Promise<SstReader> {
  const file = reader.name;
  try {
    const size = await reader.size();
    // One read for the footer and, usually, the metaindex and properties blocks before it
    // (a single request per table on object storage).
    const tailLen = Math.min(size, TAIL_READ);
    const tail = tailLen > 0 ? await reader.read(size - tailLen, size) : new Uint8Array(0);
    const footer = decodeFooter(tail.subarray(Math.max(0, tail.length - MAX_FOOTER_LEN)), size);
    if (footer.checksumType === 'xxhash64') await loadXXHash64();
    const src = new BlockSource(reader, size - footer.footerLength, footer.checksumType, opts.verifyChecksums ?? true);
    src.seed('tail', size - tailLen, tail.subarray(0, tail.length - footer.footerLength));
    const colblk = footer.columnar ? await loadColblk(file) : undefined;

    const metaBlock = await src.read(footer.metaindex, 'metaindex', 0, 'tail');
    const metaPairs =
      footer.magic === 'pebble' && footer.version >= 6
        ? need(colblk).decodeColumnarKeyValueBlock(metaBlock, footer.metaindex.offset)
        : decodeRowBlockPairs(metaBlock, footer.metaindex.offset);
    const meta = new Map<string, Uint8Array>();
    const td = new TextDecoder();
    for (const [k, v] of metaPairs) meta.set(td.decode(k), v);

    let props: Properties = new Map();
    const propsValue = meta.get(META_PROPERTIES);
    if (propsValue !== undefined) {
      const h = decodeHandleWithProps(propsValue, footer.metaindex.offset).handle;
      const block = await src.read(h, 'properties', 0, 'tail');
      props = decodeProperties(
        footer.magic === 'pebble' && footer.version >= 7
          ? need(colblk).decodeColumnarKeyValueBlock(block, h.offset)
          : decodeRowBlockPairs(block, h.offset),
      );
    }
    src.drop('tail');
    return new Table(reader, opts, footer, src, meta, props, colblk);
  } catch (e) {
    // The table owns its reader from this call on (close() closes it); a table that cannot be
    // opened has no close(), so its reader is closed here instead of leaking a file handle.
    await reader.close?.().catch(() => undefined);
    throw inFile(e, file);
  }
}

function need(m: ColblkModule | undefined): ColblkModule {
  if (m === undefined) throw new Error('columnar decoder not loaded');
  return m;
}

function inFile(e: unknown, file: string): unknown {
  return isDecodeError(e) ? e.inFile(file) : e;
}

/** A data block to scan, with the index separator bounding it (user key). */
interface IndexEntry {
  readonly handle: BlockHandle;
  readonly sepUserKey: Uint8Array;
}

interface PendingValue {
  readonly index: number;
  readonly prefix: number;
  readonly at: number;
}

interface DecodedBlock {
  readonly batch: InternalKV[];
  readonly pending: PendingValue[];
  /** The end bound was reached inside this block. */
  readonly done: boolean;
}

class Table implements SstReader {
  readonly info: SstInfo;
  private readonly values: ValueResolver;
  private readonly file: string;
  private readonly cmp: UserKeyCompare;
  private readonly hasValuePrefix: boolean;
  private readonly stripObsolete: boolean;

  constructor(
    private readonly reader: RangeReader,
    opts: OpenSstOptions,
    readonly footer: Footer,
    private readonly src: BlockSource,
    readonly meta: ReadonlyMap<string, Uint8Array>,
    readonly props: Properties,
    private readonly colblk: ColblkModule | undefined,
  ) {
    this.file = reader.name;
    this.cmp = comparerFor(propString(props, 'rocksdb.comparator')).compare;
    const pebble = footer.magic === 'pebble';
    this.hasValuePrefix = pebble && footer.version >= 3;
    this.stripObsolete = pebble && footer.version >= 4;
    const vi = meta.get(META_VALUE_INDEX);
    this.values = new ValueResolver(
      this.file,
      src,
      vi !== undefined ? decodeValueIndexHandle(vi, footer.metaindex.offset) : undefined,
      opts.blobReferences,
      opts.unresolvedBlobValue,
    );
    const declared = propString(props, 'rocksdb.compression');
    const seen = src.seenCompression;
    this.info = {
      file: this.file,
      format: footer.formatName,
      tableFormatVersion: footer.version,
      checksumType: footer.checksumType,
      get compression(): string {
        const s = [...seen].join(', ');
        return declared !== undefined ? `${declared} (blocks read: ${s})` : s;
      },
      properties: props,
      numEntries: propBigint(props, 'rocksdb.num.entries'),
    };
  }

  get stats(): SstReadStats {
    return {
      blocksRead: this.src.blocksRead,
      bytesRead: this.src.bytesRead,
      valueBlockValues: this.values.valueBlockValues,
      blobValues: this.values.blobValues,
      blobValueBytes: this.values.blobValueBytes,
    };
  }

  /** Names of the meta blocks (metaindex keys), for `debug sst`. */
  metaBlockNames(): string[] {
    return [...this.meta.keys()];
  }

  /**
   * Point entries, one data block at a time: each batch holds the in-bounds entries of one block
   * with values already resolved. Cheaper than `entries()` for hot consumers (no promise per entry).
   */
  async *entryBatches(bounds: KeyBounds = {}): AsyncIterable<InternalKV[]> {
    const arena = new KeyArena();
    // Keys ascend: once one is ≥ start, no later key needs the start check. A block whose index
    // separator (≥ each of its keys) is < end needs no end check.
    let afterStart = bounds.start === undefined;
    try {
      for await (const ie of this.dataBlocks(bounds)) {
        const block = await this.src.read(ie.handle, 'data', READAHEAD);
        const b: KeyBounds =
          afterStart && (bounds.end === undefined || this.cmp(ie.sepUserKey, bounds.end) < 0)
            ? NO_BOUNDS
            : afterStart
              ? { end: bounds.end! }
              : bounds;
        const { batch, pending, done } =
          this.colblk !== undefined ? this.decodeColumnar(block, ie.handle.offset, b) : this.decodeRow(block, ie.handle.offset, b, arena);
        if (batch.length > 0) afterStart = true;
        for (const p of pending) {
          const kv = batch[p.index]!;
          batch[p.index] = {
            userKey: kv.userKey,
            seqNum: kv.seqNum,
            kind: kv.kind,
            value: await this.values.resolve(p.prefix, kv.value, p.at),
          };
        }
        if (batch.length > 0) yield batch;
        if (done) return;
      }
    } catch (e) {
      throw inFile(e, this.file);
    } finally {
      this.src.release();
    }
  }

  /** Point entries in internal-key order, restricted to bounds (see `entryBatches`). */
  entries(bounds: KeyBounds = {}): AsyncIterable<InternalKV> {
    const batches = (): AsyncIterable<InternalKV[]> => this.entryBatches(bounds);
    return {
      [Symbol.asyncIterator](): AsyncIterator<InternalKV> {
        const it = batches()[Symbol.asyncIterator]();
        let cur: InternalKV[] = [];
        let i = 0;
        const pull = async (): Promise<IteratorResult<InternalKV>> => {
          for (;;) {
            const r = await it.next();
            if (r.done === true) return { done: true, value: undefined };
            cur = r.value;
            i = 0;
            if (cur.length > 0) return { done: false, value: cur[i++]! };
          }
        };
        return {
          next(): Promise<IteratorResult<InternalKV>> {
            if (i < cur.length) return Promise.resolve({ done: false, value: cur[i++]! });
            return pull();
          },
          async return(): Promise<IteratorResult<InternalKV>> {
            cur = [];
            await it.return?.();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  /** Data-block index entries for bounds, from the index block(s) alone (see `SstReader.dataBlockIndex`). */
  async dataBlockIndex(bounds: KeyBounds = {}): Promise<DataBlockIndexEntry[]> {
    const out: DataBlockIndexEntry[] = [];
    try {
      for await (const ie of this.dataBlocks(bounds))
        out.push({ separator: ie.sepUserKey, offset: ie.handle.offset, length: ie.handle.length });
    } catch (e) {
      throw inFile(e, this.file);
    }
    return out;
  }

  /** Decodes one row data block; `pending` lists entries whose value is a value-block or blob handle. */
  private decodeRow(block: Uint8Array, base: number, bounds: KeyBounds, arena: KeyArena): DecodedBlock {
    const batch: InternalKV[] = [];
    const pending: PendingValue[] = [];
    const it = new PackedRowBlockIter(block, arena, base);
    let { start } = bounds;
    const { end } = bounds;
    while (it.next()) {
      const kb = it.keyBuf;
      const ko = it.keyOff;
      const n = it.keyLen - 8;
      if (n < 0)
        throw new DecodeError(
          'block',
          `internal key of ${it.keyLen} bytes is shorter than its 8-byte trailer`,
          undefined,
          base + it.entryOffset,
        );
      const userKey = kb.subarray(ko, ko + n);
      if (start !== undefined) {
        if (this.cmp(userKey, start) < 0) continue;
        start = undefined;
      }
      if (end !== undefined && this.cmp(userKey, end) >= 0) return { batch, pending, done: true };
      let kind = kb[ko + n]!;
      if (this.stripObsolete) kind &= ~OBSOLETE_BIT;
      let value = block.subarray(it.valueStart, it.valueEnd);
      if (this.hasValuePrefix && kind === InternalKeyKind.Set) {
        if (value.length === 0) throw new DecodeError('block', 'SET value lacks its value-prefix byte', undefined, base + it.entryOffset);
        const prefix = value[0]!;
        value = value.subarray(1);
        if ((prefix & ValuePrefixKind.Mask) !== ValuePrefixKind.InPlace) {
          pending.push({ index: batch.length, prefix, at: base + it.entryOffset });
        }
      }
      batch.push({ userKey, seqNum: trailerSeqNum(kb, ko + n), kind, value });
    }
    return { batch, pending, done: false };
  }

  private decodeColumnar(block: Uint8Array, base: number, bounds: KeyBounds): DecodedBlock {
    const batch: InternalKV[] = [];
    const pending: PendingValue[] = [];
    let { start } = bounds;
    const { end } = bounds;
    for (const kv of this.colblk!.decodeColumnarDataBlock(block, base)) {
      if (start !== undefined) {
        if (this.cmp(kv.userKey, start) < 0) continue;
        start = undefined;
      }
      if (end !== undefined && this.cmp(kv.userKey, end) >= 0) return { batch, pending, done: true };
      const kind = this.stripObsolete ? kv.kind & ~OBSOLETE_BIT : kv.kind;
      if (kv.valuePrefix !== undefined && (kv.valuePrefix & ValuePrefixKind.Mask) !== ValuePrefixKind.InPlace) {
        pending.push({ index: batch.length, prefix: kv.valuePrefix, at: base });
      }
      batch.push({ userKey: kv.userKey, seqNum: kv.seqNum, kind, value: kv.value });
    }
    return { batch, pending, done: false };
  }

  /** Data blocks whose key range may intersect bounds, from the (one- or two-level) index. */
  private async *dataBlocks(bounds: KeyBounds): AsyncIterable<IndexEntry> {
    const top = await this.readIndex(this.footer.index, 'index');
    if (propBigint(this.props, 'rocksdb.block.based.table.index.type') !== TWO_LEVEL_INDEX) {
      yield* this.boundIndex(top, bounds);
      return;
    }
    for (const part of this.boundIndex(top, bounds)) {
      const lower = await this.readIndex(part.handle, 'lower-level index');
      yield* this.boundIndex(lower, bounds);
    }
  }

  /**
   * Index entries restricted to bounds. A separator is ≥ every key of its block and ≤ every key
   * of the next, so a block whose separator is < start holds nothing in range, and once a
   * separator is ≥ end every later block is out of range.
   */
  private *boundIndex(entries: IndexEntry[], bounds: KeyBounds): Iterable<IndexEntry> {
    for (const ie of entries) {
      if (bounds.start !== undefined && this.cmp(ie.sepUserKey, bounds.start) < 0) continue;
      yield ie;
      if (bounds.end !== undefined && this.cmp(ie.sepUserKey, bounds.end) >= 0) return;
    }
  }

  private async readIndex(h: BlockHandle, what: string): Promise<IndexEntry[]> {
    const block = await this.src.read(h, what);
    if (this.colblk !== undefined) {
      return this.colblk.decodeColumnarIndexBlock(block, h.offset).map((e) => ({
        handle: { offset: safe(e.offset, h.offset), length: safe(e.length, h.offset) },
        sepUserKey: e.separator,
      }));
    }
    const out: IndexEntry[] = [];
    for (const [k, v] of decodeRowBlockPairs(block, h.offset)) {
      out.push({ handle: decodeHandleWithProps(v, h.offset).handle, sepUserKey: splitInternalKey(k, h.offset).userKey });
    }
    return out;
  }

  async *rangeDeletions(): AsyncIterable<RangeDeletion> {
    const v = this.meta.get(META_RANGE_DEL_V2) ?? this.meta.get(META_RANGE_DEL_V1);
    if (v === undefined) return;
    try {
      const h = decodeHandleWithProps(v, this.footer.metaindex.offset).handle;
      const block = await this.src.read(h, 'range-deletion');
      if (this.colblk !== undefined) {
        for (const s of this.colblk.decodeColumnarKeyspanBlock(block, h.offset)) {
          yield { start: s.start, end: s.end, seqNum: s.seqNum };
        }
        return;
      }
      for (const [k, end] of decodeRowBlockPairs(block, h.offset)) {
        const { userKey, seqNum } = splitInternalKey(k, h.offset);
        yield { start: userKey, end, seqNum };
      }
    } catch (e) {
      throw inFile(e, this.file);
    }
  }

  async *rangeKeys(): AsyncIterable<RangeKeySpan> {
    const v = this.meta.get(META_RANGE_KEY);
    if (v === undefined) return;
    try {
      const h = decodeHandleWithProps(v, this.footer.metaindex.offset).handle;
      const block = await this.src.read(h, 'range-key');
      if (this.colblk !== undefined) {
        for (const s of this.colblk.decodeColumnarKeyspanBlock(block, h.offset)) {
          yield { ...s, kind: rangeKeyKind(s.kind, h.offset) };
        }
        return;
      }
      for (const [k, value] of decodeRowBlockPairs(block, h.offset)) {
        const { userKey, seqNum, kind } = splitInternalKey(k, h.offset);
        yield* decodeRangeKeyValue(userKey, seqNum, kind, value, h.offset);
      }
    } catch (e) {
      throw inFile(e, this.file);
    }
  }

  /** Releases buffers and closes the RangeReader the table was opened with. */
  async close(): Promise<void> {
    this.src.release();
    this.values.release();
    await this.reader.close?.();
  }
}

function rangeKeyKind(kind: number, at: number): RangeKeySpan['kind'] {
  if (kind === InternalKeyKind.RangeKeySet || kind === InternalKeyKind.RangeKeyUnset || kind === InternalKeyKind.RangeKeyDelete) {
    return kind;
  }
  throw new DecodeError('block', `key kind ${kind} in the range-key block is not a range key kind`, undefined, at);
}

function safe(v: bigint, at: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n) throw new DecodeError('sst', `block handle value ${v} out of range`, undefined, at);
  return Number(v);
}
