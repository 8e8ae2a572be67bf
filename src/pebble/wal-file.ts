import type { RangeReader } from '../storage/range-reader.js';
import { readAll } from '../storage/range-reader.js';
import { readLogRecords } from '../wal/record-reader.js';
import { decodeBatch, type WalBatch } from '../wal/batch.js';

/** A decoded WAL: its batches in log order plus anything worth telling the user. */
export interface WalContents {
  readonly file: string;
  readonly logNumber: number;
  readonly batches: WalBatch[];
  readonly warnings: string[];
}

/** Parses a WAL file name such as `000017.log` into its log number, or undefined. */
export function walLogNumber(name: string): number | undefined {
  const m = /^(\d+)\.log$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Reads a whole WAL (bounded by the memtable size) and decodes every batch. */
export async function readWalFile(reader: RangeReader, logNumber: number): Promise<WalContents> {
  const bytes = await readAll(reader);
  return decodeWal(bytes, reader.name, logNumber);
}

/** Pure: decodes WAL bytes into batches (checksums always verified). */
export function decodeWal(bytes: Uint8Array, file: string, logNumber: number): WalContents {
  const warnings: string[] = [];
  const batches: WalBatch[] = [];
  for (const rec of readLogRecords(bytes, {
    file,
    logNumber,
    onWarning: (d, o) => warnings.push(`${file} at offset ${o}: ${d}`),
  })) {
    const b = decodeBatch(rec.payload, rec.offset, file);
    for (const n of b.notes) warnings.push(`${file}: ${n}`);
    batches.push(b);
  }
  return { file, logNumber, batches, warnings };
}
