import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { nearest } from '../util/nearest.js';
import { CONFIG_KEYS, SECRET_KEYS, type Config, type ConfigKey, type KeyDef } from './keys.js';
import { connectionStringKeys, ConnectionStringError } from './connection-string.js';

export interface LoadedConfig {
  readonly config: Config;
  /** Non-fatal findings (unknown keys), one line each. */
  readonly warnings: readonly string[];
  /** Values that must never be printed (passwords, keys, tokens). */
  readonly secrets: readonly string[];
  /** Which file the config came from, if any. */
  readonly path?: string;
}

const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];
const isKey = (k: string): k is ConfigKey => Object.hasOwn(CONFIG_KEYS, k);

function describeValue(key: ConfigKey, value: unknown): string {
  if (SECRET_KEYS.includes(key)) return '(secret value)';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int' || issue.expected === 'number') return 'expected a whole number';
      if (issue.expected === 'array') return 'expected a list (JSON array), e.g. ["a", "b"]';
      if (issue.expected === 'object') return 'expected an object ({…})';
      return `expected a ${issue.expected}`;
    case 'too_small':
      return `expected a number ≥ ${String(issue.minimum)}`;
    case 'too_big':
      return `expected a number ≤ ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'expected {"type": "backup"|"store"|"cluster"|"restore", …} with the fields of that type';
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** Validates one key; returns the parsed value or an error line naming key, value and expectation. */
function validateKey(key: ConfigKey, value: unknown, origin: string): { ok: true; value: unknown } | { ok: false; line: string } {
  const def: KeyDef = CONFIG_KEYS[key];
  const r = def.schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? `${key}.${issue.path.join('.')}` : key;
  return { ok: false, line: `${origin}: key "${where}" has value ${describeValue(key, value)}; ${expectation(issue)}` };
}

/** A relative path, not a URL: "cockroach-data", "./certs", "../backups/b1" (not "s3://…", "", "system"). */
const isRelativePath = (v: unknown): v is string =>
  typeof v === 'string' && v !== '' && v !== 'system' && !isAbsolute(v) && !/^[a-z][a-z0-9+.-]*:/i.test(v);

/** A path key's relative value from a config file, made relative to the file's folder (as a user reads it). */
function relativeToFile(key: ConfigKey, value: unknown, base: string): unknown {
  if (!(CONFIG_KEYS[key] as KeyDef).path) return value;
  if (key === 'source' && typeof value === 'object' && value !== null) {
    const src = value as Record<string, unknown>;
    const field = src.type === 'store' ? 'path' : src.type === 'backup' ? 'url' : undefined;
    return field && isRelativePath(src[field]) ? { ...src, [field]: resolve(base, src[field]) } : value;
  }
  return isRelativePath(value) ? resolve(base, value) : value;
}

/** Reads a JSON (comments allowed) config file; a missing file or bad JSON is a ConfigError. */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) {
    throw new ConfigError(
      `Configuration file not found: ${path}`,
      'create one with `cockroach-migrate --create-config`, or pass --config PATH',
    );
  }
  const text = readFileSync(path, 'utf8');
  const errors: ParseError[] = [];
  const data: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const e = errors[0]!;
    const before = text.slice(0, e.offset);
    const line = before.split('\n').length;
    const col = e.offset - before.lastIndexOf('\n');
    throw new ConfigError(
      `Invalid JSON in configuration file ${path}: ${printParseErrorCode(e.error)} at line ${line}, column ${col}`,
      'fix the syntax there (// comments and trailing commas are allowed; keys and strings take "double quotes"), or write a fresh sample with `cockroach-migrate --create-config --force`',
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(
      `Invalid configuration file ${path}: expected a JSON object at the top level`,
      'write the keys inside { … }, as `cockroach-migrate --create-config` does',
    );
  }
  return data as Record<string, unknown>;
}

/**
 * Builds the configuration: defaults < environment variables < config file < command-line flags.
 * Every invalid value is reported as its own line; unknown keys are warnings with the nearest key.
 */
export function resolveConfig(input: {
  file?: Record<string, unknown>;
  path?: string;
  flags?: Partial<Record<ConfigKey, unknown>>;
  env?: NodeJS.ProcessEnv;
}): LoadedConfig {
  const warnings: string[] = [];
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const env = input.env ?? {};
  const origin = input.path ?? 'config';

  for (const key of KEY_NAMES) {
    const def: KeyDef = CONFIG_KEYS[key];
    if ('default' in def) values[key] = def.default;
    for (const name of def.env ?? []) {
      const v = env[name];
      if (v !== undefined && v !== '') {
        const r = validateKey(key, v, `environment variable ${name}`);
        if (r.ok) values[key] = r.value;
        else problems.push(r.line);
        break;
      }
    }
  }
  for (const [key, value] of Object.entries(input.file ?? {})) {
    if (!isKey(key)) {
      // Keys starting with "_" or "//" are treated as comments, as in many JSON config conventions.
      if (key.startsWith('_') || key.startsWith('//')) continue;
      const guess = nearest(key, KEY_NAMES);
      warnings.push(`${origin}: unknown key "${key}" ignored${guess ? `; did you mean "${guess}"?` : ''}`);
      continue;
    }
    if (value === null) continue;
    const r = validateKey(key, input.path !== undefined ? relativeToFile(key, value, dirname(input.path)) : value, origin);
    if (r.ok) values[key] = r.value;
    else problems.push(r.line);
  }
  let urlOrigin = origin;
  for (const [key, value] of Object.entries(input.flags ?? {})) {
    if (value === undefined || !isKey(key)) continue;
    const r = validateKey(key, value, 'command line');
    if (r.ok) values[key] = r.value;
    else problems.push(r.line);
    if (key === 'postgres_url') urlOrigin = 'command line --target';
  }
  if (typeof values.postgres_url === 'string') problems.push(...expandConnectionString(values, values.postgres_url, urlOrigin));
  if (problems.length > 0) {
    // Unknown keys are often the typo behind an error elsewhere: keep their warnings with the error.
    throw Object.assign(new ConfigError(problems.join('\n')), { warnings });
  }

  const secrets = SECRET_KEYS.map((k) => values[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);
  return { config: values as Config, warnings, secrets, ...(input.path ? { path: input.path } : {}) };
}

/**
 * Sets the postgres_* keys from postgres_url (a libpq URI or keyword/value string); what the
 * string names wins over the separate keys, as its parameters would in libpq. Returns error lines.
 */
function expandConnectionString(values: Record<string, unknown>, text: string, origin: string): string[] {
  const where = `${origin}: key "postgres_url"`;
  let keys: Partial<Record<ConfigKey, string>>;
  try {
    keys = connectionStringKeys(text);
  } catch (e) {
    if (e instanceof ConnectionStringError) return [`${where} ${e.message}`];
    throw e;
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(keys) as [ConfigKey, string][]) {
    const r = validateKey(key, value, `${origin} (postgres_url)`);
    if (r.ok) values[key] = r.value;
    else problems.push(r.line);
  }
  return problems;
}

/** The unknown-key warnings carried by a ConfigError from resolveConfig (none for other errors). */
export function configWarningsOf(e: unknown): readonly string[] {
  const w = (e as { warnings?: unknown } | null)?.warnings;
  return e instanceof ConfigError && Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/** readConfigFile + resolveConfig with process.env. */
export function loadConfig(path: string, flags: Partial<Record<ConfigKey, unknown>> = {}, env = process.env): LoadedConfig {
  return resolveConfig({ file: readConfigFile(path), path, flags, env });
}
