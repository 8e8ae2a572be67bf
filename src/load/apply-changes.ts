/**
 * Applies one table's change between two source points to its PostgreSQL table, inside the
 * caller's transaction. The changed rows are staged first, batch by batch, in two temporary
 * tables (new and updated rows; deleted keys), so a sync's memory is bounded by a batch whatever
 * the size of the change; then deleted keys are deleted and the staged rows upserted by primary
 * key (one INSERT … ON CONFLICT DO UPDATE). Rows are matched by the primary key PostgreSQL has,
 * which the migration created from CockroachDB's.
 */
import type pg from 'pg';
import { LoadError } from '../util/errors.js';
import { quoteIdent, quoteQualified } from '../util/sql-quote.js';
import { copyRowsInto } from './copy-table.js';
import { CANONICAL_SESSION_SQL, checkServerHash, RESET_CANONICAL_SESSION_SQL, sqlRowHash } from './row-hash.js';
import type { Fingerprint, LoadRow, TableLoadPlan } from './types.js';

/** Rows buffered before they are copied into a staging table: one COPY per this many, not per source batch. */
const STAGE_BATCH_ROWS = 5_000;

let tempCounter = 0;

/** A temporary table with the given columns of `target` (types only, no constraints), dropped at commit. */
async function tempTableOf(client: pg.ClientBase, target: string, columns: readonly string[]): Promise<string> {
  const name = quoteIdent(`cm_sync_${process.pid}_${++tempCounter}`);
  await client.query(
    `CREATE TEMP TABLE ${name} ON COMMIT DROP AS SELECT ${columns.map(quoteIdent).join(', ')} FROM ${target} WITH NO DATA`,
  );
  return name;
}

/**
 * One table's change in one window of a sync, staged in PostgreSQL: `add` as the rows are read,
 * then `fingerprintBefore` (when the fast proof needs it), `applyDeletes`, `applyUpserts`; `reset`
 * empties it for the next window. Deletions and upserts are separate steps so that a caller
 * applying several tables can delete child tables first and upsert parents first. The staging
 * tables are created on the first row (a table without changes costs no statement), kept for the
 * whole sync (emptied, not recreated: each new table holds locks until the commit) and dropped by
 * the commit or the rollback.
 */
export class StagedChanges {
  private readonly pendingUpserts: LoadRow[] = [];
  private readonly pendingDeletes: LoadRow[] = [];
  private tables: { readonly upserts: string; readonly deletes: string } | undefined;
  /** Rows staged since the last reset: upserts and deleted keys. */
  upserts = 0;
  deletes = 0;
  /** COPY bytes of the staged upserts (what the target receives). */
  bytes = 0;

  private constructor(
    private readonly client: pg.ClientBase,
    private readonly plan: TableLoadPlan,
    private readonly target: string,
    private readonly keys: readonly string[],
  ) {}

  /** Staging for `plan`'s table on the caller's transaction; refuses a table without a primary key. */
  static open(client: pg.ClientBase, plan: TableLoadPlan): StagedChanges {
    const keys = plan.keyColumns;
    if (!keys || keys.length === 0) {
      throw new LoadError(
        `${plan.id}: cannot sync a table without a primary key in PostgreSQL`,
        'migrate this table in full (--if-exists drop) instead',
      );
    }
    return new StagedChanges(client, plan, quoteQualified(plan.pgSchema, plan.pgTable), keys);
  }

  /** Stages new or updated rows and deleted keys (key columns set, the rest ignored). */
  async add(upserts: readonly LoadRow[], deletes: readonly LoadRow[]): Promise<void> {
    for (const r of upserts) this.pendingUpserts.push(r);
    for (const r of deletes) this.pendingDeletes.push(r);
    this.upserts += upserts.length;
    this.deletes += deletes.length;
    if (this.pendingUpserts.length + this.pendingDeletes.length >= STAGE_BATCH_ROWS) await this.flush();
  }

  /** Empties the staging for the next window (the tables stay). */
  async reset(): Promise<void> {
    if (this.tables && this.upserts + this.deletes > 0) await this.client.query(`TRUNCATE ${this.tables.upserts}, ${this.tables.deletes}`);
    this.pendingUpserts.length = 0;
    this.pendingDeletes.length = 0;
    this.upserts = 0;
    this.deletes = 0;
    this.bytes = 0;
  }

  private async staging(): Promise<{ readonly upserts: string; readonly deletes: string }> {
    this.tables ??= {
      upserts: await tempTableOf(
        this.client,
        this.target,
        this.plan.columns.map((c) => c.pgName),
      ),
      deletes: await tempTableOf(this.client, this.target, this.keys),
    };
    return this.tables;
  }

  private async flush(): Promise<void> {
    if (this.pendingUpserts.length + this.pendingDeletes.length === 0) return;
    const t = await this.staging();
    if (this.pendingUpserts.length > 0) {
      this.bytes += await copyRowsInto(this.client, this.plan, t.upserts, this.pendingUpserts);
      this.pendingUpserts.length = 0;
    }
    if (this.pendingDeletes.length > 0) {
      const pos = this.keys.map((k) => this.plan.columns.findIndex((c) => c.pgName === k));
      const keyPlan: TableLoadPlan = { ...this.plan, columns: pos.map((i) => this.plan.columns[i]!) };
      const keyRows = this.pendingDeletes.map((r) => ({ key: r.key, values: pos.map((i) => r.values[i] ?? null) }));
      await copyRowsInto(this.client, keyPlan, t.deletes, keyRows);
      this.pendingDeletes.length = 0;
    }
  }

  /** The join condition between the target (alias `t`) and a staging table (alias `d`). */
  private get on(): string {
    return this.keys.map((k) => `t.${quoteIdent(k)} = d.${quoteIdent(k)}`).join(' AND ');
  }

  /**
   * PostgreSQL's fingerprint (load/row-hash.ts) of the target rows whose primary key is staged,
   * before they are changed: what those keys contributed to the fingerprint the target was
   * verified with at the recorded point.
   */
  async fingerprintBefore(): Promise<Fingerprint> {
    if (this.upserts + this.deletes === 0) return { rows: 0n, sum: 0n };
    await this.flush();
    const t = await this.staging();
    await this.client.query(CANONICAL_SESSION_SQL);
    await checkServerHash(this.client);
    // Qualified by the alias: the row-hash expression names bare columns, which are t's here.
    const r = await this.client.query<{ n: string; s: string }>(
      `SELECT count(*)::text AS n, coalesce(sum(${sqlRowHash(this.plan.columns)}), 0)::text AS s FROM ${this.target} AS t
       WHERE EXISTS (SELECT 1 FROM ${t.upserts} AS d WHERE ${this.on}) OR EXISTS (SELECT 1 FROM ${t.deletes} AS d WHERE ${this.on})`,
    );
    await this.client.query(RESET_CANONICAL_SESSION_SQL);
    return { rows: BigInt(r.rows[0]!.n), sum: BigInt(r.rows[0]!.s) };
  }

  /** Deletes the rows whose key is staged as deleted; returns how many the target had. */
  async applyDeletes(): Promise<number> {
    if (this.deletes === 0) return 0;
    await this.flush();
    const t = await this.staging();
    const r = await this.client.query(`DELETE FROM ${this.target} AS t USING ${t.deletes} AS d WHERE ${this.on}`);
    return r.rowCount ?? 0;
  }

  /** Upserts the staged rows; returns how many were inserted and how many updated an existing row. */
  async applyUpserts(): Promise<{ inserted: number; updated: number }> {
    if (this.upserts === 0) return { inserted: 0, updated: 0 };
    await this.flush();
    const t = await this.staging();
    const cols = this.plan.columns.map((c) => c.pgName);
    const list = cols.map(quoteIdent).join(', ');
    const rest = cols.filter((c) => !this.keys.includes(c));
    const action =
      rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}` : 'DO NOTHING';
    // xmax = 0 on the returned row version: it was inserted, not updated.
    const r = await this.client.query<{ inserted: string; updated: string }>(
      `WITH u AS (INSERT INTO ${this.target} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${t.upserts}
         ON CONFLICT (${this.keys.map(quoteIdent).join(', ')}) ${action} RETURNING (xmax = 0) AS ins)
       SELECT count(*) FILTER (WHERE ins)::text AS inserted, count(*) FILTER (WHERE NOT ins)::text AS updated FROM u`,
    );
    return { inserted: Number(r.rows[0]!.inserted), updated: Number(r.rows[0]!.updated) };
  }
}
