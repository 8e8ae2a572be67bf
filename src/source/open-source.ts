/**
 * Opens the source a configuration names: a backup (any storage backend) or a store directory.
 */
import type { Config } from '../config/keys.js';
import { ConfigError, MigrateError } from '../util/errors.js';
import { missingFilesError } from '../util/missing-files.js';
import type { MigrationSource } from './migration-source.js';
import { openStore } from './store.js';

/**
 * Opens the source the configuration names (source key, else s3_backup_path), and refuses one that
 * holds nothing to read: no descriptors at all, or listed data files absent (unless the config
 * opts in with allow_missing_files).
 */
export async function openSource(config: Config): Promise<MigrationSource> {
  const source = await openConfiguredSource(config);
  try {
    if (source.missingFiles?.length && !config.allow_missing_files) {
      throw missingFilesError(
        source.missingFiles,
        source.kind === 'store' ? "the store's MANIFEST" : "the backup's manifest",
        source.kind === 'store' ? 'cockroach-data directory' : 'backup folder, data/ included',
      );
    }
    if (source.catalog.databases.length === 0 && source.catalog.tables.length === 0) {
      throw new MigrateError(
        `${source.description} holds no CockroachDB descriptors (not even the system database's)`,
        source.kind === 'store'
          ? 'pass the cockroach-data directory of a CockroachDB node'
          : 'point at the backup collection or backup folder the BACKUP statement wrote',
      );
    }
    return source;
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** The source the configuration names: `source`, else a backup at `s3_backup_path` (the original tool's key). */
export function configuredSource(config: Config): Config['source'] {
  return config.source ?? (config.s3_backup_path ? { type: 'backup', url: config.s3_backup_path } : undefined);
}

async function openConfiguredSource(config: Config): Promise<MigrationSource> {
  const src = configuredSource(config);
  if (!src) {
    throw new ConfigError(
      'no source configured',
      'set s3_backup_path (a backup URL) or source: {"type": "store", "path": "cockroach-data"}',
    );
  }
  switch (src.type) {
    case 'store':
      return openStore(src.path);
    case 'backup': {
      const { openBackupMigrationSource } = await import('./backup.js');
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
