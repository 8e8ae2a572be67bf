/**
 * Schema changes between a target's recorded sync point and the source now, split into the ones
 * `sync` applies (additive: a new table, a new column that is nullable or has a default, a new
 * secondary index; and a dropped secondary index, which changes no row) and the ones that stop it before any row is touched (a dropped table or
 * column, a changed type, a changed primary key, a new NOT NULL column without a default). The
 * additive DDL is taken from the same conversion a migration runs (`ddl/convert-schema.ts`), so a
 * synced target ends with the objects a fresh migration at the new point creates. Nothing here
 * writes: `planSchemaSync` only reads the target's catalog; the caller runs the statements inside
 * the sync's transaction (PostgreSQL DDL is transactional, so a killed or failed sync leaves none).
 */
import type pg from 'pg';
import type { ConvertedDatabase, Decision } from '../ddl/convert-schema.js';
import type { PostDataStep } from '../ddl/emit.js';
import { emitColumnDef } from '../ddl/emit.js';
import { quoteQualified } from '../util/sql-quote.js';
import type { SourceLoadPlan } from './load-plans.js';
import type { RecordedPoint } from './sync-state.js';

/** What `sync` does about the schema before it applies rows. */
export interface SchemaSync {
  /** One line per change that stops the sync: what changed, where, and the fix. */
  readonly blocking: readonly string[];
  /** Statements to run before the rows (dropped indexes, types, sequences, new tables, new columns), in order. */
  readonly before: readonly string[];
  /** Statements to run after the rows (keys, indexes, foreign keys of new tables; new indexes), in order. */
  readonly after: readonly string[];
  /** Plan ids of tables created by this sync: loaded in full, not from the layers' changes. */
  readonly newTables: ReadonlySet<string>;
  /** One decision-log entry per applied change. */
  readonly decisions: readonly Decision[];
}

const nameOf = (c: string): string => c.split(' ')[0]!;

/** The full-migration fix for one table, as the CLI spells it. */
const fullFix = (tableId: string): string => `migrate ${tableId} in full: cockroach-migrate --include-tables ${tableId} --if-exists drop`;

const LOOKUP = { regclass: 'to_regclass', regtype: 'to_regtype', regproc: 'to_regproc' } as const;

async function exists(client: pg.ClientBase, kind: keyof typeof LOOKUP, qualified: string): Promise<boolean> {
  const r = await client.query<{ ok: string | null }>(`SELECT ${LOOKUP[kind]}($1)::text AS ok`, [qualified]);
  return r.rows[0]?.ok != null;
}

/** Columns PostgreSQL has for `qualified` (a table the target already holds). */
async function targetColumns(client: pg.ClientBase, schema: string, table: string): Promise<Set<string>> {
  const r = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table],
  );
  return new Set(r.rows.map((x) => x.attname));
}

/** Primary-key columns PostgreSQL has for the table, in key order (empty: none). */
async function targetPrimaryKey(client: pg.ClientBase, schema: string, table: string): Promise<string[]> {
  const r = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary ORDER BY k.ord`,
    [schema, table],
  );
  return r.rows.map((x) => x.attname);
}

/** `CREATE [UNIQUE] INDEX "name" ON "schema"."table" …` → name and table; undefined for other steps. */
function indexOfStep(step: PostDataStep): { name: string; table: string } | undefined {
  const m = /^CREATE (?:UNIQUE )?INDEX ("(?:[^"]|"")+") ON ("(?:[^"]|"")+"\."(?:[^"]|"")+")/.exec(step.sql);
  return m ? { name: m[1]!.slice(1, -1).replace(/""/g, '"'), table: m[2]! } : undefined;
}

/** Whether an index (or any relation) of that name exists in the table's schema. */
async function relationInSchema(client: pg.ClientBase, qualifiedTable: string, name: string): Promise<boolean> {
  const schema = /^"((?:[^"]|"")+)"/.exec(qualifiedTable)![1]!.replace(/""/g, '"');
  return exists(client, 'regclass', quoteQualified(schema, name));
}

/**
 * Secondary indexes of tables kept since the recorded point that the conversion at the point
 * created and the conversion now does not: `DROP INDEX IF EXISTS` each (or `DROP CONSTRAINT` when a
 * unique constraint uses it), with a decision naming index and table. An index PostgreSQL no longer
 * has (dropped by hand) is left alone; indexes made by hand in PostgreSQL are never in `previous`.
 */
async function droppedIndexes(
  client: pg.ClientBase,
  db: ConvertedDatabase,
  previous: ConvertedDatabase,
  keptTables: ReadonlySet<string>,
  since: string,
): Promise<{ statements: string[]; decisions: Decision[] }> {
  const key = (ix: { name: string; table: string }): string => `${ix.table}@${ix.name}`;
  const now = new Set(db.postDataSteps.map(indexOfStep).flatMap((ix) => (ix ? [key(ix)] : [])));
  const statements: string[] = [];
  const decisions: Decision[] = [];
  const why = `secondary index dropped in CockroachDB after ${since}: dropped by sync (dropping an index changes no row)`;
  for (const step of previous.postDataSteps) {
    const ix = step.kind === 'indexes' ? indexOfStep(step) : undefined;
    if (!ix || !keptTables.has(ix.table) || now.has(key(ix)) || !(await relationInSchema(client, ix.table, ix.name))) continue;
    const quoted = `"${ix.name.replace(/"/g, '""')}"`;
    const constraint = previous.postDataSteps.some(
      (s) => s.kind === 'unique constraints' && s.sql.startsWith(`ALTER TABLE ${ix.table} ADD CONSTRAINT ${quoted} UNIQUE USING INDEX `),
    );
    const schema = /^("(?:[^"]|"")+")\./.exec(ix.table)![1]!;
    const sql = constraint ? `ALTER TABLE ${ix.table} DROP CONSTRAINT IF EXISTS ${quoted}` : `DROP INDEX IF EXISTS ${schema}.${quoted}`;
    statements.push(sql);
    decisions.push({ object: `index ${ix.table}@${ix.name}`, kind: 'changed', what: `dropped by sync: ${sql}`, why });
  }
  return { statements, decisions };
}

/** Post-data steps sync does not apply to tables it keeps: a difference in them stops it. */
const UNAPPLIED_STEP_KINDS: ReadonlySet<PostDataStep['kind']> = new Set(['foreign keys', 'checks', 'triggers', 'views']);

/**
 * Changes to what the target already holds that sync neither applies nor may ignore, one line each
 * with the fix: a kept column whose definition changed other than its type (NOT NULL, default,
 * generation: the type is checked with the recorded columns), an index of the same name that is
 * now defined otherwise, and a foreign key, check, trigger or view added, changed or dropped on
 * kept tables. Compared as the DDL the same conversion emits at both points, so no change in
 * CockroachDB reaches PostgreSQL as a silent difference (or as a raw error on the first row).
 */
function unappliedChanges(
  db: ConvertedDatabase,
  previous: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  kept: ReadonlySet<string>,
): string[] {
  const lines: string[] = [];
  for (const p of plans) {
    const q = quoteQualified(p.pgSchema, p.pgTable);
    if (!kept.has(q)) continue;
    const find = (d: ConvertedDatabase) => d.tables.find((t) => t.pgSchema === p.pgSchema && t.pgName === p.pgTable);
    const was = find(previous);
    const now = find(db);
    for (const c of now?.columnDefs ?? []) {
      const old = was?.columnDefs.find((d) => d.name === c.name);
      if (!old || old.type !== c.type || emitColumnDef(old) === emitColumnDef(c)) continue;
      lines.push(`${p.id}: column ${c.name} was ${emitColumnDef(old)}, is now ${emitColumnDef(c)}; fix: ${fullFix(p.id)}`);
    }
  }
  const onKept = (s: PostDataStep): boolean => s.kind === 'views' || (s.tables.length > 0 && s.tables.every((t) => kept.has(t)));
  const stepsOf = (d: ConvertedDatabase): Set<string> =>
    new Set(d.postDataSteps.filter((s) => UNAPPLIED_STEP_KINDS.has(s.kind) && onKept(s)).map((s) => s.sql));
  const was = stepsOf(previous);
  const now = stepsOf(db);
  const fix =
    'fix: migrate this database in full (--if-exists drop), or apply it in PostgreSQL yourself and migrate again to record a new point';
  for (const sql of now) if (!was.has(sql)) lines.push(`new or changed since the recorded point, not applied by sync: ${sql}; ${fix}`);
  for (const sql of was) if (!now.has(sql)) lines.push(`dropped or changed since the recorded point, not applied by sync: ${sql}; ${fix}`);
  const indexSql = (d: ConvertedDatabase): Map<string, string> =>
    new Map(
      d.postDataSteps.flatMap((s) => {
        const ix = s.kind === 'indexes' ? indexOfStep(s) : undefined;
        return ix && kept.has(ix.table) ? [[`${ix.table}@${ix.name}`, s.sql] as const] : [];
      }),
    );
  const wasIx = indexSql(previous);
  for (const [key, sql] of indexSql(db)) {
    const old = wasIx.get(key);
    if (old !== undefined && old !== sql) lines.push(`index ${key} is now defined otherwise (${sql}); ${fix}`);
  }
  return lines;
}

/**
 * After the rows: every step of a new table (keys, indexes, foreign keys, checks, triggers,
 * comments), and new secondary indexes of existing tables (each with a decision). Views and
 * sequence positions are not here: views already exist, positions are set after the commit (see sync.ts).
 */
async function afterRows(
  client: pg.ClientBase,
  db: ConvertedDatabase,
  newQualified: ReadonlySet<string>,
  decisions: Decision[],
  why: string,
): Promise<string[]> {
  const after: string[] = [];
  const addedIndexes = new Set<string>();
  for (const step of db.postDataSteps) {
    if (step.kind === 'views' || step.kind === 'sequences') continue;
    if (step.tables.some((t) => newQualified.has(t))) {
      after.push(step.sql);
      continue;
    }
    const ix = indexOfStep(step);
    if (ix && step.kind === 'indexes' && !(await relationInSchema(client, ix.table, ix.name))) {
      after.push(step.sql);
      addedIndexes.add(ix.name);
      decisions.push({ object: `index ${ix.table}@${ix.name}`, kind: 'changed', what: `created by sync: ${step.sql}`, why });
      continue;
    }
    const uc = /^ALTER TABLE \S+ ADD CONSTRAINT "((?:[^"]|"")+)" UNIQUE USING INDEX /.exec(step.sql);
    if (step.kind === 'unique constraints' && uc && addedIndexes.has(uc[1]!.replace(/""/g, '"'))) after.push(step.sql);
  }
  return after;
}

/**
 * Compares the recorded point with the converted schema now and the target's catalog. Pure
 * reading; see the file comment for what counts as additive. `previous` is the conversion of the
 * source's schema at the recorded point (its secondary indexes missing now are dropped).
 */
export async function planSchemaSync(
  client: pg.ClientBase,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  recorded: RecordedPoint,
  since: string,
  previous?: ConvertedDatabase,
): Promise<SchemaSync> {
  const blocking: string[] = [];
  const before: string[] = [];
  const decisions: Decision[] = [];
  const newTables = new Set<string>();
  const newQualified = new Set<string>();
  const why = `additive schema change in CockroachDB after ${since}: applied by sync with the DDL a migration emits`;

  for (const [id, r] of recorded.tables) {
    if (!plans.some((p) => p.id === id))
      blocking.push(
        `table ${id} (PostgreSQL ${r.pgTable}) is no longer in the source (dropped, or left out by include/exclude_tables); fix: drop or keep ${r.pgTable} in PostgreSQL yourself, then migrate this database in full (--if-exists drop) to record a new point`,
      );
  }
  const addColumns: string[] = [];
  for (const p of plans) {
    const ct = db.tables.find((t) => t.pgSchema === p.pgSchema && t.pgName === p.pgTable);
    const q = quoteQualified(p.pgSchema, p.pgTable);
    const r = recorded.tables.get(p.id);
    if (!r) {
      if (await exists(client, 'regclass', q)) {
        blocking.push(`table ${p.id} is new in the source but ${q} already exists in PostgreSQL; fix: ${fullFix(p.id)}`);
        continue;
      }
      newTables.add(p.id);
      newQualified.add(q);
      decisions.push({ object: `table ${p.id}`, kind: 'changed', what: `created and loaded in full by sync as ${q}`, why });
      continue;
    }
    const now = p.columns.map((c) => `${c.pgName} ${c.pgType ?? c.type.family}`);
    for (const c of r.columns) {
      const n = now.find((x) => nameOf(x) === nameOf(c));
      if (!n) blocking.push(`${p.id}: column ${nameOf(c)} was dropped; fix: ${fullFix(p.id)}`);
      else if (n !== c) blocking.push(`${p.id}: column ${c} is now ${n}; fix: ${fullFix(p.id)}`);
    }
    const added = now.filter((c) => !r.columns.some((o) => nameOf(o) === nameOf(c)));
    const have = added.length > 0 ? await targetColumns(client, p.pgSchema, p.pgTable) : new Set<string>();
    for (const c of added) {
      const name = nameOf(c);
      if (have.has(name)) continue; // already there (a recorded point older than the table): nothing to add
      const def = ct?.columnDefs.find((d) => d.name === name);
      if (!def || (def.notNull && def.default === undefined && def.generated === undefined)) {
        blocking.push(
          `${p.id}: column ${name} was added NOT NULL without a default (existing rows have no value for it in PostgreSQL); fix: ${fullFix(p.id)}`,
        );
        continue;
      }
      addColumns.push(`ALTER TABLE ${q} ADD COLUMN ${emitColumnDef(def)}`);
      decisions.push({
        object: `column ${p.id}.${name}`,
        kind: 'changed',
        what: `added by sync: ALTER TABLE … ADD COLUMN ${emitColumnDef(def)}`,
        why,
      });
    }
    // Without key columns in the load (a dropped rowid) the table cannot be synced at all; apply-changes says so.
    const key = p.keyColumns ? await targetPrimaryKey(client, p.pgSchema, p.pgTable) : [];
    if (p.keyColumns && key.join(',') !== p.keyColumns.join(','))
      blocking.push(`${p.id}: primary key changed from (${key.join(', ')}) to (${p.keyColumns.join(', ')}); fix: ${fullFix(p.id)}`);
  }

  if (previous) {
    const kept = new Set(plans.filter((p) => recorded.tables.has(p.id)).map((p) => quoteQualified(p.pgSchema, p.pgTable)));
    blocking.push(...unappliedChanges(db, previous, plans, kept));
    const dropped = await droppedIndexes(client, db, previous, kept, since);
    before.push(...dropped.statements);
    decisions.push(...dropped.decisions);
  }
  if (newQualified.size > 0) {
    // Types and sequences the target lacks (a new table may bring them), then the tables.
    for (const sql of db.preData) {
      if (/^CREATE (SCHEMA|EXTENSION|COLLATION) IF NOT EXISTS /.test(sql)) before.push(sql);
    }
    for (const t of db.types) {
      const q = quoteQualified(t.schema, t.name);
      if (await exists(client, 'regtype', q)) continue;
      before.push(...db.preData.filter((s) => s.startsWith(`CREATE TYPE ${q} `)));
      decisions.push({ object: `type ${q}`, kind: 'changed', what: 'created by sync', why });
    }
    for (const s of db.sequences) {
      const q = quoteQualified(s.schema, s.name);
      if (await exists(client, 'regclass', q)) continue;
      before.push(...db.preData.filter((x) => x.startsWith(`CREATE SEQUENCE ${q} `)));
      decisions.push({ object: `sequence ${q}`, kind: 'changed', what: 'created by sync', why });
    }
    for (const q of newQualified) before.push(...db.preData.filter((s) => s.startsWith(`CREATE TABLE ${q} (`)));
    for (const q of newQualified)
      before.push(...db.preData.filter((s) => s.startsWith('ALTER SEQUENCE ') && s.includes(` OWNED BY ${q}.`)));
    for (const sql of db.preData) {
      const m = /^CREATE FUNCTION ("(?:[^"]|"")+"\."(?:[^"]|"")+")\(\)/.exec(sql);
      if (m && !(await exists(client, 'regproc', m[1]!))) before.push(sql);
    }
  }
  before.push(...addColumns);

  const after = await afterRows(client, db, newQualified, decisions, why);
  return { blocking, before, after, newTables, decisions };
}
