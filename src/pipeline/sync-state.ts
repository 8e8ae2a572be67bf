/**
 * Which source point a target database reflects, kept after a verified migration from a backup so
 * that `sync` can catch it up from the collection's later layers: the collection, the full backup,
 * the read time, and per table its PostgreSQL name, columns and verified fingerprint. A schema of
 * its own (`cockroach_migrate_sync`): the resume schema `cockroach_migrate` means "an interrupted
 * run" and is removed after a verified one. Written in the transaction that applies a sync, so the
 * recorded point and the rows always agree.
 */
import type pg from 'pg';
import type { Fingerprint } from '../load/types.js';
import type { Timestamp } from '../mvcc/types.js';
import type { SyncPoint } from '../source/migration-source.js';
import { FINGERPRINT_DEFINITION } from '../load/row-hash.js';

export const SYNC_SCHEMA = 'cockroach_migrate_sync';

/** What was recorded for one table at the point. */
export interface SyncedTable {
  readonly tableId: string;
  readonly pgTable: string;
  /** `name type` of each loaded column, in order: a change between two points shows here. */
  readonly columns: readonly string[];
  readonly fingerprint?: Fingerprint;
}

export interface RecordedPoint extends SyncPoint {
  readonly tables: ReadonlyMap<string, SyncedTable>;
  /**
   * How the recorded fingerprints were computed (`FINGERPRINT_DEFINITION` of the version that
   * wrote them; undefined for versions before it was recorded): fingerprints of another
   * definition cannot be carried forward.
   */
  readonly fingerprintDefinition: string | undefined;
}

export const hlcText = (t: Timestamp): string => `${t.wallTime}.${String(t.logical).padStart(10, '0')}`;
export function parseHlcText(s: string): Timestamp {
  const [w, l] = s.split('.');
  return { wallTime: BigInt(w!), logical: Number(l ?? 0) };
}

async function ensureSyncTables(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${SYNC_SCHEMA}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${SYNC_SCHEMA}.points (source_db text PRIMARY KEY, collection text NOT NULL, full_dir text NOT NULL,
       end_time text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`,
  );
  // Added after the table's first version: a point recorded before has none. Altered only when
  // missing (ALTER needs ownership and locks the table even when the column is there).
  const has = await client.query(
    `SELECT 1 FROM pg_attribute WHERE attrelid = '${SYNC_SCHEMA}.points'::regclass AND attname = 'fingerprint' AND NOT attisdropped`,
  );
  if (has.rowCount === 0) await client.query(`ALTER TABLE ${SYNC_SCHEMA}.points ADD COLUMN fingerprint text`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${SYNC_SCHEMA}.tables (source_db text NOT NULL, table_id text NOT NULL, pg_table text NOT NULL,
       columns text[] NOT NULL, src_rows numeric, src_sum numeric, end_time text NOT NULL, PRIMARY KEY (source_db, table_id))`,
  );
}

/** Records (replacing any earlier record) the point `sourceDb` was loaded or synced to. */
export async function writeSyncPoint(
  client: pg.ClientBase,
  sourceDb: string,
  point: SyncPoint,
  tables: readonly SyncedTable[],
): Promise<void> {
  await ensureSyncTables(client);
  const end = hlcText(point.endTime);
  await client.query(
    `INSERT INTO ${SYNC_SCHEMA}.points (source_db, collection, full_dir, end_time, fingerprint) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (source_db) DO UPDATE SET collection = $2, full_dir = $3, end_time = $4, fingerprint = $5, recorded_at = now()`,
    [sourceDb, point.collection, point.fullDir, end, FINGERPRINT_DEFINITION],
  );
  await client.query(`DELETE FROM ${SYNC_SCHEMA}.tables WHERE source_db = $1`, [sourceDb]);
  for (const t of tables) {
    await client.query(
      `INSERT INTO ${SYNC_SCHEMA}.tables (source_db, table_id, pg_table, columns, src_rows, src_sum, end_time) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [sourceDb, t.tableId, t.pgTable, t.columns, t.fingerprint?.rows.toString() ?? null, t.fingerprint?.sum.toString() ?? null, end],
    );
  }
}

/** The point recorded for `sourceDb` in this database, if any. */
export async function readSyncPoint(client: pg.ClientBase, sourceDb: string): Promise<RecordedPoint | undefined> {
  const t = await client.query<{ ok: string | null }>(`SELECT to_regclass('${SYNC_SCHEMA}.points')::text AS ok`);
  if (!t.rows[0]?.ok) return undefined;
  // The fingerprint column through to_jsonb: a points table written before it existed has none.
  const p = await client.query<{ collection: string; full_dir: string; end_time: string; fingerprint: string | null }>(
    `SELECT collection, full_dir, end_time, to_jsonb(p) ->> 'fingerprint' AS fingerprint FROM ${SYNC_SCHEMA}.points AS p WHERE source_db = $1`,
    [sourceDb],
  );
  const row = p.rows[0];
  if (!row) return undefined;
  const r = await client.query<{ table_id: string; pg_table: string; columns: string[]; src_rows: string | null; src_sum: string | null }>(
    `SELECT table_id, pg_table, columns, src_rows, src_sum FROM ${SYNC_SCHEMA}.tables WHERE source_db = $1`,
    [sourceDb],
  );
  const tables = new Map<string, SyncedTable>();
  for (const x of r.rows) {
    tables.set(x.table_id, {
      tableId: x.table_id,
      pgTable: x.pg_table,
      columns: x.columns,
      ...(x.src_rows !== null && x.src_sum !== null ? { fingerprint: { rows: BigInt(x.src_rows), sum: BigInt(x.src_sum) } } : {}),
    });
  }
  return {
    collection: row.collection,
    fullDir: row.full_dir,
    endTime: parseHlcText(row.end_time),
    tables,
    fingerprintDefinition: row.fingerprint ?? undefined,
  };
}

/** Removes the point of `sourceDb` (a load is about to change the rows it vouched for). */
export async function forgetSyncPoint(client: pg.ClientBase, sourceDb: string): Promise<void> {
  const t = await client.query<{ ok: string | null }>(`SELECT to_regclass('${SYNC_SCHEMA}.points')::text AS ok`);
  if (!t.rows[0]?.ok) return;
  await client.query(`DELETE FROM ${SYNC_SCHEMA}.points WHERE source_db = $1`, [sourceDb]);
  await client.query(`DELETE FROM ${SYNC_SCHEMA}.tables WHERE source_db = $1`, [sourceDb]);
}
