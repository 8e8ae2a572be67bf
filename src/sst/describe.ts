import type { RangeReader } from '../storage/range-reader.js';
import { printableBytes } from '../util/bytes.js';
import { openSst } from './reader.js';
import { InternalKeyKind, type BlobHandleInfo, type OpenSstOptions } from './types.js';

export interface DescribeSstOptions extends OpenSstOptions {
  /** Print at most this many point keys (default 20; 0 prints none; Infinity prints all). */
  readonly limit?: number;
  /** Renders a user (engine) key; defaults to `printableBytes`. */
  readonly formatKey?: (k: Uint8Array) => string;
}

/** Pebble's name of a key kind (`pebble: internal/base/internal.go`), e.g. "SET". */
export function kindName(kind: number): string {
  switch (kind) {
    case InternalKeyKind.Delete:
      return 'DEL';
    case InternalKeyKind.Set:
      return 'SET';
    case InternalKeyKind.Merge:
      return 'MERGE';
    case InternalKeyKind.LogData:
      return 'LOGDATA';
    case InternalKeyKind.SingleDelete:
      return 'SINGLEDEL';
    case InternalKeyKind.RangeDelete:
      return 'RANGEDEL';
    case InternalKeyKind.Separator:
      return 'SEPARATOR';
    case InternalKeyKind.SetWithDelete:
      return 'SETWITHDEL';
    case InternalKeyKind.RangeKeyDelete:
      return 'RANGEKEYDEL';
    case InternalKeyKind.RangeKeyUnset:
      return 'RANGEKEYUNSET';
    case InternalKeyKind.RangeKeySet:
      return 'RANGEKEYSET';
    case InternalKeyKind.IngestSST:
      return 'INGESTSST';
    case InternalKeyKind.DeleteSized:
      return 'DELSIZED';
    case InternalKeyKind.Excise:
      return 'EXCISE';
    default:
      return `KIND(${kind})`;
  }
}

/**
 * Human-readable description of an SSTable, one line at a time (for `cockroach-migrate debug sst`):
 * file, format and table format version, checksum type, compression, meta blocks, every
 * property, then point keys (kind, seqNum, key, value length), range deletions and range keys.
 */
export async function* describeSst(reader: RangeReader, opts: DescribeSstOptions = {}): AsyncIterable<string> {
  const limit = opts.limit ?? 20;
  const fmt = opts.formatKey ?? ((k: Uint8Array) => printableBytes(k));
  // Without a blob-reference resolver, show where separated values live instead of failing.
  const blobRefs = new WeakMap<Uint8Array, BlobHandleInfo>();
  const sst = await openSst(reader, {
    ...opts,
    unresolvedBlobValue:
      opts.unresolvedBlobValue ??
      ((h) => {
        const v = new Uint8Array(0);
        blobRefs.set(v, h);
        return v;
      }),
  });
  try {
    const info = sst.info;
    yield `file: ${info.file} (${await reader.size()} bytes)`;
    yield `format: ${info.format} (table format version ${info.tableFormatVersion})`;
    yield `checksum: ${info.checksumType}`;
    if (sst.metaBlockNames) yield `meta blocks: ${sst.metaBlockNames().join(', ')}`;
    yield `properties (${info.properties.size}):`;
    for (const [k, v] of info.properties) yield `  ${k} = ${typeof v === 'bigint' ? v.toString() : v}`;
    let shown = 0;
    if (limit > 0) {
      yield 'keys:';
      for await (const kv of sst.entries()) {
        if (shown < limit) {
          shown++;
          const blob = blobRefs.get(kv.value);
          const value =
            blob === undefined
              ? `value ${kv.value.length} bytes`
              : `value ${blob.valueLength} bytes in blob reference ${blob.referenceId}, block ${blob.blockId}, value ${blob.valueId}`;
          yield `  ${kindName(kv.kind)} #${kv.seqNum} ${fmt(kv.userKey)} (${value})`;
        } else if (!Number.isFinite(limit)) {
          continue;
        } else {
          break;
        }
      }
      if (info.numEntries !== undefined && shown < Number(info.numEntries)) yield `  … (${shown} of ${info.numEntries} entries shown)`;
    }
    for await (const rd of sst.rangeDeletions()) yield `range deletion #${rd.seqNum} [${fmt(rd.start)}, ${fmt(rd.end)})`;
    for await (const rk of sst.rangeKeys()) {
      yield `range key ${kindName(rk.kind)} #${rk.seqNum} [${fmt(rk.start)}, ${fmt(rk.end)}) suffix ${printableBytes(rk.suffix)} (value ${rk.value.length} bytes)`;
    }
    yield `compression: ${info.compression}`;
  } finally {
    await sst.close();
  }
}
