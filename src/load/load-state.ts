/**
 * Resume state kept in the target database itself (schema `cockroach_migrate`), updated in the
 * same transaction as each COPY chunk: after a kill at any moment, the committed chunks and their
 * checkpoint agree, so a rerun continues after the last committed row key with no duplicates.
 */
import type pg from 'pg';
import { STATE_SCHEMA, ensureStateSchema } from './state-schema.js';
import type { Fingerprint } from './types.js';

export interface TableState {
  readonly lastKey: Uint8Array | undefined;
  readonly rows: number;
  readonly fingerprint: Fingerprint;
  readonly rejected: number;
  readonly done: boolean;
}

export async function ensureLoadState(client: pg.ClientBase): Promise<void> {
  await ensureStateSchema(client);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.load_state (
       table_id text PRIMARY KEY, last_key bytea, rows bigint NOT NULL, src_rows numeric NOT NULL,
       src_sum numeric NOT NULL, rejected bigint NOT NULL DEFAULT 0, done boolean NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
  );
  // A table loaded in key-range parts: the boundaries, recorded before its first part loads, so
  // a resumed run loads the same parts whatever the split would compute now.
  await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.load_parts (table_id text PRIMARY KEY, boundaries bytea[] NOT NULL)`);
}

/** The recorded part boundaries of a table loaded in parts, if any. */
export async function readTableParts(client: pg.ClientBase, tableId: string): Promise<Uint8Array[] | undefined> {
  const r = await client.query<{ boundaries: Buffer[] }>(`SELECT boundaries FROM ${STATE_SCHEMA}.load_parts WHERE table_id = $1`, [
    tableId,
  ]);
  const row = r.rows[0];
  return row ? row.boundaries.map((b) => new Uint8Array(b)) : undefined;
}

export async function writeTableParts(client: pg.ClientBase, tableId: string, boundaries: readonly Uint8Array[]): Promise<void> {
  await client.query(`INSERT INTO ${STATE_SCHEMA}.load_parts (table_id, boundaries) VALUES ($1, $2)`, [
    tableId,
    boundaries.map((b) => Buffer.from(b)),
  ]);
}

export async function readTableState(client: pg.ClientBase, tableId: string): Promise<TableState | undefined> {
  const r = await client.query<{
    last_key: Buffer | null;
    rows: string;
    src_rows: string;
    src_sum: string;
    rejected: string;
    done: boolean;
  }>(`SELECT last_key, rows, src_rows, src_sum, rejected, done FROM ${STATE_SCHEMA}.load_state WHERE table_id = $1`, [tableId]);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    lastKey: row.last_key ? new Uint8Array(row.last_key) : undefined,
    rows: Number(row.rows),
    fingerprint: { rows: BigInt(row.src_rows), sum: BigInt(row.src_sum) },
    rejected: Number(row.rejected),
    done: row.done,
  };
}

/** Called inside the chunk's transaction. */
export async function writeTableState(client: pg.ClientBase, tableId: string, s: TableState): Promise<void> {
  await client.query(
    `INSERT INTO ${STATE_SCHEMA}.load_state (table_id, last_key, rows, src_rows, src_sum, rejected, done, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (table_id) DO UPDATE SET last_key = $2, rows = $3, src_rows = $4, src_sum = $5, rejected = $6, done = $7, updated_at = now()`,
    [
      tableId,
      s.lastKey ? Buffer.from(s.lastKey) : null,
      s.rows,
      s.fingerprint.rows.toString(),
      s.fingerprint.sum.toString(),
      s.rejected,
      s.done,
    ],
  );
}
