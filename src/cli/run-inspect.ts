/** `cockroach-migrate inspect [location] [--store DIR] [--dump TABLE]`. */
import type { LoadedConfig } from '../config/load-config.js';
import { ConfigError } from '../util/errors.js';
import { inspectStore } from '../source/inspect-store.js';

export interface InspectRequest {
  readonly location?: string;
  readonly store?: string;
  readonly dump?: string;
  readonly limit: number;
  /** Where the source's warnings go (absent files, stale MANIFEST, …). */
  readonly warn: (message: string) => void;
}

export async function* inspectLines(loaded: LoadedConfig, req: InspectRequest): AsyncIterable<string> {
  const cfg = loaded.config;
  const storeDir = req.store ?? (cfg.source?.type === 'store' ? cfg.source.path : undefined);
  if (storeDir && !req.location) {
    yield* inspectStore(storeDir, { ...(req.dump ? { dump: req.dump } : {}), limit: req.limit, warn: req.warn });
    return;
  }
  const url = req.location ?? (cfg.source?.type === 'backup' ? cfg.source.url : cfg.s3_backup_path);
  if (!url) {
    throw new ConfigError(
      'inspect needs a backup location or --store DIR',
      'e.g. cockroach-migrate inspect s3://bucket/path or cockroach-migrate inspect --store ./cockroach-data',
    );
  }
  const { inspectBackupLines } = await import('../source/backup.js');
  yield* inspectBackupLines(url, cfg, { ...(req.dump ? { dump: req.dump } : {}), limit: req.limit, warn: req.warn });
}
