import { allInOrder } from '../util/all-in-order.js';
import type { Storage } from '../storage/storage.js';
import { joinPath, readIfPresent } from '../storage/storage.js';
import { MigrateError } from '../util/errors.js';
import { compareTimestamps } from '../mvcc/engine-key.js';
import { ZERO_TIMESTAMP, type Timestamp } from '../mvcc/types.js';
import { MANIFEST_NAMES, type BackupLayer } from './read-manifest.js';
import { MVCCFilter } from './manifest.js';

/**
 * Collection layout (docs/formats.md §1.1, §1.2, §1.4; `crdb: pkg/backup/backupdest`):
 * LATEST resolution, full-backup discovery, incremental discovery in both locations, and the
 * chain-selection rules of `ValidateEndTimeAndTruncate`.
 */
export const LATEST_FILE = 'LATEST';
export const LATEST_HISTORY_DIR = 'metadata/latest/';
export const INCREMENTALS_DIR = 'incrementals';
const FULL_RE = /^\/?[^/]+\/[^/]+\/[^/]+\/(BACKUP_MANIFEST|BACKUP_METADATA|BACKUP)$/;

const strip = (s: string): string => s.replace(/^\/+/, '').replace(/\/+$/, '');

/**
 * `FindLatestFile`: the first name under `metadata/latest/` (names sort newest first), else the
 * root `LATEST`. Returns the full-backup subdirectory it names, or undefined when there is none.
 */
export async function resolveLatest(storage: Storage): Promise<string | undefined> {
  // Both places read at once (one round trip on object storage); the history wins when it has a name.
  const [listed, latest] = await Promise.all([storage.list(LATEST_HISTORY_DIR), readIfPresent(storage, LATEST_FILE)]);
  const first = listed.filter((n) => n !== LATEST_HISTORY_DIR && !n.endsWith('/'))[0];
  if (first !== undefined) return strip(new TextDecoder().decode(await storage.readAll(first)).trim());
  if (latest) return strip(new TextDecoder().decode(latest).trim());
  return undefined;
}

/** Full backups of a collection (`backupPathRE` on a listing with delimiter `data/`), oldest first. */
export async function listFullBackups(storage: Storage): Promise<string[]> {
  const subdirs = new Set<string>();
  for (const n of await storage.list('', { delimiter: 'data/' })) {
    if (n.startsWith(`${INCREMENTALS_DIR}/`) || n.startsWith('metadata/')) continue;
    const m = FULL_RE.exec(n);
    if (m) subdirs.add(strip(n.slice(0, n.length - m[1]!.length)));
  }
  return [...subdirs].sort();
}

const INC_MANIFEST_RE = /^([0-9]+)\/([0-9]+\.[0-9][0-9](?:-[0-9]+-[0-9]+\.[0-9][0-9])?)\/(BACKUP_METADATA|BACKUP_MANIFEST|BACKUP)$/;

/**
 * Incremental layer directories of the full backup at `fullDir`: `<fullDir>/YYYYMMDD/HHMMSS.cc[-start]/`
 * (pre-22.1) and `incrementals/<fullDir>/…` (22.1+), found like `FindPriorBackups`: one listing with
 * delimiter `data/`, keeping directories that hold a manifest. Sorted lexicographically, which
 * orders them by end time then start time.
 */
export async function listIncrementals(storage: Storage, fullDir: string): Promise<string[]> {
  const roots = fullDir === '' ? [''] : [fullDir, joinPath(INCREMENTALS_DIR, fullDir)];
  // Both locations listed at once (a round trip each on object storage).
  const found = await allInOrder(
    roots.map(async (root) => {
      const p = root === '' ? '' : `${root}/`;
      const layers = new Set<string>();
      for (const n of await storage.list(p, { delimiter: 'data/' })) {
        const m = INC_MANIFEST_RE.exec(n.slice(p.length));
        if (m) layers.add(`${p}${m[1]}/${m[2]}`);
      }
      return [...layers].sort();
    }),
  );
  const nonEmpty = found.filter((l) => l.length > 0);
  if (nonEmpty.length > 1) {
    throw new MigrateError(
      `incremental backups of ${fullDir} exist both in ${fullDir}/ and in ${INCREMENTALS_DIR}/${fullDir}/`,
      'CockroachDB refuses such a collection too; remove the stray copy',
    );
  }
  return nonEmpty[0] ?? [];
}

export const isFullSubdirName = (s: string): boolean => FULL_RE.test(`${strip(s)}/${MANIFEST_NAMES[1]}`);

const fmt = (t: Timestamp): string => formatTimestamp(t);

/** `2024-05-01 12:00:00.123456789 UTC (1714564800123456789.0000000000)`-style text. */
export function formatTimestamp(t: Timestamp): string {
  if (t.wallTime === 0n && t.logical === 0) return '0';
  const ms = t.wallTime / 1_000_000n;
  const ns = t.wallTime % 1_000_000_000n;
  const d = new Date(Number(ms))
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
  return `${d}.${ns.toString().padStart(9, '0')} UTC`;
}

/**
 * Chain selection (`ValidateEndTimeAndTruncate`, `elideDuplicateEndTimes`, the parent walk and
 * `validateContinuity`; docs/formats.md §1.4). `layers[0]` is the full backup. Returns the layers to
 * read for time `asOf` (default: the newest end time) and the effective read time.
 */
export function selectChain(layers: readonly BackupLayer[], asOf?: Timestamp): { layers: BackupLayer[]; readAt: Timestamp } {
  if (layers.length === 0) throw new MigrateError('no backup layers found', 'point at a backup collection or backup directory');
  // Among equal end times keep the first (earliest start: a compacted layer supersedes what it merged).
  const dedup: BackupLayer[] = [];
  for (const l of layers) {
    if (dedup.some((d) => compareTimestamps(d.manifest.endTime, l.manifest.endTime) === 0)) continue;
    dedup.push(l);
  }
  const readAt = asOf ?? dedup[dedup.length - 1]!.manifest.endTime;
  let cut = -1;
  for (let i = 0; i < dedup.length; i++) {
    const m = dedup[i]!.manifest;
    if (compareTimestamps(readAt, m.endTime) === 0) {
      cut = i;
      break;
    }
    if (compareTimestamps(readAt, m.endTime) < 0) {
      const inside = compareTimestamps(m.startTime, readAt) < 0 || (i === 0 && compareTimestamps(readAt, m.endTime) < 0);
      if (!inside) break;
      if (m.mvccFilter !== MVCCFilter.All) {
        throw new MigrateError(
          `--as-of ${fmt(readAt)} falls inside backup layer ${dedup[i]!.dir || '/'} (${fmt(m.startTime)} .. ${fmt(m.endTime)}) which has no revision history`,
          `choose one of the layer end times: ${dedup.map((l) => fmt(l.manifest.endTime)).join(', ')}`,
        );
      }
      if (compareTimestamps(readAt, m.revisionStartTime) < 0 && compareTimestamps(m.revisionStartTime, ZERO_TIMESTAMP) !== 0) {
        throw new MigrateError(
          `--as-of ${fmt(readAt)} is before the revision history of ${dedup[i]!.dir || '/'} starts (${fmt(m.revisionStartTime)})`,
          'choose a later time',
        );
      }
      cut = i;
      break;
    }
  }
  if (cut < 0) {
    throw new MigrateError(
      `no backup in this chain covers --as-of ${fmt(readAt)}`,
      `the chain covers ${fmt(dedup[0]!.manifest.startTime)} .. ${fmt(dedup[dedup.length - 1]!.manifest.endTime)}`,
    );
  }
  const truncated = dedup.slice(0, cut + 1);
  // Walk back from the last layer through start == previous end, dropping skipped layers.
  const chain: BackupLayer[] = [truncated[truncated.length - 1]!];
  for (let i = truncated.length - 2; i >= 0; i--) {
    const next = chain[0]!;
    if (compareTimestamps(truncated[i]!.manifest.endTime, next.manifest.startTime) === 0) chain.unshift(truncated[i]!);
  }
  if (chain[0] !== truncated[0]) {
    throw new MigrateError(
      `backup chain is broken: no layer ends at ${fmt(chain[0]!.manifest.startTime)} (the start of ${chain[0]!.dir})`,
      'an incremental layer is missing; restore from a complete collection',
    );
  }
  return { layers: chain, readAt };
}
