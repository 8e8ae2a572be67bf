/**
 * The checks that take seconds and would otherwise fail a run after hours: the target is reachable
 * (TLS as configured), the login works, the user may create what the migration creates (databases,
 * schemas, objects in existing schemas), nothing the migration creates exists already (tables,
 * types, sequences) unless `--if-exists` says what to do, and the temporary directory is writable.
 * `migrate` runs them before the test instance; `cockroach-migrate check` runs them and prints the
 * plan. Each problem is one line naming the thing and the fix.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/keys.js';
import { convertSchema, type ConvertedDatabase, type ConvertedSchema } from '../ddl/convert-schema.js';
import { decisionText } from '../ddl/decision.js';
import { needsAttention } from '../report/model.js';
import { LoadError, isConfigError, isMigrateError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { quoteIdent } from '../util/sql-quote.js';
import { STATE_SCHEMA } from '../load/state-schema.js';
import { IF_EXISTS_FIX, describeConflicts, findConflicts, hasConflicts } from './if-exists.js';
import { convertOptionsOf } from './convert-options.js';
import { connectTo, targetServer, type PgServer } from './pg-target.js';
import { readRecordedRun } from './run-state.js';
import type { MigrationSource } from '../source/migration-source.js';
import { openSource } from '../source/open-source.js';
import { placeDatabases } from './target-database.js';
import { selectTables } from './table-selection.js';
import { bytesText, estimateTime, type SizeOfRun } from './estimate.js';

/** A preflight does not wait for a server that does not answer. */
export const PREFLIGHT_CONNECT_TIMEOUT_MS = 5_000;

const SKIPPED_DATABASES = new Set(['system']);

export const isEmptyDatabase = (db: ConvertedDatabase): boolean =>
  db.tables.length === 0 && db.preData.length === 0 && db.postData.length === 0;

/**
 * The CockroachDB databases this run migrates (config `databases`, else every non-empty user
 * database), each placed in its PostgreSQL database (target-database.ts).
 */
export function selectDatabases(converted: ConvertedSchema, config: Config, logger: Pick<Logger, 'info'>): ConvertedDatabase[] {
  const wanted = config.databases ? new Set(config.databases) : undefined;
  const selected = converted.databases.filter((d) => {
    if (SKIPPED_DATABASES.has(d.crdbName)) return false;
    if (wanted) return wanted.has(d.crdbName);
    if (isEmptyDatabase(d)) {
      logger.info(`database ${d.crdbName} has no objects; not created`);
      return false;
    }
    return true;
  });
  for (const w of wanted ?? []) {
    if (!converted.databases.some((d) => d.crdbName === w)) {
      const known = converted.databases.filter((d) => !SKIPPED_DATABASES.has(d.crdbName)).map((d) => d.crdbName);
      throw new LoadError(
        `database "${w}" (config databases) is not in the source`,
        `the source holds ${known.join(', ') || 'no user database'}; fix the databases key`,
      );
    }
  }
  return placeDatabases(selected, config, logger);
}

export interface TargetCheck {
  /** One line each: what is wrong and the fix. Empty = the target is ready. */
  readonly problems: string[];
  /** What the run will do there (databases created, existing objects and --if-exists, resumes). */
  readonly notes: string[];
}

/** Connects (short timeout) and checks login, privileges and conflicts for every database of the run. */
export async function checkTarget(
  server: PgServer,
  dbs: readonly ConvertedDatabase[],
  config: Pick<Config, 'if_exists' | 'database_mapping'>,
): Promise<TargetCheck> {
  const problems: string[] = [];
  const notes: string[] = [];
  const connect = (db: string) => connectTo(server, db, { connectTimeoutMs: PREFLIGHT_CONNECT_TIMEOUT_MS });
  let present: Set<string>;
  let user: string;
  let mayCreateDb: boolean;
  try {
    const admin = await connect(server.maintenanceDb);
    try {
      const r = await admin.query<{ u: string; createdb: boolean }>(
        `SELECT current_user AS u, (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) AS createdb`,
      );
      user = r.rows[0]!.u;
      mayCreateDb = r.rows[0]!.createdb;
      const d = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [
        dbs.map((x) => x.pgName),
      ]);
      present = new Set(d.rows.map((x) => x.datname));
    } finally {
      await admin.end();
    }
  } catch (e) {
    if (!isMigrateError(e)) throw e;
    return { problems: [e.message], notes };
  }
  const byPgName = new Map<string, ConvertedDatabase[]>();
  for (const db of dbs) byPgName.set(db.pgName, [...(byPgName.get(db.pgName) ?? []), db]);
  for (const [pgName, group] of byPgName) {
    const where = `${server.label} database "${pgName}"`;
    if (!present.has(pgName)) {
      if (mayCreateDb) notes.push(`${where}: will be created`);
      else
        problems.push(
          `${where} does not exist and user "${user}" may not create databases; create it (CREATE DATABASE ${quoteIdent(pgName)} OWNER ${quoteIdent(user)}) or grant the right (ALTER ROLE ${quoteIdent(user)} CREATEDB)`,
        );
      continue;
    }
    const client = await connect(pgName);
    try {
      problems.push(...(await privilegeProblems(client, where, user, group)));
      for (const db of group) {
        if ((await readRecordedRun(client, db.crdbName)) !== undefined) {
          notes.push(`${where}: an interrupted run of ${db.crdbName} left its state here; it is resumed`);
          continue;
        }
        const conflicts = await findConflicts(client, db);
        if (!hasConflicts(conflicts)) continue;
        const found = `${where} already has ${describeConflicts(conflicts)}`;
        if (config.if_exists === 'error') problems.push(`${found}; ${IF_EXISTS_FIX}`);
        else if (config.if_exists === 'drop' && config.database_mapping === 'database' && pgName !== server.maintenanceDb)
          notes.push(`${found}: the database is dropped and created again (--if-exists drop)`);
        else notes.push(`${found}: --if-exists ${config.if_exists}`);
      }
    } finally {
      await client.end();
    }
  }
  return { problems, notes };
}

/** CREATE on the database (for new schemas and the resume-state schema) and on each existing schema the migration fills. */
async function privilegeProblems(
  client: import('pg').ClientBase,
  where: string,
  user: string,
  group: readonly ConvertedDatabase[],
): Promise<string[]> {
  const schemas = [...new Set(group.flatMap((d) => d.schemas))];
  const r = await client.query<{ n: string; ok: boolean }>(
    `SELECT nspname AS n, has_schema_privilege(oid, 'CREATE') AS ok FROM pg_namespace WHERE nspname = ANY($1::text[])`,
    [[...schemas, STATE_SCHEMA]],
  );
  const existing = new Map(r.rows.map((x) => [x.n, x.ok]));
  const problems: string[] = [];
  const toCreate = [...schemas, STATE_SCHEMA].filter((s) => !existing.has(s));
  if (toCreate.length > 0) {
    const db = await client.query<{ ok: boolean; d: string }>(
      `SELECT has_database_privilege(current_database(), 'CREATE') AS ok, current_database() AS d`,
    );
    if (!db.rows[0]!.ok)
      problems.push(
        `${where}: user "${user}" may not create schemas (${toCreate.join(', ')}) there; GRANT CREATE ON DATABASE ${quoteIdent(db.rows[0]!.d)} TO ${quoteIdent(user)}, or connect as the database's owner`,
      );
  }
  for (const s of schemas) {
    if (existing.get(s) === false)
      problems.push(
        `${where}: user "${user}" may not create tables, types or sequences in schema ${s} (PostgreSQL 15 and later no longer let every user create in public); GRANT CREATE ON SCHEMA ${quoteIdent(s)} TO ${quoteIdent(user)}, or connect as the database's owner`,
      );
  }
  return problems;
}

/** The temporary PostgreSQL and temporary files need a writable temp_dir. */
export async function checkTempDir(config: Pick<Config, 'temp_dir'>): Promise<string | undefined> {
  const base = config.temp_dir || os.tmpdir();
  try {
    const dir = await mkdtemp(join(base, 'cockroach-migrate-check-'));
    try {
      await writeFile(join(dir, 'probe'), 'ok');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return undefined;
  } catch (e) {
    return `temporary directory ${base} is not writable (${(e as NodeJS.ErrnoException).code ?? String(e)}); set temp_dir (--temp-dir) to a writable directory with room for a copy of the data`;
  }
}

/** The sum of `m` over the table ids `ids` (undefined when the source records no such sizes). */
const sumOver = (m: ReadonlyMap<number, number> | undefined, ids: readonly number[]): number | undefined =>
  m ? ids.reduce((a, id) => a + (m.get(id) ?? 0), 0) : undefined;

/** The plan in words: where each database goes and what it holds (rows and bytes as the source records them). */
export function planLines(
  source: MigrationSource,
  dbs: readonly ConvertedDatabase[],
  placements: readonly string[],
  decisions: ConvertedSchema['decisions'],
): string[] {
  const lines = [`source: ${source.description}`, ...placements];
  for (const db of dbs) {
    const rows = source.tableRows;
    const bytes = source.tableBytes;
    const ids = db.tables.map((t) => t.table.id);
    const total = [
      `${db.tables.length} tables`,
      ...(rows ? [`~${sumOver(rows, ids)} rows`] : []),
      ...(bytes ? [bytesText(sumOver(bytes, ids)!)] : []),
    ].join(', ');
    lines.push(
      `database ${db.crdbName}: ${total}${db.types.length ? `, ${db.types.length} types` : ''}${db.sequences.length ? `, ${db.sequences.length} sequences` : ''}`,
    );
    for (const t of db.tables) {
      const r = rows?.get(t.table.id);
      const b = bytes?.get(t.table.id);
      const size = [...(r !== undefined ? [`~${r} rows`] : []), ...(b !== undefined ? [bytesText(b)] : [])].join(', ');
      lines.push(`  ${t.pgSchema}.${t.pgName}${size ? ` (${size})` : ''}`);
    }
  }
  const attention = decisions.filter(needsAttention);
  const notConvertible = attention.filter((d) => d.kind === 'not-convertible');
  lines.push(
    `decisions that need attention: ${attention.length}${notConvertible.length ? ` (${notConvertible.length} not convertible)` : ''}`,
  );
  for (const d of attention.slice(0, 20)) lines.push(`  ${d.kind}: ${d.object}: ${decisionText(d)}`);
  if (attention.length > 20) lines.push(`  … ${attention.length - 20} more in the report's decision log`);
  return lines;
}

/** Rows (or bytes) of the tables of `dbs` as the source records them, for the estimated time. */
export function sizeOfRun(
  source: Pick<MigrationSource, 'tableRows' | 'tableBytes' | 'dataBytes'>,
  dbs: readonly ConvertedDatabase[],
): SizeOfRun {
  const ids = dbs.flatMap((d) => d.tables.map((t) => t.table.id));
  const rows = sumOver(source.tableRows, ids);
  const tableBytes = sumOver(source.tableBytes, ids);
  return {
    ...(rows !== undefined ? { rows } : {}),
    ...(tableBytes !== undefined ? { tableBytes } : {}),
    ...(source.dataBytes !== undefined ? { dataBytes: source.dataBytes } : {}),
  };
}

export interface PreflightResult {
  /** The plan (what goes where, sizes, decisions, what happens in the target), for printing. */
  readonly plan: readonly string[];
  readonly problems: readonly string[];
  /** The source's own warnings (absent files, stale MANIFEST, …). */
  readonly warnings: readonly string[];
  /** A problem is a configuration error (e.g. a malformed backup URL): `check` exits 2, as the README says. */
  readonly configurationError?: boolean;
}

/** `cockroach-migrate check`: every preflight check and the plan, loading nothing. */
export async function preflight(config: Config): Promise<PreflightResult> {
  const problems: string[] = [];
  const tempDir = config.test_postgresql_import ? await checkTempDir(config) : undefined;
  if (tempDir) problems.push(tempDir);
  let source: MigrationSource;
  try {
    source = await openSource(config);
  } catch (e) {
    if (!isMigrateError(e)) throw e;
    // Without the source there are no names to check; the target's login still is.
    const target = config.postgres_import_enabled ? await checkTarget(targetServer(config), [], config) : { problems: [] };
    return {
      plan: [],
      problems: [e.message, ...target.problems, ...problems],
      warnings: [],
      ...(isConfigError(e) ? { configurationError: true } : {}),
    };
  }
  try {
    const converted = convertSchema(selectTables(source.catalog, config).catalog, convertOptionsOf(config));
    const placements: string[] = [];
    const dbs = selectDatabases(converted, config, { info: (l) => placements.push(l) });
    const plan = planLines(source, dbs, placements, converted.decisions);
    if (config.postgres_import_enabled) {
      const server = targetServer(config);
      const target = await checkTarget(server, dbs, config);
      problems.unshift(...target.problems);
      plan.push(
        ...(target.problems.length === 0 ? [`${server.label} PostgreSQL ${server.description}: reachable, login and privileges ok`] : []),
        ...target.notes,
      );
    } else {
      plan.push('target: not loaded (postgres_import_enabled is false)');
    }
    plan.push(
      config.test_postgresql_import
        ? `test instance: a temporary PostgreSQL in ${config.temp_dir || os.tmpdir()} is loaded and verified first`
        : 'test instance: none (test_postgresql_import is false)',
    );
    plan.push(estimateTime(sizeOfRun(source, dbs), config).line);
    return { plan, problems, warnings: source.warnings };
  } finally {
    await source.close();
  }
}
