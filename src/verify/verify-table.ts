/**
 * Proof that a table arrived intact: the row count and the order-independent content fingerprint
 * (load/row-hash.ts) of the source rows, against the same fingerprint computed by PostgreSQL over
 * the loaded table from its own `::text` output. On a mismatch, both sides are bucketed by a hash
 * of the primary key to find the differing rows with bounded memory.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { formatPgText } from '../copy/format.js';
import { quoteQualified } from '../ddl/quote.js';
import { CANONICAL_SESSION_SQL, rowHash, rowText, sqlRowHash, sqlRowText } from '../load/row-hash.js';
import type { Fingerprint, LoadRow, TableLoadPlan } from '../load/types.js';
import type { TableReport } from '../report/model.js';

export interface TableVerification {
  readonly id: string;
  readonly pgSchema: string;
  readonly pgTable: string;
  readonly source: Fingerprint;
  readonly target: Fingerprint;
  readonly match: boolean;
  /** Up to `limit` primary keys (PostgreSQL text) whose rows differ, are missing or are extra. */
  readonly differingKeys: readonly string[];
  readonly seconds: number;
}

function fieldTexts(plan: TableLoadPlan, row: LoadRow): (string | null)[] {
  return plan.columns.map((c, i) => {
    const d = row.values[i] ?? null;
    return d === null ? null : formatPgText(d, c.type);
  });
}

/** Fingerprint of source rows, computed exactly as the loader does. */
export async function sourceFingerprint(plan: TableLoadPlan): Promise<Fingerprint> {
  let rows = 0n;
  let sum = 0n;
  for await (const row of plan.rows()) {
    rows++;
    sum += rowHash(fieldTexts(plan, row));
  }
  return { rows, sum };
}

export async function setCanonicalSession(client: pg.ClientBase): Promise<void> {
  await client.query(CANONICAL_SESSION_SQL);
}

/** Fingerprint of the loaded table, computed by PostgreSQL. */
export async function targetFingerprint(client: pg.ClientBase, plan: TableLoadPlan): Promise<Fingerprint> {
  await setCanonicalSession(client);
  const cols = plan.columns.map((c) => c.pgName);
  const r = await client.query<{ n: string; s: string }>(
    `SELECT count(*)::text AS n, coalesce(sum(${sqlRowHash(cols)}::numeric), 0)::text AS s FROM ${quoteQualified(plan.pgSchema, plan.pgTable)}`,
  );
  return { rows: BigInt(r.rows[0]!.n), sum: BigInt(r.rows[0]!.s) };
}

const BUCKETS = 256;
const keyBucket = (keyText: string): number => createHash('md5').update(keyText, 'utf8').digest()[0]!;

/**
 * Finds rows that differ: per-bucket fingerprints on both sides, then per-row hashes only inside
 * the mismatching buckets (keyed by primary-key text, or by the whole row when there is no key).
 */
export async function findDifferingKeys(client: pg.ClientBase, plan: TableLoadPlan, limit = 10): Promise<string[]> {
  await setCanonicalSession(client);
  const cols = plan.columns.map((c) => c.pgName);
  const keyCols = plan.keyColumns && plan.keyColumns.length > 0 ? plan.keyColumns : cols;
  const keyIdx = keyCols.map((k) => cols.indexOf(k));
  const table = quoteQualified(plan.pgSchema, plan.pgTable);
  const sqlKey = sqlRowText(keyCols);
  const sqlBucket = `get_byte(decode(md5(${sqlKey}), 'hex'), 0)`;

  const srcBuckets = Array.from({ length: BUCKETS }, () => ({ n: 0n, s: 0n }));
  for await (const row of plan.rows()) {
    const texts = fieldTexts(plan, row);
    const b = srcBuckets[keyBucket(rowText(keyIdx.map((i) => texts[i] ?? null)))]!;
    b.n++;
    b.s += rowHash(texts);
  }
  const tb = await client.query<{ b: number; n: string; s: string }>(
    `SELECT ${sqlBucket} AS b, count(*)::text AS n, sum(${sqlRowHash(cols)}::numeric)::text AS s FROM ${table} GROUP BY 1`,
  );
  const tgtBuckets = new Map(tb.rows.map((r) => [r.b, { n: BigInt(r.n), s: BigInt(r.s) }]));
  const bad = new Set<number>();
  for (let b = 0; b < BUCKETS; b++) {
    const t = tgtBuckets.get(b) ?? { n: 0n, s: 0n };
    if (t.n !== srcBuckets[b]!.n || t.s !== srcBuckets[b]!.s) bad.add(b);
  }
  if (bad.size === 0) return [];

  // Second pass, only the mismatching buckets: key text → row hash on each side.
  const src = new Map<string, bigint>();
  for await (const row of plan.rows()) {
    const texts = fieldTexts(plan, row);
    const k = rowText(keyIdx.map((i) => texts[i] ?? null));
    if (bad.has(keyBucket(k))) src.set(k, rowHash(texts));
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const tr = await client.query<{ k: string; h: string }>(
    `SELECT ${sqlKey} AS k, ${sqlRowHash(cols)}::text AS h FROM ${table} WHERE ${sqlBucket} = ANY($1::int[])`,
    [[...bad]],
  );
  const show = (k: string, what: string): string => `${k.replace(/^\d+:/, '').replace(/,\d+:/g, ', ')} (${what})`;
  for (const r of tr.rows) {
    seen.add(r.k);
    const h = src.get(r.k);
    if (h === undefined) out.push(show(r.k, 'only in target'));
    else if (h !== BigInt(r.h)) out.push(show(r.k, 'differs'));
    if (out.length >= limit) return out;
  }
  for (const k of src.keys()) {
    if (!seen.has(k)) out.push(show(k, 'missing in target'));
    if (out.length >= limit) break;
  }
  return out;
}

/** Compares a source fingerprint (from the load, or recomputed) with the target. */
export async function verifyTable(client: pg.ClientBase, plan: TableLoadPlan, source?: Fingerprint, limit = 10): Promise<TableVerification> {
  const t0 = Date.now();
  const src = source ?? (await sourceFingerprint(plan));
  const tgt = await targetFingerprint(client, plan);
  const match = src.rows === tgt.rows && src.sum === tgt.sum;
  const differingKeys = match ? [] : await findDifferingKeys(client, plan, limit);
  return { id: plan.id, pgSchema: plan.pgSchema, pgTable: plan.pgTable, source: src, target: tgt, match, differingKeys, seconds: (Date.now() - t0) / 1000 };
}

/** The report's view of a verification. */
export function verificationSummary(v: TableVerification): NonNullable<TableReport['verification']> {
  return {
    sourceRows: v.source.rows,
    targetRows: v.target.rows,
    sourceChecksum: v.source.sum,
    targetChecksum: v.target.sum,
    match: v.match,
    differingKeys: v.differingKeys,
    seconds: v.seconds,
  };
}
