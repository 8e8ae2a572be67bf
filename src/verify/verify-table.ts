/**
 * Proof that a table arrived intact: the row count and the order-independent content fingerprint
 * (load/row-hash.ts) of the source rows, against the same fingerprint computed by PostgreSQL over
 * the loaded table (its type hash functions and output functions). On a mismatch, both sides are bucketed by a hash
 * of the primary key (65536 buckets) and per-row hashes are compared only inside a few
 * mismatching buckets, so memory stays bounded however large the table.
 *
 * The source fingerprint is normally the one the loader accumulated over exactly the rows it sent
 * — text columns over the bytes CockroachDB stored — (`TableLoadResult.source`); without it the
 * source is read again. A recomputed fingerprint
 * includes rows the loader quarantined because PostgreSQL refused them during COPY: those then show
 * up as "missing in target", which they are.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { quoteQualified } from '../util/sql-quote.js';
import {
  CANONICAL_SESSION_SQL,
  checkServerHash,
  rowText,
  SourceRowHasher,
  sourceFieldTexts,
  sqlFieldTexts,
  sqlRowHash,
  sqlRowText,
  type HashColumn,
} from '../load/row-hash.js';
import type { Fingerprint, LoadRow, TableLoadPlan } from '../load/types.js';
import { withTargetTypes } from '../load/target-columns.js';

export interface TableVerification {
  readonly id: string;
  /** `schema.table` in PostgreSQL. */
  readonly table: string;
  readonly pgSchema: string;
  readonly pgTable: string;
  readonly source: Fingerprint;
  readonly target: Fingerprint;
  readonly sourceRows: bigint;
  readonly targetRows: bigint;
  /** Exact sum of the signed 64-bit row hashes (may exceed 64 bits). */
  readonly sourceChecksum: bigint;
  readonly targetChecksum: bigint;
  readonly match: boolean;
  /** Up to `limit` primary keys (PostgreSQL text) whose rows differ, are missing or are extra. */
  readonly differingKeys: readonly string[];
  /** The first few of those rows, column by column. */
  readonly differingRows: readonly DifferingRow[];
  readonly seconds: number;
}

/** Canonical field texts of a source row; undefined when the loader would have rejected it. */
function fieldTexts(plan: TableLoadPlan, row: LoadRow): (string | null)[] | undefined {
  try {
    const t = sourceFieldTexts(plan.columns, row.values);
    return t.some((f) => f !== null && f.includes('\u0000')) ? undefined : t;
  } catch {
    return undefined;
  }
}

/** Fingerprint of source rows, computed exactly as the loader does (rows it would reject excluded). */
export async function sourceFingerprint(plan: TableLoadPlan): Promise<Fingerprint> {
  const hasher = new SourceRowHasher(plan.columns);
  let rows = 0n;
  let sum = 0n;
  for await (const row of plan.rows()) {
    if (!fieldTexts(plan, row)) continue;
    rows++;
    sum += hasher.row(row.values);
  }
  return { rows, sum };
}

/** Fingerprint of the given source rows (a sync's upserts), computed as `sourceFingerprint` does. */
export function rowsFingerprint(plan: TableLoadPlan, rows: readonly LoadRow[]): Fingerprint {
  const hasher = new SourceRowHasher(plan.columns);
  let n = 0n;
  let sum = 0n;
  for (const row of rows) {
    if (!fieldTexts(plan, row)) continue;
    n++;
    sum += hasher.row(row.values);
  }
  return { rows: n, sum };
}

/** Fixes the output-affecting settings of this session (see CANONICAL_SESSION_SQL). */
export async function setCanonicalSession(client: pg.ClientBase): Promise<void> {
  await client.query(CANONICAL_SESSION_SQL);
}

/**
 * Fingerprint of the loaded table, computed by PostgreSQL (`sum(bigint)` is exact: numeric
 * result). Sets the canonical session settings.
 */
export async function targetFingerprint(client: pg.ClientBase, plan: TableLoadPlan): Promise<Fingerprint> {
  await setCanonicalSession(client);
  await checkServerHash(client);
  const r = await client.query<{ n: string; s: string }>(
    `SELECT count(*)::text AS n, coalesce(sum(${sqlRowHash(plan.columns)}), 0)::text AS s FROM ${quoteQualified(plan.pgSchema, plan.pgTable)}`,
  );
  return { rows: BigInt(r.rows[0]!.n), sum: BigInt(r.rows[0]!.s) };
}

const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;
/** Mismatching buckets examined row by row per pass over the source. */
const BUCKETS_PER_PASS = 32;
const keyBucket = (keyText: string): number => createHash('md5').update(keyText, 'utf8').digest().readUInt16BE(0);

/** Longest value text a differing row shows (longer values are cut, their length noted). */
const SHOWN_VALUE_CHARS = 80;
/** Column names whose values a report never shows (credentials stored in the table itself). */
const SECRET_COLUMN = /password|passwd|passphrase|secret|token|api_?key|private_?key|credential|(^|_)(pwd|pass|salt)(_|$)/i;

/** A value as a differing row shows it: secret-looking columns hidden, long values cut. */
export function shownValue(column: string, text: string | null): string | null {
  if (text === null) return null;
  if (SECRET_COLUMN.test(column)) return `(hidden: ${[...text].length} characters; the column name suggests a secret)`;
  const chars = [...text];
  return chars.length > SHOWN_VALUE_CHARS ? `${chars.slice(0, SHOWN_VALUE_CHARS).join('')}… (${chars.length} characters)` : text;
}

/** One line for a log: `10 differs: title source 'a' target 'b'; …` (NULL unquoted). */
export function differingRowText(row: DifferingRow): string {
  const v = (x: string | null): string => (x === null ? 'NULL' : `'${x.replace(/'/g, "''")}'`);
  return `${row.key} ${row.status}: ${row.columns.map((c) => `${c.name} source ${v(c.source)} target ${v(c.target)}`).join('; ')}`;
}

/** The columns of a differing row to show: those whose texts differ, or every column of a one-sided row. */
function rowColumns(
  plan: TableLoadPlan,
  source: readonly (string | null)[] | undefined,
  target: readonly (string | null)[] | undefined,
): DifferingRow['columns'] {
  const out: { name: string; source: string | null; target: string | null }[] = [];
  plan.columns.forEach((c, i) => {
    const s = source ? (source[i] ?? null) : null;
    const t = target ? (target[i] ?? null) : null;
    if (source && target && s === t) return;
    out.push({ name: c.pgName, source: shownValue(c.pgName, s), target: shownValue(c.pgName, t) });
  });
  return out;
}

/**
 * Finds rows that differ: per-bucket fingerprints on both sides, then per-row hashes only inside
 * the first mismatching buckets (keyed by primary-key text, or by the whole row when there is no key).
 */
export async function findDifferingKeys(client: pg.ClientBase, plan: TableLoadPlan, limit = 10): Promise<string[]> {
  return (await findDifferences(client, plan, limit, 0)).keys;
}

/**
 * `findDifferingKeys`, plus the first `rowLimit` of those rows column by column (source vs
 * PostgreSQL texts, as both sides hash them).
 */
export async function findDifferences(
  client: pg.ClientBase,
  plan: TableLoadPlan,
  limit = 10,
  rowLimit = 5,
): Promise<{ keys: string[]; rows: DifferingRow[] }> {
  await setCanonicalSession(client);
  plan = await withTargetTypes(client, plan);
  const cols = plan.columns;
  const keyCols: readonly HashColumn[] =
    plan.keyColumns && plan.keyColumns.length > 0
      ? plan.keyColumns.map((k) => cols.find((c) => c.pgName === k) ?? { pgName: k, type: cols[0]!.type })
      : cols;
  const keyIdx = keyCols.map((k) => cols.indexOf(k as (typeof cols)[number]));
  const table = quoteQualified(plan.pgSchema, plan.pgTable);
  const sqlKey = sqlRowText(keyCols);
  const sqlBucket = `(get_byte(decode(md5(${sqlKey}), 'hex'), 0) * 256 + get_byte(decode(md5(${sqlKey}), 'hex'), 1))`;
  const keyOf = (texts: readonly (string | null)[]): string => rowText(keyIdx.map((i) => (i >= 0 ? (texts[i] ?? null) : null)));

  const hasher = new SourceRowHasher(cols);
  const srcN = new Float64Array(BUCKETS);
  const srcS: bigint[] = new Array<bigint>(BUCKETS).fill(0n);
  for await (const row of plan.rows()) {
    const texts = fieldTexts(plan, row);
    if (!texts) continue;
    const b = keyBucket(keyOf(texts));
    srcN[b]!++;
    srcS[b]! += hasher.row(row.values);
  }
  const tb = await client.query<{ b: number; n: string; s: string }>(
    `SELECT ${sqlBucket} AS b, count(*)::text AS n, sum(${sqlRowHash(cols)})::text AS s FROM ${table} GROUP BY 1`,
  );
  const tgtN = new Float64Array(BUCKETS);
  const tgtS: bigint[] = new Array<bigint>(BUCKETS).fill(0n);
  for (const r of tb.rows) {
    tgtN[r.b] = Number(r.n);
    tgtS[r.b] = BigInt(r.s);
  }
  const bad: number[] = [];
  for (let b = 0; b < BUCKETS; b++) if (tgtN[b] !== srcN[b] || tgtS[b] !== srcS[b]) bad.push(b);

  const out: string[] = [];
  const rows: DifferingRow[] = [];
  const keyShown = (k: string): string => k.replace(/^\d+:/, '').replace(/,\d+:/g, ', ');
  const show = (
    k: string,
    what: DifferingRow['status'],
    source?: readonly (string | null)[],
    target?: readonly (string | null)[],
  ): string => {
    if (rows.length < rowLimit) rows.push({ key: shownValue('', keyShown(k))!, status: what, columns: rowColumns(plan, source, target) });
    return `${keyShown(k)} (${what})`;
  };
  for (let first = 0; first < bad.length && out.length < limit; first += BUCKETS_PER_PASS) {
    const pass = new Set(bad.slice(first, first + BUCKETS_PER_PASS));
    // Source: key text → row hash (and texts), only inside this pass's buckets.
    const src = new Map<string, { hash: bigint; texts: (string | null)[] }>();
    for await (const row of plan.rows()) {
      const texts = fieldTexts(plan, row);
      if (!texts) continue;
      const k = keyOf(texts);
      if (pass.has(keyBucket(k))) src.set(k, { hash: hasher.row(row.values), texts });
    }
    const tr = await client.query<{ k: string; h: string; f: (string | null)[] }>(
      `SELECT ${sqlKey} AS k, ${sqlRowHash(cols)}::text AS h, ${sqlFieldTexts(cols)} AS f FROM ${table} WHERE ${sqlBucket} = ANY($1::int[])`,
      [[...pass]],
    );
    const seen = new Set<string>();
    for (const r of tr.rows) {
      seen.add(r.k);
      const s = src.get(r.k);
      if (s === undefined) out.push(show(r.k, 'only in target', undefined, r.f));
      else if (s.hash !== BigInt(r.h)) out.push(show(r.k, 'differs', s.texts, r.f));
      if (out.length >= limit) return { keys: out, rows };
    }
    for (const [k, s] of src) {
      if (!seen.has(k)) out.push(show(k, 'missing in target', s.texts, undefined));
      if (out.length >= limit) return { keys: out, rows };
    }
  }
  return { keys: out, rows };
}

/**
 * Compares a source fingerprint (from the load, or recomputed by reading the source again) with
 * the target; on a mismatch lists up to `limit` differing primary keys.
 */
export async function verifyTable(
  client: pg.ClientBase,
  plan: TableLoadPlan,
  source?: Fingerprint,
  limit = 10,
): Promise<TableVerification> {
  const t0 = Date.now();
  // Both sides hashed by the column types the target table has (withTargetTypes), as the loader did.
  plan = await withTargetTypes(client, plan);
  const src = source ?? (await sourceFingerprint(plan));
  const tgt = await targetFingerprint(client, plan);
  const match = src.rows === tgt.rows && src.sum === tgt.sum;
  const { keys: differingKeys, rows: differingRows } = match ? { keys: [], rows: [] } : await findDifferences(client, plan, limit);
  return {
    id: plan.id,
    table: `${plan.pgSchema}.${plan.pgTable}`,
    pgSchema: plan.pgSchema,
    pgTable: plan.pgTable,
    source: src,
    target: tgt,
    sourceRows: src.rows,
    targetRows: tgt.rows,
    sourceChecksum: src.sum,
    targetChecksum: tgt.sum,
    match,
    differingKeys,
    differingRows,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** What reports show of a verification: counts, checksums, verdict, a few differing keys. */
export interface VerificationSummary {
  readonly sourceRows: bigint;
  readonly targetRows: bigint;
  readonly sourceChecksum: bigint;
  readonly targetChecksum: bigint;
  readonly match: boolean;
  readonly differingKeys: readonly string[];
  /** The first few differing rows, column by column (source vs PostgreSQL), as MOLT Verify shows them. */
  readonly differingRows?: readonly DifferingRow[];
  readonly seconds: number;
}

/**
 * One row that differs between the source and PostgreSQL. Values are the canonical texts both sides
 * hash, cut to a bounded length; columns whose name suggests a secret show no value.
 */
export interface DifferingRow {
  /** The primary key (PostgreSQL text; the whole row for a table without one). */
  readonly key: string;
  readonly status: 'differs' | 'missing in target' | 'only in target';
  /**
   * `differs`: only the columns whose values differ; a row on one side only: its columns (the other
   * side `null`). `null` is SQL NULL or "no row".
   */
  readonly columns: readonly { readonly name: string; readonly source: string | null; readonly target: string | null }[];
}

/** The report's view of a verification. */
export function verificationSummary(v: TableVerification): VerificationSummary {
  return {
    sourceRows: v.source.rows,
    targetRows: v.target.rows,
    sourceChecksum: v.source.sum,
    targetChecksum: v.target.sum,
    match: v.match,
    differingKeys: v.differingKeys,
    ...(v.differingRows.length ? { differingRows: v.differingRows } : {}),
    seconds: v.seconds,
  };
}
