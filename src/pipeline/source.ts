/**
 * A migration source, whatever it reads: the schema (Catalog) and, per table, its rows in
 * primary-key order, resumable after a given row key. Backups and store directories both reduce
 * to "catalog + MVCC key-values", so rows are decoded the same way for both.
 */
import type { Catalog, Table } from '../catalog/model.js';
import type { MVCCSource, Timestamp } from '../mvcc/types.js';
import { decodeRows, type Row } from '../rows/decode-rows.js';
import { primaryIndexSpan } from '../rows/row-key.js';
import { storeMigrationSource } from '../source/store-source.js';
import { openStoreSource } from '../store/store-source.js';
import { ConfigError } from '../util/errors.js';
import type { Config } from '../config/keys.js';

export interface MigrationSource {
  /** What was read, for logs and reports (no credentials). */
  readonly description: string;
  readonly kind: 'backup' | 'store';
  readonly catalog: Catalog;
  /** Notes for the report (stale MANIFEST adopted, missing files, …). */
  readonly warnings: readonly string[];
  /** Rows of a table in primary-key order; with `resumeAfter`, strictly after that row key. */
  rows(table: Table, resumeAfter?: Uint8Array): AsyncIterable<Row>;
  close(): Promise<void>;
}

/** The smallest key greater than every key that has `prefix` as a prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0xff, 0xff);
}

/** Rows of `table` from an MVCC source, optionally resuming after a row key. */
export function rowsFrom(
  mvcc: MVCCSource,
  table: Table,
  opts: { resumeAfter?: Uint8Array; readAt?: Timestamp; tenantPrefix?: Uint8Array },
): AsyncIterable<Row> {
  const [start, end] = primaryIndexSpan(table, opts.tenantPrefix);
  // A row key is the row prefix without its family suffix; every KV of that row has it as prefix.
  const from = opts.resumeAfter ? prefixEnd(opts.resumeAfter) : start;
  return decodeRows(table, mvcc.scan(from, end, opts.readAt), opts.tenantPrefix ? { tenantPrefix: opts.tenantPrefix } : {});
}

export async function openStoreMigrationSource(dir: string): Promise<MigrationSource> {
  const mvcc = await openStoreSource(dir);
  try {
    const s = await storeMigrationSource(mvcc);
    return {
      description: `store directory ${dir}`,
      kind: 'store',
      catalog: s.catalog,
      warnings: mvcc.store.warnings,
      rows: (table, resumeAfter) => rowsFrom(mvcc, table, resumeAfter ? { resumeAfter } : {}),
      close: () => s.close(),
    };
  } catch (e) {
    await mvcc.close();
    throw e;
  }
}

/** Opens the source the configuration names (source key, else s3_backup_path). */
export async function openSource(config: Config): Promise<MigrationSource> {
  const src = config.source ?? (config.s3_backup_path ? { type: 'backup' as const, url: config.s3_backup_path } : undefined);
  if (!src) {
    throw new ConfigError('no source configured', 'set s3_backup_path (a backup URL) or source: {"type": "store", "path": "cockroach-data"}');
  }
  switch (src.type) {
    case 'store':
      return openStoreMigrationSource(src.path);
    case 'backup': {
      const { openBackupMigrationSource } = await import('./backup-source.js');
      return openBackupMigrationSource(src.url, config, src.backup);
    }
    case 'cluster':
      throw new ConfigError(
        'source type "cluster" (a running CockroachDB) is not available in this version',
        'take a BACKUP and use source type "backup", or copy the store directory and use type "store"',
      );
    case 'restore':
      throw new ConfigError(
        'source type "restore" (restoring with a cockroach binary) is not available in this version',
        'the native backup reader (source type "backup") reads the same backup without CockroachDB',
      );
  }
}
