/**
 * A BACKUP as a migration source: descriptors from the chain's manifests → Catalog, sequence
 * values from their KVs, rows decoded from the chain's data SSTs (newest version ≤ the read time
 * across the full backup and its incrementals).
 */
import { buildCatalog } from '../catalog/build-catalog.js';
import { decodeSequenceValue } from '../catalog/system-tables.js';
import type { Config } from '../config/keys.js';
import { readBackup, type OpenedBackup, type ReadBackupOptions } from '../backup/read-backup.js';
import { decodeDescriptor, type DescriptorProto } from '../proto/descriptor.js';
import { concat, sequenceKey } from '../rows/row-key.js';
import { parseAsOf } from './as-of.js';
import { rowsFrom, type MigrationSource } from './source.js';

export function backupOptions(config: Config, subdir?: string): ReadBackupOptions {
  return {
    ...(subdir ? { subdir } : {}),
    ...(config.as_of ? { asOf: parseAsOf(config.as_of) } : {}),
    ...(config.aws_access_key_id ? { awsAccessKeyId: config.aws_access_key_id } : {}),
    ...(config.aws_secret_access_key ? { awsSecretAccessKey: config.aws_secret_access_key } : {}),
    ...(config.aws_session_token ? { awsSessionToken: config.aws_session_token } : {}),
    ...(config.aws_keys_file ? { awsKeysFile: config.aws_keys_file } : {}),
    ...(config.aws_profile ? { awsProfile: config.aws_profile } : {}),
    ...(config.aws_region ? { region: config.aws_region } : {}),
    ...(config.aws_endpoint ? { endpoint: config.aws_endpoint } : {}),
    ...(config.encryption_passphrase ? { passphrase: config.encryption_passphrase } : {}),
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

export async function sourceFromBackup(b: OpenedBackup): Promise<MigrationSource> {
  const descriptors = backupDescriptors(b);
  const sequenceValues = new Map<number, bigint>();
  for (const d of descriptors) {
    if (d.kind !== 'table' || !d.sequence_opts || d.state !== 0) continue;
    const k = sequenceKey(d.id);
    for await (const kv of b.source.scan(k, concat(k, Uint8Array.of(0)), b.readAt)) {
      if (kv.value.length >= 5) sequenceValues.set(d.id, decodeSequenceValue(kv.value));
    }
  }
  const catalog = buildCatalog({ descriptors, sequenceValues });
  const layers = b.chain.length;
  return {
    description: `backup ${b.name}${b.fullDir ? `/${b.fullDir}` : ''} (${layers} layer${layers === 1 ? '' : 's'}${b.encrypted ? ', encrypted' : ''})`,
    kind: 'backup',
    catalog,
    warnings: [],
    rows: (table, resumeAfter) => rowsFrom(b.source, table, { readAt: b.readAt, ...(resumeAfter ? { resumeAfter } : {}) }),
    close: () => b.close(),
  };
}

export async function openBackupMigrationSource(url: string, config: Config, subdir?: string): Promise<MigrationSource> {
  const b = await readBackup(url, backupOptions(config, subdir));
  try {
    return await sourceFromBackup(b);
  } catch (e) {
    await b.close();
    throw e;
  }
}

export async function* inspectBackupLines(url: string, config: Config, opts: { dump?: string; limit: number }): AsyncIterable<string> {
  const { inspectBackup } = await import('../backup/inspect.js');
  yield* inspectBackup(url, { ...backupOptions(config), ...opts });
}
