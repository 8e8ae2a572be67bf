import { CONFIG_KEYS, type ConfigKey, type KeyDef } from './keys.js';

/**
 * The commented sample written by `--create-config`: every key of the original tool's template
 * with its meaning, plus the new keys commented out. It is JSON with comments, which
 * `readConfigFile` accepts (plain JSON configs of the original tool work unchanged).
 */
export function renderSampleConfig(): string {
  const lines: string[] = [
    '// cockroach-migrate configuration. JSON with comments; every key is optional unless said.',
    '// Full reference: README.md "Configuration". Secrets may also come from the environment',
    '// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, PGPASSWORD, …) instead of this file.',
    '{',
  ];
  const keys = Object.keys(CONFIG_KEYS) as ConfigKey[];
  const active = keys.filter((k) => (CONFIG_KEYS[k] as KeyDef).sample !== undefined);
  const optional = keys.filter((k) => (CONFIG_KEYS[k] as KeyDef).sample === undefined);
  active.forEach((k, i) => {
    const def: KeyDef = CONFIG_KEYS[k];
    lines.push(`  // ${def.description}${def.env ? ` (env: ${def.env.join(', ')})` : ''}`);
    lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(def.sample)}${i < active.length - 1 ? ',' : ''}`);
  });
  lines.push('', '  // More keys (remove the // to use one; add a comma after the line above):');
  for (const k of optional) {
    const def: KeyDef = CONFIG_KEYS[k];
    const example = k === 'source' ? { type: 'backup', url: 's3://your-bucket/your-backup-path' } : (def.default ?? '');
    lines.push(`  // ${JSON.stringify(k)}: ${JSON.stringify(example)}   — ${def.description}`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
