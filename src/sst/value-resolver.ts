import { DecodeError } from '../util/errors.js';
import type { BlockHandle } from './block-handle.js';
import type { BlockSource } from './block-source.js';
import { loadBlob, type BlobFile, type BlobModule } from './columnar.js';
import type { BlobHandleInfo, BlobReferenceResolver } from './types.js';
import { decodeValueHandle, decodeValueIndex, ValuePrefixKind, type ValueIndexHandle } from './value-blocks.js';

/** Bytes fetched per ranged read of value blocks (v3+), which sit together after the data blocks. */
const VALUE_READAHEAD = 256 * 1024;

/**
 * Resolves values stored outside the data block: value-block handles (Pebble v3+, through the
 * `pebble.value_index` meta block; docs/formats.md §6.6) and blob handles (v6+, through the
 * caller's blob-reference resolver and `src/sst/blob`; §6.8). Keeps the last value block decoded —
 * values are written to value blocks in key order, so a scan reads each block once.
 */
export class ValueResolver {
  valueBlockValues = 0;
  blobValues = 0;
  blobValueBytes = 0;
  private valueBlocks: BlockHandle[] | undefined;
  private cachedValueBlock: { num: number; data: Uint8Array } | undefined;
  private readonly blobFiles = new Map<number, Promise<BlobFile>>();
  private blobModule: BlobModule | undefined;

  constructor(
    private readonly file: string,
    private readonly src: BlockSource,
    private readonly valueIndex: ValueIndexHandle | undefined,
    private readonly blobReferences: BlobReferenceResolver | undefined,
    private readonly unresolvedBlobValue?: (h: BlobHandleInfo) => Uint8Array,
  ) {}

  release(): void {
    this.cachedValueBlock = undefined;
  }

  async resolve(prefix: number, handle: Uint8Array, at: number): Promise<Uint8Array> {
    const kind = prefix & ValuePrefixKind.Mask;
    if (kind === ValuePrefixKind.ValueBlockHandle) return this.readValueBlockValue(handle, at);
    if (kind === ValuePrefixKind.BlobHandle) return this.readBlobValue(handle, at);
    throw new DecodeError('block', `unknown value prefix 0x${prefix.toString(16)}`, undefined, at);
  }

  private async readValueBlockValue(handleBytes: Uint8Array, at: number): Promise<Uint8Array> {
    const vh = decodeValueHandle(handleBytes, at);
    if (this.valueIndex === undefined) {
      throw new DecodeError('sst', 'value-block handle in a table without a pebble.value_index meta block', undefined, at);
    }
    if (this.valueBlocks === undefined) {
      const h = this.valueIndex.handle;
      this.valueBlocks = decodeValueIndex(await this.src.read(h, 'value index'), this.valueIndex, h.offset);
    }
    let cached = this.cachedValueBlock;
    if (cached === undefined || cached.num !== vh.blockNum) {
      const bh = this.valueBlocks[vh.blockNum];
      if (bh === undefined) {
        throw new DecodeError('sst', `value handle names value block ${vh.blockNum} of ${this.valueBlocks.length}`, undefined, at);
      }
      cached = { num: vh.blockNum, data: await this.src.read(bh, 'value', VALUE_READAHEAD) };
      this.cachedValueBlock = cached;
    }
    const end = vh.offsetInBlock + vh.valueLen;
    if (end > cached.data.length) {
      throw new DecodeError(
        'sst',
        `value handle [${vh.offsetInBlock}, ${end}) exceeds value block ${vh.blockNum} (${cached.data.length} bytes)`,
        undefined,
        at,
      );
    }
    this.valueBlockValues++;
    return cached.data.subarray(vh.offsetInBlock, end);
  }

  private async readBlobValue(handleBytes: Uint8Array, at: number): Promise<Uint8Array> {
    this.blobModule ??= await loadBlob(this.file);
    const bh = this.blobModule.decodeBlobHandle(handleBytes, at);
    const resolve = this.blobReferences;
    if (resolve === undefined) {
      if (this.unresolvedBlobValue !== undefined) return this.unresolvedBlobValue(bh);
      throw new DecodeError(
        'blob',
        `value lives in a blob file (blob reference ${bh.referenceId})`,
        undefined,
        at,
        'open the SST through its store (the MANIFEST maps blob references to blob files), or pass opts.blobReferences',
      );
    }
    let bf = this.blobFiles.get(bh.referenceId);
    if (bf === undefined) {
      const mod = this.blobModule;
      bf = resolve(bh.referenceId).then((r) => mod.openBlobFile(r));
      this.blobFiles.set(bh.referenceId, bf);
    }
    const v = await (await bf).readValue(bh);
    if (v.length !== bh.valueLength) {
      throw new DecodeError('blob', `blob value has ${v.length} bytes, its handle says ${bh.valueLength}`, undefined, at);
    }
    this.blobValues++;
    this.blobValueBytes += v.length;
    return v;
  }
}
