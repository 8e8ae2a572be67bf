/**
 * The catalog of a source from its key-values: descriptors (a store reads them from
 * `system.descriptor`, a backup from its manifests) plus what only KVs hold — sequence values,
 * `system.comments`, and `system.namespace` names for descriptors that carry none. Stores and
 * backups share this, so both read the same schema from the same bytes.
 */
import { buildCatalog, type NamespaceEntry, type RawComment } from '../catalog/build-catalog.js';
import { COMMENTS_TABLE_ID, LEGACY_NAMESPACE_TABLE_ID, NAMESPACE_TABLE_ID, decodeSequenceValue } from '../catalog/system-tables.js';
import type { Catalog } from '../model/catalog.js';
import type { MVCCKeyValue } from '../mvcc/types.js';
import type { DescriptorProto } from '../proto/descriptor.js';
import { decodeRows } from '../rows/decode-rows.js';
import { primaryIndexSpan, sequenceKey } from '../encoding/row-key.js';
import { concatBytes } from '../util/bytes.js';

/** Reads one key span as of the migration's read time. */
export type ScanSpan = (start: Uint8Array, end: Uint8Array) => AsyncIterable<MVCCKeyValue>;

/** Builds the user catalog from `descriptors` and the KVs `scan` reads. */
export async function catalogFromKVs(descriptors: readonly DescriptorProto[], scan: ScanSpan): Promise<Catalog> {
  const sequenceValues = await readSequenceValues(descriptors, scan);
  // The source's own system descriptors decode its system tables (their layout changed over versions).
  const sys = buildCatalog({ descriptors }, { includeSystem: true });
  const comments = await readSystemComments(sys, scan);
  // Names normally come from the descriptors; system.namespace is read only if one lacks its name.
  const namespace = descriptors.some((d) => d.name === '') ? await readNamespace(sys, scan) : [];
  return buildCatalog({ descriptors, sequenceValues, comments, namespace });
}

/** Current values of the public sequences (their single KV at `/Table/<id>/1/0/0`). */
export async function readSequenceValues(descriptors: readonly DescriptorProto[], scan: ScanSpan): Promise<Map<number, bigint>> {
  const values = new Map<number, bigint>();
  for (const d of descriptors) {
    if (d.kind !== 'table' || !d.sequence_opts || d.state !== 0) continue;
    const k = sequenceKey(d.id);
    for await (const kv of scan(k, concatBytes([k, Uint8Array.of(0)]))) {
      if (kv.value.length >= 5) values.set(d.id, decodeSequenceValue(kv.value));
    }
  }
  return values;
}

/**
 * `system.comments` (table 24: type, object_id, sub_id, comment) → the raw rows the catalog
 * resolves, decoded with the source's own descriptor in `sys`. Stores and full-cluster backups hold
 * this table; database and table backups do not (their manifests carry no system descriptors).
 */
export async function readSystemComments(sys: Catalog, scan: ScanSpan): Promise<RawComment[]> {
  const comments: RawComment[] = [];
  const table = sys.tables.find((t) => t.id === COMMENTS_TABLE_ID);
  if (!table) return comments;
  const idx = (n: string): number => table.columns.findIndex((c) => c.name === n);
  const [ti, oi, si, ci] = [idx('type'), idx('object_id'), idx('sub_id'), idx('comment')];
  for await (const row of decodeRows(table, scan(...primaryIndexSpan(table)), { rowExistence: 'any' })) {
    const v = row.values;
    const int = (i: number): number => {
      const d = v[i];
      return d && d.kind === 'int' ? Number(d.value) : -1;
    };
    const c = v[ci];
    if (c && c.kind === 'string') comments.push({ type: int(ti), objectId: int(oi), subId: int(si), text: c.value });
  }
  return comments;
}

/** Reads `system.namespace` (table 30, and the pre-20.1 table 2) with the source's own system descriptors in `sys`. */
export async function readNamespace(sys: Catalog, scan: ScanSpan): Promise<NamespaceEntry[]> {
  const namespace: NamespaceEntry[] = [];
  for (const nsId of [NAMESPACE_TABLE_ID, LEGACY_NAMESPACE_TABLE_ID]) {
    const nsTable = sys.tables.find((t) => t.id === nsId);
    if (!nsTable) continue;
    const idx = (n: string): number => nsTable.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase());
    const [pi, si, ni, ii] = [idx('parentID'), idx('parentSchemaID'), idx('name'), idx('id')];
    for await (const row of decodeRows(nsTable, scan(...primaryIndexSpan(nsTable)), { rowExistence: 'any' })) {
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
