/**
 * The schema `cockroach_migrate` that a migration keeps in the target: what a rerun needs to resume
 * (DDL steps done, per-table load checkpoints and parts, run identity). It lives in `load/`
 * because loading is the lowest layer that writes it.
 */
import type pg from 'pg';

export const STATE_SCHEMA = 'cockroach_migrate';

export async function ensureStateSchema(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.ddl_steps (
       scope text NOT NULL, phase text NOT NULL, idx integer NOT NULL, sql_md5 text NOT NULL, done_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (scope, phase, idx))`,
  );
}
