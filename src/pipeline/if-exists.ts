/**
 * `--if-exists`: what happens when the target already has relations this migration would create.
 * - `error` (default): refuse, naming them (tables, and types and sequences of the same names) and the options;
 * - `drop`: remove what the migration owns and create it again — the whole database when it is
 *   named after the CockroachDB database (database mapping), otherwise (schema mapping, or the
 *   server's maintenance database) the migration's own schemas and the conflicting tables, types
 *   and sequences in `public`. Never another schema of the user's database;
 * - `truncate`: empty them in one statement (references among them are fine; a table outside the
 *   migration that references one makes PostgreSQL refuse, reported with the fix, because
 *   `TRUNCATE … CASCADE` would silently empty that table too) and reload them;
 * - `skip`: leave them as they are and load the others.
 * Relations with a resume checkpoint belong to an interrupted run and are resumed, not "existing".
 */
import type pg from 'pg';
import type { Config } from '../config/keys.js';
import type { ConvertedDatabase } from '../ddl/convert-schema.js';
import { quoteIdent, quoteQualified } from '../util/sql-quote.js';
import {
  describeExisting,
  describeExistingObject,
  findExistingObjects,
  findExistingTables,
  type ExistingObject,
  type ExistingTable,
  type TargetTableRef,
} from '../load/existing-tables.js';
import { LoadError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { sourceTableId } from './load-plans.js';
import { connectTo, dropDatabase, ensureDatabase, type PgServer } from './pg-target.js';

export interface IfExistsOutcome {
  /** The connection to use from now on (a new one when the database was recreated). */
  readonly client: pg.Client;
  /** Tables left untouched (`skip`): not to be loaded. */
  readonly skipped: ReadonlySet<string>;
  /** Tables that existed and stay (truncate/skip): pre-/post-data may meet their objects. */
  readonly keptExisting: boolean;
  readonly warnings: readonly string[];
}

/** What a fresh load of `db` would meet in the target: tables (without resume checkpoint), types, sequences. */
export interface Conflicts {
  readonly tables: readonly ExistingTable[];
  readonly objects: readonly ExistingObject[];
}

export async function findConflicts(client: pg.ClientBase, db: ConvertedDatabase): Promise<Conflicts> {
  const refs: TargetTableRef[] = db.tables.map((t) => ({ id: sourceTableId(t.table), pgSchema: t.pgSchema, pgTable: t.pgName }));
  return { tables: await findExistingTables(client, refs), objects: await findExistingObjects(client, db) };
}

export const hasConflicts = (c: Conflicts): boolean => c.tables.length + c.objects.length > 0;

/** "tables this migration would create: public.folder (~3 rows), …; and types this migration would create: type public.Role" (at most 5 of each named). */
export function describeConflicts(c: Conflicts): string {
  const part = (kind: string, items: readonly string[]): string =>
    `${kind} this migration would create: ${items.slice(0, 5).join(', ')}${items.length > 5 ? `, … (${items.length} in all)` : ''}`;
  const kinds = (['type', 'sequence'] as const).filter((k) => c.objects.some((o) => o.kind === k)).map((k) => `${k}s`);
  return [
    ...(c.tables.length > 0 ? [part('tables', c.tables.map(describeExisting))] : []),
    ...(kinds.length > 0 ? [part(kinds.join(' and '), c.objects.map(describeExistingObject))] : []),
  ].join('; and ');
}

export const IF_EXISTS_FIX =
  'use --if-exists drop (recreate them), truncate (empty and reload them) or skip (leave them), or choose another target';

export async function applyIfExists(
  server: PgServer,
  db: ConvertedDatabase,
  client: pg.Client,
  opts: { readonly config: Pick<Config, 'if_exists' | 'database_mapping'>; readonly logger: Logger },
): Promise<IfExistsOutcome> {
  const where = `${server.label} database "${db.pgName}"`;
  const conflicts = await findConflicts(client, db);
  const existing = conflicts.tables;
  const none: IfExistsOutcome = { client, skipped: new Set(), keptExisting: false, warnings: [] };
  if (!hasConflicts(conflicts)) return none;
  const names = existing.map((e) => `${e.plan.pgSchema}.${e.plan.pgTable}`);
  const list = describeConflicts(conflicts);
  const tableList = existing.slice(0, 5).map(describeExisting).join(', ') + (existing.length > 5 ? `, … (${existing.length} in all)` : '');
  const kept = (done: string): string =>
    [
      existing.length > 0 ? `existing tables ${done}: ${tableList}` : '',
      conflicts.objects.length > 0 ? `existing ${conflicts.objects.map(describeExistingObject).join(', ')} kept as they are` : '',
    ]
      .filter(Boolean)
      .join('; ');
  switch (opts.config.if_exists) {
    case 'error':
      throw new LoadError(`${where} already has ${list}`, IF_EXISTS_FIX);
    case 'drop': {
      if (opts.config.database_mapping === 'database' && db.pgName !== server.maintenanceDb) {
        opts.logger.warn(`${where}: dropping and recreating the database (--if-exists drop)`);
        await client.end();
        await dropDatabase(server, db.pgName);
        await ensureDatabase(server, db.pgName);
        return { ...none, client: await connectTo(server, db.pgName) };
      }
      const own = db.schemas.filter((s) => s !== 'public');
      opts.logger.warn(`${where}: dropping the migration's schemas ${own.join(', ') || '(none)'} and existing ${list} (--if-exists drop)`);
      for (const s of own) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`);
      const left = existing.filter((e) => !own.includes(e.plan.pgSchema));
      if (left.length > 0)
        await client.query(`DROP TABLE IF EXISTS ${left.map((e) => quoteQualified(e.plan.pgSchema, e.plan.pgTable)).join(', ')} CASCADE`);
      await dropObjects(
        client,
        conflicts.objects.filter((o) => !own.includes(o.pgSchema)),
        where,
      );
      return none;
    }
    case 'truncate':
      if (existing.length > 0) {
        try {
          await client.query(`TRUNCATE ${existing.map((e) => quoteQualified(e.plan.pgSchema, e.plan.pgTable)).join(', ')}`);
        } catch (e) {
          throw new LoadError(
            `${where}: cannot truncate ${names.join(', ')}: ${e instanceof Error ? e.message : String(e)}`,
            'use --if-exists drop, or empty the referencing tables first',
            { cause: e },
          );
        }
        await dropForeignKeys(
          client,
          existing.map((e) => e.plan),
        );
      }
      return { ...none, keptExisting: true, warnings: [`${where}: ${kept('truncated and reloaded')}`] };
    case 'skip':
      // The tables loaded are the new ones: they get their foreign keys in the post-data phase.
      return {
        ...none,
        skipped: new Set(existing.map((e) => e.plan.id)),
        keptExisting: true,
        warnings: [`${where}: ${kept('left as they are, not loaded')}`],
      };
  }
}

/**
 * Types and sequences outside the dropped schemas, after their tables: without CASCADE, so that a
 * table outside the migration still using one makes PostgreSQL refuse instead of losing a column.
 */
async function dropObjects(client: pg.ClientBase, objects: readonly ExistingObject[], where: string): Promise<void> {
  for (const kind of ['sequence', 'type'] as const) {
    const these = objects.filter((o) => o.kind === kind);
    if (these.length === 0) continue;
    try {
      await client.query(`DROP ${kind.toUpperCase()} IF EXISTS ${these.map((o) => quoteQualified(o.pgSchema, o.pgName)).join(', ')}`);
    } catch (e) {
      throw new LoadError(
        `${where}: cannot drop ${these.map(describeExistingObject).join(', ')}: ${e instanceof Error ? e.message : String(e)}`,
        'drop or alter the objects outside the migration that use them, or choose another target',
        { cause: e },
      );
    }
  }
}

/**
 * Foreign keys on tables about to be loaded would reject rows loaded in parallel, in any order;
 * they are dropped here and created again (and validated) by the post-data phase.
 */
async function dropForeignKeys(client: pg.ClientBase, tables: readonly TargetTableRef[]): Promise<void> {
  if (tables.length === 0) return;
  const fks = await client.query<{ s: string; t: string; c: string }>(
    `SELECT n.nspname AS s, r.relname AS t, k.conname AS c FROM pg_constraint k
       JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
      WHERE k.contype = 'f' AND (n.nspname, r.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [tables.map((p) => p.pgSchema), tables.map((p) => p.pgTable)],
  );
  for (const fk of fks.rows) await client.query(`ALTER TABLE ${quoteQualified(fk.s, fk.t)} DROP CONSTRAINT ${quoteIdent(fk.c)}`);
}
