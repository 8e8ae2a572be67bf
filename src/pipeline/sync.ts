/**
 * `cockroach-migrate sync`: catch a target loaded from a backup up to a later point of the same
 * backup chain (docs: README "Cutover with minimal downtime"). Reads only the layers written after
 * the point the target records (`sync-state.ts`), turns each table's changed keys into upserts and
 * deletions (mvcc/layer-diff.ts, rows/row-changes.ts), stages them in PostgreSQL batch by batch
 * (load/apply-changes.ts: memory bounded by a batch, not by the change) and applies them and the
 * sequence positions in one transaction per database together with the new point. Every table is
 * verified against the source at the new point inside that transaction (by default the source is
 * read again in full; `sync_verify: "changes"` carries the recorded fingerprint across the change):
 * a sync that does not verify commits nothing, a killed one leaves the old point and rows, and
 * rerunning it starts from there.
 */
import type pg from 'pg';
import { readBackup, type OpenedBackup } from '../backup/read-backup.js';
import type { Config } from '../config/keys.js';
import { convertSchema, type ConvertedDatabase, type Decision } from '../ddl/convert-schema.js';
import { StagedChanges } from '../load/apply-changes.js';
import { copyRowsInto } from '../load/copy-table.js';
import type { Fingerprint, LoadRow } from '../load/types.js';
import { compareTimestamps } from '../mvcc/engine-key.js';
import { rangeDeletionsIn } from '../mvcc/layer-diff.js';
import type { Timestamp } from '../mvcc/types.js';
import { verdictOf, type MigrationReport, type PhaseReport, type TableReport } from '../report/model.js';
import { keyOnlyRow, rowChangeBatches } from '../rows/row-changes.js';
import type { Row } from '../rows/decode-rows.js';
import { primaryIndexSpan } from '../encoding/row-key.js';
import { ConfigError, LoadError, isConfigError } from '../util/errors.js';
import { quoteQualified } from '../util/sql-quote.js';
import type { Logger } from '../util/logger.js';
import { redactor } from '../util/redact.js';
import { VERSION } from '../util/version.js';
import { rowsFingerprint, verificationSummary, verifyTable } from '../verify/verify-table.js';
import { backupOptions, catalogAtPoint, sourceFromBackup } from '../source/backup.js';
import { convertOptionsOf } from './convert-options.js';
import { loadPlans, type SourceLoadPlan } from './load-plans.js';
import { connectTo, targetServer, type PgServer } from './pg-target.js';
import type { MigrationSource, SyncPoint } from '../source/migration-source.js';
import { prefixEnd, rowsFrom } from '../source/table-rows.js';
import { planSchemaSync, type SchemaSync } from './sync-schema.js';
import { withTargetTypes } from '../load/target-columns.js';
import { configuredSource } from '../source/open-source.js';
import { forgetSyncPoint, readSyncPoint, writeSyncPoint, type RecordedPoint, type SyncedTable } from './sync-state.js';
import { FINGERPRINT_DEFINITION } from '../load/row-hash.js';
import { placeDatabases } from './target-database.js';
import { selectTables } from './table-selection.js';
import { lockTarget, type TargetLock } from './target-lock.js';

/** Test hook: `COCKROACH_MIGRATE_KILL_AT=sync-before-commit` kills the process (SIGKILL) right before a sync commits. */
const KILL_AT = 'COCKROACH_MIGRATE_KILL_AT';

const columnsOf = (plan: SourceLoadPlan): string[] => plan.columns.map((c) => `${c.pgName} ${c.pgType ?? c.type.family}`);
const isoOf = (t: Timestamp): string => new Date(Number(t.wallTime / 1_000_000n)).toISOString();

/** Records the point `db` now reflects, with each table's verified fingerprint from `reports`. */
export async function recordSyncPoint(
  server: PgServer,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  point: SyncPoint,
  reports: readonly TableReport[],
): Promise<void> {
  const client = await connectTo(server, db.pgName);
  try {
    await writeSyncPoint(
      client,
      db.crdbName,
      point,
      plans.map((p) =>
        syncedTable(
          p,
          reports.find((r) => r.on === server.label && r.source === p.id),
        ),
      ),
    );
  } finally {
    await client.end();
  }
}

/**
 * Before a load into the target: forgets the point each database recorded (when the database
 * exists), so that a load that fails or is not verified leaves no point for `sync` to build on.
 */
export async function forgetSyncPoints(server: PgServer, dbs: readonly ConvertedDatabase[]): Promise<void> {
  const admin = await connectTo(server, server.maintenanceDb);
  let existing: Set<string>;
  try {
    existing = new Set((await admin.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname));
  } finally {
    await admin.end();
  }
  for (const db of dbs) {
    if (!existing.has(db.pgName)) continue;
    const client = await connectTo(server, db.pgName);
    try {
      await forgetSyncPoint(client, db.crdbName);
    } finally {
      await client.end();
    }
  }
}

function syncedTable(plan: SourceLoadPlan, report: TableReport | undefined): SyncedTable {
  const v = report?.verification;
  return {
    tableId: plan.id,
    pgTable: `${plan.pgSchema}.${plan.pgTable}`,
    columns: columnsOf(plan),
    ...(v?.match ? { fingerprint: { rows: v.sourceRows, sum: v.sourceChecksum } } : {}),
  };
}

const loadRowOf = (plan: SourceLoadPlan, row: Row): LoadRow => ({ key: row.key, values: plan.pick.map((i) => row.values[i] ?? null) });

/** A window of the sync: from the time the target reflects (exclusive) to a layer's end (inclusive). */
interface SyncWindow {
  readonly since: Timestamp;
  readonly until: Timestamp;
}

/**
 * Refuses, before the transaction opens, a table whose rows a range deletion removed in a window
 * (a TRUNCATE, DROP or import rollback): the layers then hold no row-by-row change to apply.
 */
async function checkNoRangeDeletions(b: OpenedBackup, plans: readonly SourceLoadPlan[], windows: readonly SyncWindow[]): Promise<void> {
  for (const plan of plans) {
    const [start, end] = primaryIndexSpan(plan.table);
    const since = windows[0]!.since;
    const until = windows[windows.length - 1]!.until;
    const tombs = rangeDeletionsIn(await b.source.rangeTombstonesAfter(start, end, since), start, end, { since, readAt: until });
    if (tombs.length > 0) {
      throw new LoadError(
        `${plan.id}: rows were removed by a range deletion after the target's point (a TRUNCATE, DROP or import rollback)`,
        `migrate ${plan.id} in full (--if-exists drop)`,
      );
    }
  }
}

/**
 * Stages one table's change in window `w`, read from the layers after `w.since` only, into
 * PostgreSQL (load/apply-changes.ts), batch by batch. Returns the staging and, when `fingerprint`
 * is set, the source fingerprint of the new and updated rows (for the fast proof).
 */
async function stageTableChanges(
  staged: StagedChanges,
  b: OpenedBackup,
  plan: SourceLoadPlan,
  w: SyncWindow,
  fingerprint: boolean,
): Promise<Fingerprint> {
  const [start, end] = primaryIndexSpan(plan.table);
  await staged.reset();
  let after: Fingerprint = { rows: 0n, sum: 0n };
  for await (const c of rowChangeBatches(plan.table, b.source.scanChanges(start, end, w.since, w.until))) {
    const upserts = c.upserts.map((r) => loadRowOf(plan, r));
    const deletes = c.deletes.map((r) => loadRowOf(plan, r));
    // Several column families: each changed row is read whole at the window's end (not the sync's:
    // each layer's counts then say what that layer did).
    for (const prefix of c.reread) {
      let found: Row | undefined;
      for await (const row of rowsFrom(b.source, plan.table, { from: prefix, before: prefixEnd(prefix), readAt: w.until })) found = row;
      const gone = found ? undefined : keyOnlyRow(plan.table, prefix);
      if (found) upserts.push(loadRowOf(plan, found));
      else if (gone) deletes.push(loadRowOf(plan, gone));
    }
    await staged.add(upserts, deletes);
    if (fingerprint) {
      const f = rowsFingerprint(plan, upserts);
      after = { rows: after.rows + f.rows, sum: after.sum + f.sum };
    }
  }
  return after;
}

/**
 * Loads every row of a table new since the point into its (empty) PostgreSQL table, batch by
 * batch (memory bounded by the batch): its span may hold rows older than the point, as CockroachDB
 * exports a span new to a backup from time zero. Returns the rows, bytes and their fingerprint.
 */
async function loadNewTable(
  client: pg.ClientBase,
  plan: SourceLoadPlan,
): Promise<{ rows: number; bytes: number; fingerprint: Fingerprint }> {
  const target = quoteQualified(plan.pgSchema, plan.pgTable);
  let rows = 0;
  let bytes = 0;
  let fingerprint: Fingerprint = { rows: 0n, sum: 0n };
  const batches: AsyncIterable<readonly LoadRow[]> =
    plan.rowBatches?.() ??
    (async function* () {
      for await (const r of plan.rows()) yield [r];
    })();
  for await (const batch of batches) {
    bytes += await copyRowsInto(client, plan, target, batch);
    rows += batch.length;
    const f = rowsFingerprint(plan, batch);
    fingerprint = { rows: fingerprint.rows + f.rows, sum: fingerprint.sum + f.sum };
  }
  return { rows, bytes, fingerprint };
}

interface DatabaseSync {
  readonly tables: TableReport[];
  readonly verified: boolean;
  /** Some table was verified with a recorded fingerprint carried forward (sync_verify changes), not a full read. */
  readonly carriedForward: boolean;
}

type Counts = { inserted: number; updated: number; deleted: number };
/** What the sync did to one table: totals, time, and per layer. */
type TableCounts = Counts & { bytes: number; seconds: number; layers: Array<Counts & { to: string }> };

/** The windows of the sync: one per layer written after the recorded point, the last ending at the read time. */
function layerWindows(b: OpenedBackup, point: RecordedPoint): SyncWindow[] {
  // One window per layer written after the point (the last one ends at the read time): applied
  // in order, so the reports can say what each layer did to each table.
  const windows: SyncWindow[] = [];
  let since = point.endTime;
  for (const l of b.chain) {
    const end = l.manifest.endTime;
    if (compareTimestamps(end, since) <= 0 || compareTimestamps(end, b.readAt) >= 0) continue;
    windows.push({ since, until: end });
    since = end;
  }
  windows.push({ since, until: b.readAt });
  return windows;
}

/** The source fingerprints recorded at the old point that can be carried forward (see syncDatabase). */
function recordedSourceFingerprints(
  plans: readonly SourceLoadPlan[],
  point: RecordedPoint,
  schema: SchemaSync,
  config: Config,
  logger: Logger,
): Map<string, Fingerprint> {
  const sources = new Map<string, Fingerprint>();
  // sync_verify full: no fingerprint is carried, so verifyTable reads each table of the source
  // again at the new point — a path independent of the layer diff that found the changes.
  if (config.sync_verify !== 'changes' || config.skip_validation) return sources;
  if (point.fingerprintDefinition !== FINGERPRINT_DEFINITION) {
    logger.warn(
      `the fingerprints recorded at the last point were computed by an earlier version of cockroach-migrate; every table is verified by reading the source again in full this time (sync_verify "changes" applies from the next sync)`,
    );
    return sources;
  }
  for (const p of plans) {
    const rec = point.tables.get(p.id);
    if (schema.newTables.has(p.id) || !rec?.fingerprint || rec.columns.join('\n') !== columnsOf(p).join('\n')) continue;
    sources.set(p.id, rec.fingerprint);
  }
  return sources;
}

/** One log line per table: totals, and per layer when there was more than one. */
function logSyncCounts(plans: readonly SourceLoadPlan[], counts: Map<string, TableCounts>, logger: Logger): void {
  for (const p of plans) {
    const c = counts.get(p.id)!;
    const perLayer =
      c.layers.length > 1 ? ` (${c.layers.map((l) => `to ${l.to}: +${l.inserted} ~${l.updated} -${l.deleted}`).join('; ')})` : '';
    logger.info(`${p.id}: ${c.inserted} inserted, ${c.updated} updated, ${c.deleted} deleted${perLayer}`);
  }
}

/**
 * Applies one window's change to every table: each table's change is staged first (the carried
 * source fingerprints move across it, hashed from the target rows before they change), then
 * deletions run child tables first and upserts parent tables first, so a key deleted and inserted
 * again arrives once and foreign keys hold at the end. New tables are loaded whole with the last window.
 * `staged` holds the staging of every table sync keeps (kept across windows, emptied for each).
 */
async function applyWindow(
  client: pg.Client,
  b: OpenedBackup,
  plans: readonly SourceLoadPlan[],
  staged: ReadonlyMap<string, StagedChanges>,
  w: SyncWindow,
  last: boolean,
  sources: Map<string, Fingerprint>,
  counts: Map<string, TableCounts>,
  config: Config,
): Promise<void> {
  const timed = async <T>(id: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      counts.get(id)!.seconds += (Date.now() - t0) / 1000;
    }
  };
  for (const p of plans) {
    const st = staged.get(p.id);
    if (!st) continue; // a new table
    const fp = sources.get(p.id);
    const after = await timed(p.id, () => stageTableChanges(st, b, p, w, fp !== undefined));
    if (!fp) continue;
    const before = await st.fingerprintBefore();
    sources.set(p.id, { rows: fp.rows - before.rows + after.rows, sum: fp.sum - before.sum + after.sum });
  }
  const deleted = new Map<string, number>();
  for (const p of [...plans].reverse()) {
    const st = staged.get(p.id);
    deleted.set(p.id, st ? await timed(p.id, () => st.applyDeletes()) : 0);
  }
  for (const p of plans) {
    const c = counts.get(p.id)!;
    const st = staged.get(p.id);
    let up = { inserted: 0, updated: 0, bytes: 0 };
    if (st) up = { ...(await timed(p.id, () => st.applyUpserts())), bytes: st.bytes };
    else if (last) {
      // A new table: loaded once, with the last window (its rows are read at the new point).
      const loaded = await timed(p.id, () => loadNewTable(client, p));
      if (!config.skip_validation) sources.set(p.id, loaded.fingerprint);
      up = { inserted: loaded.rows, updated: 0, bytes: loaded.bytes };
    }
    const d = deleted.get(p.id) ?? 0;
    c.inserted += up.inserted;
    c.updated += up.updated;
    c.deleted += d;
    c.bytes += up.bytes;
    c.layers.push({ to: isoOf(w.until), inserted: up.inserted, updated: up.updated, deleted: d });
  }
}

/** Verifies every table of the database inside the sync's transaction; one report per table. */
async function verifySynced(
  client: pg.Client,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  sources: ReadonlyMap<string, Fingerprint>,
  counts: ReadonlyMap<string, TableCounts>,
  config: Config,
  logger: Logger,
): Promise<Omit<DatabaseSync, 'carriedForward'>> {
  let verified = true;
  const tables: TableReport[] = [];
  for (const p of plans) {
    const c = counts.get(p.id)!;
    const v = config.skip_validation ? undefined : await verifyTable(client, p, sources.get(p.id));
    if (v)
      logger.info(
        `${p.id}: ${v.source.rows} rows in source, ${v.target.rows} in PostgreSQL, ${v.match ? 'checksum matches' : 'DIFFERENT'}`,
      );
    if (v && !v.match) verified = false;
    tables.push({
      source: p.id,
      target: `${db.pgName}.${p.pgSchema}.${p.pgTable}`,
      on: 'target',
      columns: p.columns.length,
      rowsLoaded: c.inserted + c.updated,
      rejectedRows: 0,
      bytes: c.bytes,
      loadSeconds: c.seconds,
      resumed: false,
      sync: { inserted: c.inserted, updated: c.updated, deleted: c.deleted, layers: c.layers },
      ...(v ? { verification: verificationSummary(v) } : {}),
    });
  }
  return { tables, verified };
}

/** Applies, verifies and records one database's change in one transaction. */
async function syncDatabase(
  client: pg.Client,
  db: ConvertedDatabase,
  plans: readonly SourceLoadPlan[],
  b: OpenedBackup,
  point: RecordedPoint,
  schema: SchemaSync,
  config: Config,
  logger: Logger,
): Promise<DatabaseSync> {
  const windows = layerWindows(b, point);
  const kept = plans.filter((p) => !schema.newTables.has(p.id));
  await checkNoRangeDeletions(b, kept, windows);
  // Refuses a table without a primary key before any statement.
  for (const p of kept) StagedChanges.open(client, p);
  await client.query('BEGIN');
  try {
    for (const sql of schema.before) await client.query(sql);
    // The column types the target has, after the columns this sync adds: a table the user created
    // or altered may differ from the converter's (withTargetTypes). New tables are created by this
    // run with the converter's types; copyTable and verifyTable check again for themselves.
    const inTarget = await Promise.all(plans.map((p) => (schema.newTables.has(p.id) ? p : withTargetTypes(client, p))));
    const staged = new Map(inTarget.filter((p) => !schema.newTables.has(p.id)).map((p) => [p.id, StagedChanges.open(client, p)]));
    // The source fingerprint at the new point without reading the whole source again: the one
    // recorded (and verified equal to the target) at the old point, minus what each layer's changed
    // keys contributed before it (hashed by PostgreSQL from the target's rows just before the layer
    // is applied), plus that layer's new rows. The target side is still hashed in full below, so a
    // row altered in PostgreSQL outside the changed keys still fails the verification. A table whose
    // columns changed, or with no recorded fingerprint (or one of another definition), is read in full.
    const sources = recordedSourceFingerprints(inTarget, point, schema, config, logger);
    const carriedForward = sources.size > 0;
    const counts = new Map<string, TableCounts>();
    for (const p of inTarget) counts.set(p.id, { inserted: 0, updated: 0, deleted: 0, bytes: 0, seconds: 0, layers: [] });
    for (let i = 0; i < windows.length; i++)
      await applyWindow(client, b, inTarget, staged, windows[i]!, i === windows.length - 1, sources, counts, config);
    logSyncCounts(inTarget, counts, logger);
    // Keys, indexes and foreign keys of new tables, and new indexes, once their rows are in.
    for (const sql of schema.after) await client.query(sql);
    const result = { ...(await verifySynced(client, db, inTarget, sources, counts, config, logger)), carriedForward };
    if (!result.verified) {
      await client.query('ROLLBACK');
      return result;
    }
    await writeSyncPoint(
      client,
      db.crdbName,
      { collection: point.collection, fullDir: b.fullDir, endTime: b.readAt },
      inTarget.map((p) =>
        syncedTable(
          p,
          result.tables.find((t) => t.source === p.id),
        ),
      ),
    );
    if (process.env[KILL_AT] === 'sync-before-commit') process.kill(process.pid, 'SIGKILL');
    await client.query('COMMIT');
    // setval is not transactional in PostgreSQL (a rolled-back one stays): positions are set once
    // the rows are committed, on every sync (idempotent), so a sync killed here is completed by the next.
    for (const step of db.postDataSteps) if (step.sql.startsWith('SELECT setval(')) await client.query(step.sql);
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Why the opened backup cannot continue the recorded point; undefined when it can. */
function pointConflict(point: RecordedPoint, b: OpenedBackup, where: string): LoadError | undefined {
  if (point.collection !== b.name) {
    return new LoadError(
      `${where} reflects backup collection ${point.collection}, the config names ${b.name}`,
      'point s3_backup_path / source.url at the collection the target was migrated from',
    );
  }
  if (point.fullDir !== b.fullDir) {
    return new LoadError(
      `${where} reflects full backup ${point.fullDir || '.'}; the source resolves to full backup ${b.fullDir || '.'} (sync follows one chain: a full backup and its incrementals)`,
      `pin source.backup "${point.fullDir}" to catch up from its incrementals, or migrate ${b.fullDir} in full (--if-exists drop)`,
    );
  }
  if (compareTimestamps(b.readAt, point.endTime) < 0) {
    return new LoadError(
      `${where} reflects ${isoOf(point.endTime)}, later than the source's ${isoOf(b.readAt)}`,
      'remove as_of, or set it at or after the point the target reflects',
    );
  }
  return undefined;
}

async function openChain(config: Config): Promise<{ b: OpenedBackup; source: MigrationSource }> {
  const src = configuredSource(config);
  if (src?.type !== 'backup')
    throw new ConfigError('sync reads a backup collection: none configured', 'set s3_backup_path or source {"type": "backup", "url": …}');
  const b = await readBackup(src.url, backupOptions(config, src.backup));
  try {
    return { b, source: await sourceFromBackup(b) };
  } catch (e) {
    await b.close();
    throw e;
  }
}

/** The conversion of database `crdbName` as the chain held it at the recorded point (its indexes then). */
async function schemaAtPoint(b: OpenedBackup, config: Config, crdbName: string, at: Timestamp): Promise<ConvertedDatabase | undefined> {
  const catalog = await catalogAtPoint(b, at);
  if (!catalog) return undefined;
  return convertSchema(selectTables(catalog, config).catalog, convertOptionsOf(config)).databases.find((d) => d.crdbName === crdbName);
}

/** Runs `sync` and returns its report; never throws for sync failures (see report.error). */
export async function sync(config: Config, logger: Logger): Promise<MigrationReport> {
  const startedAt = new Date();
  const phases: PhaseReport[] = [];
  const tables: TableReport[] = [];
  const decisions: Decision[] = [];
  const warnings: string[] = [];
  const server = targetServer(config);
  let opened: { b: OpenedBackup; source: MigrationSource } | undefined;
  let lock: TargetLock | undefined;
  let error: string | undefined;
  let configurationError = false;
  let from: Timestamp | undefined;
  /** Whether any table was verified from a carried fingerprint (what the summary line then says). */
  let carriedForward = false;
  const t0 = Date.now();
  try {
    opened = await openChain(config);
    const { b, source } = opened;
    // The tables the migration selected (include_tables / exclude_tables), no others.
    const converted = convertSchema(selectTables(source.catalog, config).catalog, convertOptionsOf(config));
    const selected = converted.databases.filter(
      (d) => d.crdbName !== 'system' && d.tables.length > 0 && (!config.databases || config.databases.includes(d.crdbName)),
    );
    lock = await lockTarget(server, logger, startedAt);
    if (config.sync_verify === 'changes' && !config.skip_validation) {
      // Said on the console, not only in the report: this run proves less than a full read would.
      const w =
        'sync_verify is "changes": the source is not read again; the checks prove the changes were applied and nothing else changed in the target, not that every change was found (sync_verify "full", the default, or `cockroach-migrate verify` proves the whole target)';
      logger.warn(w);
      warnings.push(w);
    }
    for (const db of placeDatabases(selected, config, logger)) {
      const where = `target database "${db.pgName}"`;
      const client = await connectTo(server, db.pgName);
      try {
        const point = await readSyncPoint(client, db.crdbName);
        if (!point)
          throw new LoadError(
            `${where} records no backup point for ${db.crdbName}`,
            'migrate it from a backup of this collection first (a verified run records the point)',
          );
        const conflict = pointConflict(point, b, where);
        if (conflict) throw conflict;
        const plans = loadPlans(db, source);
        const previous = await schemaAtPoint(b, config, db.crdbName, point.endTime);
        const schema = await planSchemaSync(client, db, plans, point, isoOf(point.endTime), previous);
        if (schema.blocking.length > 0) {
          // Every blocking change on its own line, before any statement or row touches the target.
          for (const line of schema.blocking) logger.error(`${where}: ${line}`);
          warnings.push(...schema.blocking.map((line) => `${where}: ${line}`));
          throw new LoadError(
            `${where}: the schema changed after ${isoOf(point.endTime)} in ${schema.blocking.length === 1 ? 'a way' : `${schema.blocking.length} ways`} sync does not apply (listed above); no statement or row was applied`,
            'sync applies additive changes only (new tables, new nullable or defaulted columns, new indexes; and dropped indexes): migrate the changed tables in full as each line says',
          );
        }
        for (const d of schema.decisions) logger.info(`${d.object}: ${d.what}`);
        decisions.push(...schema.decisions);
        from = point.endTime;
        logger.info(`${db.crdbName}: from ${isoOf(point.endTime)} to ${isoOf(b.readAt)}`);
        const r = await syncDatabase(client, db, plans, b, point, schema, config, logger);
        tables.push(...r.tables);
        if (r.carriedForward) carriedForward = true;
        if (!r.verified) logger.error(`${where}: the synced tables did not verify; nothing was committed`);
      } finally {
        await client.end();
      }
    }
    phases.push({ name: 'sync target', status: 'ok', seconds: (Date.now() - t0) / 1000 });
  } catch (e) {
    error = redactor.redact((e instanceof Error ? e.message : String(e)).split('\n').join('; '));
    configurationError = isConfigError(e);
    phases.push({ name: 'sync target', status: 'failed', seconds: (Date.now() - t0) / 1000, detail: error });
    logger.error(error);
  } finally {
    await lock?.release();
    await opened?.b.close().catch(() => undefined);
  }
  const partial = {
    tool: { name: 'cockroach-migrate', version: VERSION },
    startedAt,
    finishedAt: new Date(),
    source: { kind: 'backup', description: redactor.redact(opened?.source.description ?? 'not opened') },
    targets: [{ label: 'target' as const, description: server.description }],
    databases: [],
    decisions,
    phases,
    tables,
    warnings,
    ...(from && opened
      ? {
          sync: {
            from: isoOf(from),
            to: isoOf(opened.b.readAt),
            ...(carriedForward ? { verifiedBy: 'changes' as const } : {}),
          },
        }
      : {}),
    ...(error !== undefined ? { error } : {}),
    ...(configurationError ? { configurationError } : {}),
  };
  return { ...partial, verdict: verdictOf(partial) };
}
