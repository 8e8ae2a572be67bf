import type { ManifestFlavor } from './version-edit.js';

/**
 * Which files of a store directory matter (pebble `open.go` / `version_set.go`, rocksdb
 * `DBImpl::Recover`; docs/formats.md §6.9). Pure: works on a directory listing plus the small
 * CURRENT/OPTIONS texts, so it can be tested without a file system.
 */
export interface StoreListing {
  /** Name of the live MANIFEST, or undefined when the directory has none. */
  readonly manifest?: string;
  /** How the MANIFEST was found. */
  readonly manifestVia?: 'marker' | 'CURRENT' | 'newest-manifest';
  readonly flavor: ManifestFlavor;
  readonly tables: ReadonlyMap<bigint, string>;
  readonly blobs: ReadonlyMap<bigint, string>;
  readonly logs: ReadonlyMap<bigint, string>;
  readonly warnings: readonly string[];
}

const MARKER = /^marker\.manifest\.(\d+)\.(.+)$/;
const NUMBERED = /^(\d+)\.(sst|blob|log)$/;
const MANIFEST = /^MANIFEST-(\d+)$/;

/**
 * @param names    directory entry names
 * @param current  text of CURRENT, if present
 * @param options  concatenated text of OPTIONS-* files, if any
 */
export function locateStoreFiles(names: readonly string[], current?: string, options?: string): StoreListing {
  const warnings: string[] = [];
  const tables = new Map<bigint, string>();
  const blobs = new Map<bigint, string>();
  const logs = new Map<bigint, string>();
  const manifests: string[] = [];
  let marker: { iter: bigint; value: string } | undefined;
  for (const n of names) {
    const m = NUMBERED.exec(n);
    if (m) {
      const num = BigInt(m[1]!);
      (m[2] === 'sst' ? tables : m[2] === 'blob' ? blobs : logs).set(num, n);
      continue;
    }
    const mk = MARKER.exec(n);
    if (mk) {
      const iter = BigInt(mk[1]!);
      if (!marker || iter > marker.iter) marker = { iter, value: mk[2]! };
      continue;
    }
    if (MANIFEST.test(n)) manifests.push(n);
  }
  const has = new Set(names);
  const pebbleHints = marker !== undefined || has.has('STORAGE_MIN_VERSION') || /pebble_version=/.test(options ?? '');
  const flavor: ManifestFlavor = pebbleHints ? 'pebble' : /rocksdb_version=/.test(options ?? '') ? 'rocksdb' : 'pebble';

  let manifest: string | undefined;
  let manifestVia: StoreListing['manifestVia'];
  const fromCurrent = current?.trim();
  if (marker && has.has(marker.value)) {
    manifest = marker.value;
    manifestVia = 'marker';
    // Pebble reads only the marker once it has one and leaves CURRENT as it was (MANIFEST-000000 on
    // the fixtures): a CURRENT naming another MANIFEST is normal there, nothing to warn about.
  } else if (fromCurrent && has.has(fromCurrent)) {
    manifest = fromCurrent;
    manifestVia = 'CURRENT';
  } else if (manifests.length > 0) {
    manifest = manifests.sort((a, b) => (BigInt(a.slice(9)) < BigInt(b.slice(9)) ? -1 : 1)).at(-1)!;
    manifestVia = 'newest-manifest';
    warnings.push(`neither CURRENT nor a manifest marker names an existing MANIFEST; using the newest one, ${manifest}`);
  }
  return {
    ...(manifest !== undefined ? { manifest, manifestVia } : {}),
    flavor,
    tables,
    blobs,
    logs,
    warnings,
  };
}
