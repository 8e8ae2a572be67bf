/**
 * A `cockroach-data` store directory as a migration source (docs/formats.md §7.2): descriptors
 * from `system.descriptor`, the rest of the catalog from KVs (`catalog-from-kvs.ts`), and table
 * rows from the primary-index spans, newest version per key (or as of `readAt`).
 * Config: `source: { type: "store", path }`.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeDescriptorKV, descriptorSpan } from '../catalog/system-tables.js';
import type { Table } from '../model/catalog.js';
import type { Timestamp } from '../mvcc/types.js';
import type { Store } from '../pebble/open-store.js';
import { missingStoreFiles } from '../pebble/missing-files.js';
import { openStoreSource } from '../pebble/store-mvcc.js';
import type { DescriptorProto } from '../proto/descriptor.js';
import { countRows } from '../rows/decode-rows.js';
import { primaryIndexSpan } from '../encoding/row-key.js';
import { catalogFromKVs, type ScanSpan } from './catalog-from-kvs.js';
import type { MigrationSource, SourceIdentity } from './migration-source.js';
import { mvccTableRows } from './table-rows.js';

export interface StoreMigrationSource extends MigrationSource {
  readonly kind: 'store';
  /** Descriptors as decoded (for diagnostics and `inspect`). */
  readonly descriptors: readonly DescriptorProto[];
  /** Live rows of the table (family-0 KVs), without decoding values. */
  rowCount(table: Table): Promise<number>;
}

export interface OpenStoreOptions {
  /** Read as of this timestamp (default: newest). */
  readonly readAt?: Timestamp;
}

/** Opens a store directory and reads its schema. */
export async function openStore(dir: string, opts: OpenStoreOptions = {}): Promise<StoreMigrationSource> {
  const mvcc = await openStoreSource(dir);
  try {
    const readAt = opts.readAt;
    const scan: ScanSpan = (start, end) => mvcc.scan(start, end, readAt);
    const descriptors = await readDescriptors(scan);
    return {
      description: `store directory ${dir}`,
      kind: 'store',
      catalog: await catalogFromKVs(descriptors, scan),
      descriptors,
      warnings: mvcc.store.warnings,
      missingFiles: missingStoreFiles(mvcc.store)
        .filter((f) => f.holdsTableData)
        .map((f) => f.path),
      recipe: { kind: 'store', dir },
      identity: await storeIdentity(mvcc.store),
      dataBytes: await storeDataBytes(dir),
      ...mvccTableRows(mvcc, readAt),
      rowCount: (table) => countRows(table, scan(...primaryIndexSpan(table))),
      close: () => mvcc.close(),
    };
  } catch (e) {
    await mvcc.close();
    throw e;
  }
}

async function readDescriptors(scan: ScanSpan): Promise<DescriptorProto[]> {
  const descriptors: DescriptorProto[] = [];
  for await (const kv of scan(...descriptorSpan())) {
    const d = decodeDescriptorKV(kv);
    if (d?.descriptor) descriptors.push(d.descriptor);
  }
  return descriptors;
}

/**
 * A store's identity: its MANIFEST and the live file set it resolved to (SSTs with level and
 * sequence range, blob files, WALs), each with its size. Pebble never reuses a file number, so a
 * store that went on writing (or another node's store) gives another key.
 */
async function storeIdentity(store: Store): Promise<SourceIdentity> {
  const size = async (p: string): Promise<string> => String((await stat(p).catch(() => undefined))?.size ?? 'absent');
  const files: string[] = [];
  for (const t of store.tables)
    files.push(`sst ${basename(t.path)} L${t.level} seq ${t.smallestSeqNum ?? '?'}-${t.largestSeqNum ?? '?'} ${await size(t.path)}`);
  for (const b of store.blobFiles) files.push(`blob ${basename(b.path)} ${await size(b.path)}`);
  for (const w of store.wals)
    files.push(`wal ${basename(w.path)} ${w.replayed ? `${w.batches} batches ${w.entries} entries` : 'flushed'} ${await size(w.path)}`);
  files.sort();
  const manifest = store.manifestPath ? basename(store.manifestPath) : 'no MANIFEST';
  const digest = createHash('sha256')
    .update(`${manifest}\n${files.join('\n')}`)
    .digest('hex')
    .slice(0, 16);
  return {
    key: `store ${manifest} ${digest}`,
    text: `store directory ${store.dir} (${manifest}, ${files.length} live files, sha256 ${digest})`,
  };
}

/** Bytes of a store directory's SST, WAL and blob files. */
async function storeDataBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) {
    if (/\.(sst|log|blob)$/.test(f)) n += (await stat(join(dir, f)).catch(() => ({ size: 0 }))).size;
  }
  return n;
}
