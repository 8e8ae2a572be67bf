/** `cockroach-migrate debug …`: readable dumps of SSTs, WALs and store MANIFESTs. */
import { basename } from 'node:path';
import { prettyKey } from '../encoding/pretty-key.js';
import { decodeEngineKey } from '../mvcc/engine-key.js';
import { localFileReader } from '../storage/local-file.js';
import { describeSst, kindName } from '../sst/describe.js';
import { openStoreDir } from '../pebble/open-store.js';
import { printableBytes } from '../util/bytes.js';
import { readWalFile, walLogNumber } from '../pebble/wal-file.js';

/** Engine key → `/Table/53/1/5/0 @1500000000.000000001,2`, falling back to printable bytes. */
export function formatEngineKey(key: Uint8Array): string {
  try {
    const k = decodeEngineKey(key);
    const v = k.version;
    const suffix =
      v.kind === 'mvcc'
        ? ` @${v.timestamp.wallTime}${v.timestamp.logical ? `,${v.timestamp.logical}` : ''}`
        : v.kind === 'lock'
          ? ' (lock)'
          : '';
    return `${prettyKey(k.key)}${suffix}`;
  } catch {
    return printableBytes(key);
  }
}

const limitOf = (n: number): number => (n < 0 || !Number.isFinite(n) ? Infinity : n);

export async function* debugSstLines(file: string, limit: number): AsyncIterable<string> {
  yield* describeSst(localFileReader(file), { limit: limitOf(limit), formatKey: formatEngineKey });
}

export async function* debugWalLines(file: string, limit: number): AsyncIterable<string> {
  const logNumber = walLogNumber(basename(file)) ?? 0;
  const wal = await readWalFile(localFileReader(file), logNumber);
  yield `file: ${file}`;
  yield `log number: ${logNumber}`;
  yield `batches: ${wal.batches.length}`;
  for (const w of wal.warnings) yield `warning: ${w}`;
  let shown = 0;
  const max = limitOf(limit);
  for (const b of wal.batches) {
    if (shown >= max) break;
    yield `batch seq=${b.seqNum} count=${b.count}`;
    for (const kv of b.points) {
      if (shown++ >= max) break;
      yield `  ${kindName(kv.kind)} #${kv.seqNum} ${formatEngineKey(kv.userKey)} (${kv.value.length} bytes)`;
    }
    for (const d of b.rangeDeletions) yield `  RANGEDEL #${d.seqNum} [${formatEngineKey(d.start)}, ${formatEngineKey(d.end)})`;
  }
}

export async function* debugStoreLines(dir: string): AsyncIterable<string> {
  const store = await openStoreDir(dir);
  try {
    yield `store: ${dir}`;
    yield `engine: ${store.flavor}`;
    if (store.manifestPath) yield `manifest: ${store.manifestPath}`;
    yield `min log number: ${store.minLogNumber}`;
    for (const t of store.tables) {
      yield `table ${basename(t.path)} level ${t.level < 0 ? 'unlisted' : `L${t.level}`}${t.present ? '' : ' (missing)'}${
        t.smallestSeqNum !== undefined ? ` seq ${t.smallestSeqNum}–${t.largestSeqNum}` : ''
      }${t.blobReferences.length ? ` blob refs ${t.blobReferences.length}` : ''}`;
    }
    for (const b of store.blobFiles) yield `blob file ${basename(b.path)} id ${b.fileID}${b.present ? '' : ' (missing)'}`;
    for (const w of store.wals)
      yield `wal ${basename(w.path)} log ${w.logNumber} ${w.replayed ? 'replayed' : 'flushed'} (${w.batches} batches, ${w.entries} entries)`;
    for (const w of store.warnings) yield `warning: ${w}`;
  } finally {
    await store.close();
  }
}
