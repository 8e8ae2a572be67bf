import { newReader, readMessage, subEnd } from './proto-wire.js';

/** Which union member a `sql.sqlbase.Descriptor` holds (docs/formats.md §3.1). */
export type DescriptorKind = 'table' | 'database' | 'type' | 'schema' | 'function' | 'unknown';

export interface DescriptorHead {
  readonly id: number;
  readonly kind: DescriptorKind;
  readonly name: string;
  /** Parent database ID (0 for databases). */
  readonly parentId: number;
  /** TableDescriptor.state: 0 PUBLIC, 1 ADD, 2 DROP, 3 OFFLINE (0 for other kinds). */
  readonly state: number;
  /** Tables only: a sequence (sequence_opts present) or a view (view_query non-empty). */
  readonly isSequence: boolean;
  readonly isView: boolean;
}

const KINDS: Record<number, DescriptorKind> = { 1: 'table', 2: 'database', 3: 'type', 4: 'schema', 5: 'function' };
/** Field numbers of (name, id, parent_id, state) inside each union member. */
const FIELDS: Record<DescriptorKind, { name: number; id: number; parent: number; state: number }> = {
  table: { name: 1, id: 3, parent: 4, state: 19 },
  database: { name: 1, id: 2, parent: -1, state: 8 },
  type: { name: 3, id: 4, parent: 1, state: 13 },
  schema: { name: 2, id: 3, parent: 1, state: 8 },
  function: { name: 1, id: 2, parent: 3, state: 16 },
  unknown: { name: -1, id: -1, parent: -1, state: -1 },
};

/**
 * The identifying fields of a descriptor, enough for the backup layer (ID, kind, name, parent,
 * DROP state) and for `inspect`; the full decode belongs to `catalog/`. Pure.
 */
export function decodeDescriptorHead(bytes: Uint8Array): DescriptorHead {
  const r = newReader(bytes);
  let head: DescriptorHead = { id: 0, kind: 'unknown', name: '', parentId: 0, state: 0, isSequence: false, isView: false };
  readMessage(r, r.len, (no, wt) => {
    const kind = KINDS[no];
    if (!kind || wt !== 2) return void r.skipType(wt);
    const f = FIELDS[kind];
    const end = subEnd(r);
    let id = 0;
    let name = '';
    let parentId = 0;
    let state = 0;
    let isSequence = false;
    let isView = false;
    readMessage(r, end, (n2, w2) => {
      if (n2 === f.name && w2 === 2) name = r.string();
      else if (n2 === f.id && w2 === 0) id = r.uint32();
      else if (n2 === f.parent && w2 === 0) parentId = r.uint32();
      else if (n2 === f.state && w2 === 0) state = r.int32();
      else if (kind === 'table' && n2 === 28 && w2 === 2) {
        isSequence = true;
        r.skipType(w2);
      } else if (kind === 'table' && n2 === 24 && w2 === 2) isView = r.string().length > 0;
      else r.skipType(w2);
    });
    head = { id, kind, name, parentId, state, isSequence, isView };
  });
  return head;
}
