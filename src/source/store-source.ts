/**
 * A migration source over one `cockroach-data` store directory (docs/formats.md §7.2): the schema
 * from `system.descriptor`, sequence values from their KVs, comments from `system.comments` (when
 * its descriptor and rows exist), and table rows from the primary-index spans.
 * Config: `source: { type: "store", path }`.
 */
import type { Catalog, Table } from '../catalog/model.js';
import { buildCatalog, type NamespaceEntry } from '../catalog/build-catalog.js';
import { LEGACY_NAMESPACE_TABLE_ID, NAMESPACE_TABLE_ID, decodeDescriptorKV, decodeSequenceValue, descriptorSpan } from '../catalog/system-tables.js';
import { flattenBatches, type MVCCKeyValue, type Timestamp } from '../mvcc/types.js';
import type { DescriptorProto } from '../proto/descriptor.js';
import { countRows, decodeRowBatches, decodeRows, type Row } from '../rows/decode-rows.js';
import { concat, primaryIndexSpan, sequenceKey } from '../rows/row-key.js';
import { openStoreSource, type StoreSource } from '../store/store-source.js';
import { readSystemComments } from './system-comments.js';

export interface StoreMigrationSource {
  readonly catalog: Catalog;
  /** Descriptors as decoded (for diagnostics and `inspect`). */
  readonly descriptors: readonly DescriptorProto[];
  /** The store's warnings (absent files, stale MANIFEST, WAL damage, …). */
  readonly warnings: readonly string[];
  rows(table: Table): AsyncIterable<Row>;
  /** The same rows in arrays (never empty): one promise per batch. */
  rowBatches(table: Table): AsyncIterable<readonly Row[]>;
  /** Live rows of the table (family-0 KVs), without decoding values. */
  rowCount(table: Table): Promise<number>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Read as of this timestamp (default: newest). */
  readonly readAt?: Timestamp;
}

/** Opens a store directory and reads its schema. */
export async function openStore(dir: string, opts: OpenStoreOptions = {}): Promise<StoreMigrationSource> {
  const src = await openStoreSource(dir);
  try {
    return await storeMigrationSource(src, opts);
  } catch (e) {
    await src.close();
    throw e;
  }
}

function scan(src: StoreSource, span: [Uint8Array, Uint8Array], readAt: Timestamp | undefined): AsyncIterable<MVCCKeyValue> {
  return src.scan(span[0], span[1], readAt);
}

/** Builds the source over an opened MVCC store source. */
export async function storeMigrationSource(src: StoreSource, opts: OpenStoreOptions = {}): Promise<StoreMigrationSource> {
  const readAt = opts.readAt;
  const descriptors: DescriptorProto[] = [];
  for await (const kv of scan(src, descriptorSpan(), readAt)) {
    const d = decodeDescriptorKV(kv);
    if (d?.descriptor) descriptors.push(d.descriptor);
  }

  const sequenceValues = new Map<number, bigint>();
  for (const d of descriptors) {
    if (d.kind !== 'table' || !d.sequence_opts || d.state !== 0) continue;
    const k = sequenceKey(d.id);
    for await (const kv of src.scan(k, concat(k, Uint8Array.of(0)), readAt)) {
      if (kv.value.length >= 5) sequenceValues.set(d.id, decodeSequenceValue(kv.value));
    }
  }

  const sys = buildCatalog({ descriptors }, { includeSystem: true });
  const comments = await readSystemComments(sys, (start, end) => src.scan(start, end, readAt));

  // Names normally come from the descriptors; system.namespace is read only if one lacks its name.
  const namespace = descriptors.some((d) => d.name === '') ? await readNamespace(src, sys, readAt) : [];

  const catalog = buildCatalog({ descriptors, sequenceValues, comments, namespace });
  return {
    catalog,
    descriptors,
    warnings: src.store.warnings,
    rows: (table) => flattenBatches(decodeRowBatches(table, src.scanBatches(...primaryIndexSpan(table), readAt))),
    rowBatches: (table) => decodeRowBatches(table, src.scanBatches(...primaryIndexSpan(table), readAt)),
    rowCount: (table) => countRows(table, scan(src, primaryIndexSpan(table), readAt)),
    close: () => src.close(),
  };
}

/** Reads `system.namespace` (table 30, and the pre-20.1 table 2) with the store's own system descriptors. */
export async function readNamespace(src: StoreSource, sys: Catalog, readAt?: Timestamp): Promise<NamespaceEntry[]> {
  const namespace: NamespaceEntry[] = [];
  for (const nsId of [NAMESPACE_TABLE_ID, LEGACY_NAMESPACE_TABLE_ID]) {
    const nsTable = sys.tables.find((t) => t.id === nsId);
    if (!nsTable) continue;
    const idx = (n: string): number => nsTable.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase());
    const [pi, si, ni, ii] = [idx('parentID'), idx('parentSchemaID'), idx('name'), idx('id')];
    for await (const row of decodeRows(nsTable, scan(src, primaryIndexSpan(nsTable), readAt), { rowExistence: 'any' })) {
      const v = row.values;
      const int = (i: number): number => {
        const d = i >= 0 ? v[i] : null;
        return d && d.kind === 'int' ? Number(d.value) : 0;
      };
      const name = v[ni];
      if (name && name.kind === 'string') namespace.push({ parentId: int(pi), parentSchemaId: int(si), name: name.value, id: int(ii) });
    }
  }
  return namespace;
}
