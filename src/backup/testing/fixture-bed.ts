/**
 * What the backup tests share: where the fixtures and the stores they were built from live, the
 * stores as ground truth (extract, MVCC source, layer end times), and a recursive file listing for
 * uploading fixtures to the loopback S3 server.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Timestamp } from '../../mvcc/types.js';
import { openStoreDir } from '../../pebble/open-store.js';
import { storeSource, type StoreSource } from '../../pebble/store-mvcc.js';
import { planFor } from './build-collection.js';
import { extractStore, type StoreExtract } from './store-extract.js';

const repo = new URL('../../../', import.meta.url).pathname;
export const CRDB_STORES_DIR = join(repo, '..', 'shared', 'fixtures', 'crdb-stores');
export const BACKUP_FIXTURES_DIR = join(repo, 'test', 'fixtures', 'backups');

/** Store → number of incremental layers its fixtures get (scripts/make-backup-fixtures.ts builds from this). */
export const FIXTURE_STORES: Readonly<Record<string, number>> = { 'emails-v2.1.4': 1, 'recipes-v2.1.0': 2 };

export interface StoreTruth {
  readonly ex: StoreExtract;
  readonly src: StoreSource;
  /** End time of each layer of the store's fixture chains. */
  readonly ends: readonly Timestamp[];
  readonly tableIds: number[];
}

/** Every fixture store opened as ground truth (close each `src` when done). */
export async function loadStoreTruths(): Promise<Map<string, StoreTruth>> {
  const truth = new Map<string, StoreTruth>();
  for (const [name, incs] of Object.entries(FIXTURE_STORES)) {
    const ex = await extractStore(join(CRDB_STORES_DIR, name), name);
    const src = await storeSource(await openStoreDir(join(CRDB_STORES_DIR, name)));
    truth.set(name, { ex, src, ends: planFor(ex, incs).ends, tableIds: ex.tables.map((t) => t.id) });
  }
  return truth;
}

/** All files below `dir`, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
