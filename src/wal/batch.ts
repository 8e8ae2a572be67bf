import { ByteReader } from '../util/byte-reader.js';
import { DecodeError } from '../util/errors.js';
import { InternalKeyKind, type InternalKV, type RangeDeletion, type RangeKeySpan } from '../sst/types.js';
import { decodeRangeKeyValue } from '../sst/range-key.js';

/**
 * A write batch as stored in a WAL record (pebble `batchrepr`, rocksdb `WriteBatch`):
 *   seqNum (8 B LE) ‖ count (4 B LE) ‖ entries
 *   entry = kind (1 B) ‖ varstring key ‖ [varstring value]
 * Entry i (LogData excluded) has sequence number seqNum + i (docs/formats.md §6.10).
 * RocksDB column-family variants (kinds 4, 5, 6, 8, 14) carry a LEB128 column-family id first;
 * CockroachDB only ever used the default family (0), other families are skipped.
 */
export interface WalBatch {
  /** File offset of the record holding the batch. */
  readonly offset: number;
  readonly seqNum: bigint;
  /** The count stored in the header (entries that consume a sequence number). */
  readonly count: number;
  readonly points: InternalKV[];
  readonly rangeDeletions: RangeDeletion[];
  readonly rangeKeys: RangeKeySpan[];
  /** Entries that were read but not applied (ingest/excise markers, other column families). */
  readonly notes: string[];
}

export const BATCH_HEADER_SIZE = 12;

/** Decodes one batch. `base` is the file offset of the payload (errors are reported in file offsets only for single-chunk records). */
export function decodeBatch(payload: Uint8Array, offset = 0, file?: string): WalBatch {
  try {
    return decodeBatchInner(payload, offset);
  } catch (e) {
    if (e instanceof DecodeError && file !== undefined) throw e.inFile(file);
    throw e;
  }
}

function decodeBatchInner(payload: Uint8Array, offset: number): WalBatch {
  const r = new ByteReader(payload, 'wal', offset);
  if (payload.length < BATCH_HEADER_SIZE) r.fail(`batch of ${payload.length} bytes is shorter than its 12-byte header`);
  const seqNum = r.u64le();
  const count = r.u32le();
  const points: InternalKV[] = [];
  const rangeDeletions: RangeDeletion[] = [];
  const rangeKeys: RangeKeySpan[] = [];
  const notes: string[] = [];
  let i = 0;
  const str = (what: string): Uint8Array => r.bytesN(r.uvarint(), what);
  while (!r.done) {
    const at = r.pos;
    const kind = r.u8();
    const seq = seqNum + BigInt(i);
    switch (kind) {
      case InternalKeyKind.LogData:
        str('log data');
        continue; // LogData takes no sequence number and is not counted.
      case InternalKeyKind.Set:
      case InternalKeyKind.Merge:
      case InternalKeyKind.SetWithDelete: {
        const userKey = str('key');
        const value = str('value');
        points.push({ userKey, seqNum: seq, kind: kind === InternalKeyKind.SetWithDelete ? InternalKeyKind.Set : kind, value });
        break;
      }
      case InternalKeyKind.Delete:
      case InternalKeyKind.SingleDelete:
        points.push({ userKey: str('key'), seqNum: seq, kind, value: EMPTY });
        break;
      case InternalKeyKind.DeleteSized: {
        const userKey = str('key');
        str('deleted size');
        points.push({ userKey, seqNum: seq, kind: InternalKeyKind.Delete, value: EMPTY });
        break;
      }
      case InternalKeyKind.RangeDelete: {
        const start = str('range deletion start');
        rangeDeletions.push({ start, end: str('range deletion end'), seqNum: seq });
        break;
      }
      case InternalKeyKind.RangeKeySet:
      case InternalKeyKind.RangeKeyUnset:
      case InternalKeyKind.RangeKeyDelete: {
        const start = str('range key start');
        const valueAt = r.pos;
        const value = str('range key value');
        rangeKeys.push(...decodeRangeKeyValue(start, seq, kind, value, r.base + valueAt, 'wal'));
        break;
      }
      case InternalKeyKind.Excise: {
        const start = str('excise start');
        const end = str('excise end');
        rangeDeletions.push({ start, end, seqNum: seq });
        notes.push(`excise at offset ${r.base + at} applied as a range deletion`);
        break;
      }
      case InternalKeyKind.IngestSST:
        str('ingested table');
        notes.push(`flushable ingest at offset ${r.base + at} not applied (the ingested table is read from the MANIFEST if listed)`);
        break;
      case 25: // IngestSSTWithBlobs
        str('ingested table');
        str('blob files');
        notes.push(`flushable ingest at offset ${r.base + at} not applied`);
        break;
      // RocksDB column-family variants: cf id, then the same fields as the plain kind.
      case 4:
      case 5:
      case 6:
      case 8:
      case 14: {
        const cf = r.uvarint();
        const userKey = str('key');
        const value = kind === 5 || kind === 6 || kind === 14 ? str('value') : EMPTY;
        if (cf !== 0) {
          notes.push(`entry of column family ${cf} at offset ${r.base + at} skipped`);
          break;
        }
        if (kind === 14) rangeDeletions.push({ start: userKey, end: value, seqNum: seq });
        else {
          const plain =
            kind === 4
              ? InternalKeyKind.Delete
              : kind === 5
                ? InternalKeyKind.Set
                : kind === 6
                  ? InternalKeyKind.Merge
                  : InternalKeyKind.SingleDelete;
          points.push({ userKey, seqNum: seq, kind: plain, value });
        }
        break;
      }
      default:
        r.fail(`unsupported batch entry kind ${kind} (entry ${i} of batch at seqnum ${seqNum})`, at);
    }
    i++;
  }
  if (i !== count) {
    throw new DecodeError('wal', `batch at seqnum ${seqNum} declares ${count} entries but holds ${i}`, undefined, offset);
  }
  return { offset, seqNum, count, points, rangeDeletions, rangeKeys, notes };
}

const EMPTY = new Uint8Array(0);
