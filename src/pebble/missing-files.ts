import type { StoreTable } from './open-store.js';

/**
 * First byte of every SQL table key: `/Table/0` encodes as 0x88 (`keys.TableDataMin`,
 * docs/formats.md §4.1), and tenant keys (0xfe) sort above it. Keys below it are range-local,
 * meta and system keys (`/Local`, `/Meta1`, `/Meta2`, `/System`): never a row of any table,
 * descriptors and namespace included.
 */
const TABLE_DATA_MIN = 0x88;

/**
 * Whether a table can hold SQL rows, judged from the bounds the MANIFEST records for it: only a
 * table whose largest key lies below `/Table/` provably holds none. Without bounds: it may.
 */
export function mayHoldTableData(t: Pick<StoreTable, 'largest'>): boolean {
  const first = t.largest?.userKey[0];
  return first === undefined || first >= TABLE_DATA_MIN;
}

/** A file the store's MANIFEST lists that is absent from the directory. */
export interface MissingStoreFile {
  readonly path: string;
  /** False when its recorded key range lies entirely below `/Table/` (no row of any table is lost). */
  readonly holdsTableData: boolean;
}

/** Listed tables and blob files that are absent (blob files always hold row values). */
export function missingStoreFiles(store: {
  readonly tables: readonly StoreTable[];
  readonly blobFiles: readonly { path: string; present: boolean }[];
}): MissingStoreFile[] {
  return [
    ...store.tables.filter((t) => t.listed && !t.present).map((t) => ({ path: t.path, holdsTableData: mayHoldTableData(t) })),
    ...store.blobFiles.filter((b) => !b.present).map((b) => ({ path: b.path, holdsTableData: true })),
  ];
}
