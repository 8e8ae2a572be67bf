/**
 * A BACKUP as a migration source: descriptors from the chain's manifests → Catalog, sequence
 * values from their KVs, rows decoded from the chain's data SSTs (newest version ≤ the read time
 * across the full backup and its incrementals).
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/keys.js';
import { descriptorsAt, readBackup, type OpenedBackup, type ReadBackupOptions } from '../backup/read-backup.js';
import type { Catalog } from '../model/catalog.js';
import { compareTimestamps } from '../mvcc/engine-key.js';
import { decodeDescriptor, type DescriptorProto } from '../proto/descriptor.js';
import { parseAsOf } from './as-of.js';
import { dumpTableLines } from './dump-table.js';
import type { Timestamp } from '../mvcc/types.js';
import { catalogFromKVs } from './catalog-from-kvs.js';
import type { MigrationSource, SourceIdentity, SourceRecipe } from './migration-source.js';
import { mvccTableRows } from './table-rows.js';
import { decodeUvarintAscendingNum } from '../encoding/ordered.js';
import { ByteReader } from '../util/byte-reader.js';

export function backupOptions(config: Config, subdir?: string): ReadBackupOptions {
  return {
    ...(subdir ? { subdir } : {}),
    ...(config.as_of ? { asOf: parseAsOf(config.as_of) } : {}),
    ...(config.locality_urls ? { localityUrls: config.locality_urls } : {}),
    ...(config.aws_access_key_id ? { awsAccessKeyId: config.aws_access_key_id } : {}),
    ...(config.aws_secret_access_key ? { awsSecretAccessKey: config.aws_secret_access_key } : {}),
    ...(config.aws_session_token ? { awsSessionToken: config.aws_session_token } : {}),
    ...(config.aws_keys_file ? { awsKeysFile: config.aws_keys_file } : {}),
    ...(config.aws_profile ? { awsProfile: config.aws_profile } : {}),
    ...(config.aws_region ? { region: config.aws_region } : {}),
    ...(config.aws_endpoint ? { endpoint: config.aws_endpoint } : {}),
    ...(config.gcs_endpoint ? { gcsEndpoint: config.gcs_endpoint } : {}),
    ...(config.gcs_credentials_file ? { gcsCredentialsFile: config.gcs_credentials_file } : {}),
    connectTimeoutMs: config.storage_connect_timeout_seconds * 1000,
    idleTimeoutMs: config.storage_idle_timeout_seconds * 1000,
    maxAttempts: config.storage_max_attempts,
    ...(config.encryption_passphrase ? { passphrase: config.encryption_passphrase } : {}),
    ...(config.encryption_data_key ? { dataKey: Uint8Array.from(Buffer.from(config.encryption_data_key, 'hex')) } : {}),
    ...(config.allow_missing_files ? { allowMissingFiles: true } : {}),
  };
}

/** Descriptor protos of an opened backup (undecodable ones are errors, never skipped silently). */
export function backupDescriptors(b: OpenedBackup): DescriptorProto[] {
  const out: DescriptorProto[] = [];
  for (const d of b.descriptors) {
    const proto = decodeDescriptor(d.bytes, `${b.name} descriptor ${d.id}`);
    if (proto) out.push(proto);
  }
  return out;
}

/**
 * The catalog the opened chain held at an earlier point `at` (a recorded sync point): descriptors
 * of the layers that start before it (those ending at or before it, and the revision-history layer
 * it falls inside, whose descriptor revisions up to `at` count), comments and sequence values read
 * as of it. Undefined when no layer starts before it.
 */
export async function catalogAtPoint(b: OpenedBackup, at: Timestamp): Promise<Catalog | undefined> {
  const layers = b.chain.filter((l) => compareTimestamps(l.manifest.startTime, at) < 0);
  if (layers.length === 0) return undefined;
  const descriptors: DescriptorProto[] = [];
  for (const d of descriptorsAt(layers, at)) {
    const proto = decodeDescriptor(d.bytes, `${b.name} descriptor ${d.id}`);
    if (proto) descriptors.push(proto);
  }
  return catalogFromKVs(descriptors, (start, end) => b.source.scan(start, end, at));
}

export async function sourceFromBackup(b: OpenedBackup, recipe?: SourceRecipe): Promise<MigrationSource> {
  const descriptors = backupDescriptors(b);
  // Full-cluster backups hold system.comments: COMMENT ON … carries over as it does from stores.
  const catalog = await catalogFromKVs(descriptors, (start, end) => b.source.scan(start, end, b.readAt));
  const layers = b.chain.length;
  return {
    description: `backup ${b.name}${b.fullDir ? `/${b.fullDir}` : ''} (${layers} layer${layers === 1 ? '' : 's'}${b.encrypted ? ', encrypted' : ''})`,
    kind: 'backup',
    catalog,
    warnings: b.missingFiles.map((f) => `${f}: listed by the backup's manifest but absent; its rows are missing (allow_missing_files)`),
    missingFiles: b.missingFiles,
    ...(recipe ? { recipe } : {}),
    identity: backupIdentity(b),
    syncPoint: { collection: b.name, fullDir: b.fullDir, endTime: b.readAt },
    ...backupSizes(b),
    ...mvccTableRows(b.source, b.readAt),
    close: () => b.close(),
  };
}

export async function openBackupMigrationSource(url: string, config: Config, subdir?: string): Promise<MigrationSource> {
  const options = backupOptions(config, subdir);
  const b = await readBackup(url, { ...options, keepAnswers: true });
  try {
    // Workers reopen exactly this chain: the resolved full backup and the chosen read time, from
    // the manifests and listings read here (a worker's open makes no request).
    const { subdir: _resolvedBelow, ...rest } = options;
    const pinned = {
      ...rest,
      ...(b.fullDir ? { subdir: b.fullDir } : {}),
      asOf: b.readAt,
      knownMissingFiles: b.missingFiles,
      ...(b.answers ? { answered: b.answers } : {}),
    };
    return await sourceFromBackup(b, { kind: 'backup', url, options: pinned });
  } catch (e) {
    await b.close();
    throw e;
  }
}

const hlc = (t: Timestamp): string => `${t.wallTime}.${String(t.logical).padStart(10, '0')}`;

/**
 * A backup's identity: the resolved full backup, the read time, and a digest of what the chain's
 * manifests say (each layer's folder, manifest file, time span, data files with their spans and
 * counts, descriptors). From the manifests already read: no data file is opened.
 */
export function backupIdentity(b: OpenedBackup): SourceIdentity {
  const h = createHash('sha256');
  for (const layer of b.chain) {
    const m = layer.manifest;
    h.update(`layer ${layer.dir} ${layer.manifestName} ${hlc(m.startTime)} ${hlc(m.endTime)} ${layer.files.length}\n`);
    for (const f of layer.files) {
      h.update(
        `${f.path} ${Buffer.from(f.span.key).toString('hex')} ${Buffer.from(f.span.endKey).toString('hex')} ${f.entryCounts.rows} ${f.entryCounts.dataSize}\n`,
      );
    }
  }
  for (const d of b.descriptors) h.update(`descriptor ${d.id} `).update(d.bytes);
  const digest = h.digest('hex').slice(0, 16);
  const readAt = hlc(b.readAt);
  const at = b.fullDir ? `${b.name}/${b.fullDir}` : b.name;
  return {
    key: `backup ${b.fullDir || '.'} ${readAt} ${digest}`,
    text: `backup ${at} (read as of ${isoOf(b.readAt)}, manifests sha256 ${digest})`,
    pin: `${b.fullDir ? `source.backup "${b.fullDir}", ` : ''}as_of "${readAt}"`,
  };
}

/** Rows and data bytes the manifests of the chain record per table id (all layers; not exact after incrementals). */
function manifestTableCounts(b: OpenedBackup): Map<number, { rows: bigint; bytes: bigint }> {
  const counts = new Map<number, { rows: bigint; bytes: bigint }>();
  for (const layer of b.chain) {
    for (const f of layer.files) {
      const id = tableIdOfKey(f.span.key);
      if (id === undefined) continue;
      const c = counts.get(id) ?? { rows: 0n, bytes: 0n };
      c.rows += BigInt(f.entryCounts.rows);
      c.bytes += BigInt(f.entryCounts.dataSize);
      counts.set(id, c);
    }
  }
  return counts;
}

/** Data bytes to read, in all and per table (for scheduling the loads), and rows per table (for ETAs). */
function backupSizes(b: OpenedBackup): { dataBytes: number; tableBytes: Map<number, number>; tableRows: Map<number, number> } {
  let dataBytes = 0;
  for (const layer of b.chain) for (const f of layer.files) dataBytes += Number(f.entryCounts.dataSize);
  const counts = [...manifestTableCounts(b)];
  const tableBytes = new Map(counts.map(([id, c]) => [id, Number(c.bytes)]));
  const tableRows = new Map(counts.map(([id, c]) => [id, Number(c.rows)]));
  return { dataBytes, tableBytes, tableRows };
}

const isoOf = (t: Timestamp): string => {
  const ms = Number(t.wallTime / 1_000_000n);
  return `${new Date(ms).toISOString()}${t.logical ? ` (logical ${t.logical})` : ''}`;
};

/**
 * `inspect` for a backup: the chain (full + incrementals with their times and manifest kind), then
 * per database the tables with the row and byte counts the manifests record (exact live row
 * counts need a scan: `--dump TABLE` prints rows).
 */
export async function* inspectBackupLines(
  url: string,
  config: Config,
  opts: { dump?: string; limit: number; warn?: (message: string) => void },
): AsyncIterable<string> {
  // inspect shows a damaged backup rather than refusing it: absent data files are named first.
  const b = await readBackup(url, { ...backupOptions(config), allowMissingFiles: true });
  try {
    const source = await sourceFromBackup(b);
    const catalog = source.catalog;
    for (const w of source.warnings) opts.warn?.(w);
    if (opts.dump !== undefined) {
      yield* dumpTableLines(source, opts.dump, opts.limit);
      return;
    }
    yield `backup: ${b.name}${b.fullDir ? `/${b.fullDir}` : ''}${b.encrypted ? ' (encrypted)' : ''}`;
    yield `read as of: ${isoOf(b.readAt)}`;
    for (const [i, layer] of b.chain.entries()) {
      const m = layer.manifest;
      yield `layer ${i} ${i === 0 ? 'full' : 'incremental'}: ${layer.dir || '.'} [${layer.manifestName}${m.buildTag ? `, written by ${m.buildTag}` : ''}] ${m.startTime.wallTime === 0n ? 'from the beginning' : `from ${isoOf(m.startTime)}`} to ${isoOf(m.endTime)}${m.mvccFilter === 1 ? ', revision history' : ''}; ${layer.files.length} data file spans`;
    }
    const counts = manifestTableCounts(b);
    for (const db of catalog.databases) {
      const tables = catalog.tables.filter((t) => t.database === db.name);
      if (tables.length === 0 && !catalog.sequences.some((s) => s.database === db.name)) continue;
      yield `database ${db.name}`;
      for (const t of tables) {
        const c = counts.get(t.id);
        yield `  table ${t.schema}.${t.name} (id ${t.id}): ${t.columns.filter((x) => !x.hidden).length} columns${c ? `, ${c.rows} rows and ${c.bytes} bytes written to the backup (all layers)` : ''}`;
      }
      for (const s of catalog.sequences.filter((x) => x.database === db.name))
        yield `  sequence ${s.schema}.${s.name}: current value ${s.currentValue ?? 'unknown'}`;
      for (const v of catalog.views.filter((x) => x.database === db.name)) yield `  view ${v.schema}.${v.name}`;
      for (const ty of catalog.types.filter((x) => x.database === db.name)) yield `  type ${ty.schema}.${ty.name} (${ty.kind})`;
    }
  } finally {
    await b.close();
  }
}

/** The table id of a system-tenant table key (`/Table/<id>/…`; a span key may end after the id), if the key is one. */
function tableIdOfKey(key: Uint8Array): number | undefined {
  const b = key[0];
  if (b === undefined || b < 0x88 || b > 0xfd) return undefined;
  try {
    return decodeUvarintAscendingNum(new ByteReader(key, 'key'));
  } catch {
    return undefined; // truncated: not a table key
  }
}
