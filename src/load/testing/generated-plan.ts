/**
 * A synthetic, deterministic table for tests and benchmarks: `id int8 PRIMARY KEY, name text,
 * amount numeric(12,2), created timestamptz, flag bool`, row i (1…n) keyed by its 4-byte
 * big-endian id. Resumable like a real source (`rows(after)` starts strictly after the key).
 */
import { sqlType } from '../../model/sql-type.js';
import type { Datum } from '../../encoding/datum.js';
import { quoteQualified } from '../../util/sql-quote.js';
import type { LoadRow, TableLoadPlan } from '../types.js';

export const GENERATED_COLUMNS_SQL = 'id int8 PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag bool';

export interface GeneratedPlanOptions {
  readonly schema?: string;
  readonly table?: string;
  /** The source "crashes" (throws) when it reaches this row. */
  readonly failAt?: number;
  /** Yield to the event loop for `pauseMs` every `pauseEvery` rows (slows a child process down). */
  readonly pauseEvery?: number;
  readonly pauseMs?: number;
  /** Replace column values of some rows (row number → column index → datum). */
  readonly override?: ReadonlyMap<number, ReadonlyMap<number, Datum>>;
  /** Give the columns their PostgreSQL types, as real plans do: the loader then sends COPY BINARY. */
  readonly binary?: boolean;
  /** Load it as the pipeline loads a whole table of bounded size (`TableLoadPlan.oneTransaction`). */
  readonly oneTransaction?: boolean;
  /**
   * The source stops before this row: it calls `onHold` and never yields again, keeping the
   * process alive until it is killed (a child process killed at a known point of a load).
   */
  readonly holdAt?: number;
  readonly onHold?: (row: number) => void;
}

const keyOf = (i: number): Uint8Array => {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i);
  return k;
};
const idOf = (k: Uint8Array): number => new DataView(k.buffer, k.byteOffset, k.byteLength).getUint32(0);

export function generatedRow(i: number): Datum[] {
  return [
    { kind: 'int', value: BigInt(i) },
    i % 11 === 0 ? null : { kind: 'string', value: `name ${i}\twith tab, back\\slash, "quote", newline\n and ü ${'x'.repeat(i % 17)}` },
    { kind: 'decimal', value: `${Math.floor(i / 3)}.${String(i % 100).padStart(2, '0')}` },
    { kind: 'timestamptz', seconds: 1_600_000_000n + BigInt(i) * 61n, nanos: (i % 1000) * 1000 },
    { kind: 'bool', value: i % 2 === 0 },
  ];
}

export function generatedPlan(n: number, opts: GeneratedPlanOptions = {}): TableLoadPlan {
  const schema = opts.schema ?? 'public';
  const table = opts.table ?? 'gen';
  return {
    id: `src.${schema}.${table}`,
    pgSchema: schema,
    pgTable: table,
    keyColumns: ['id'],
    ...(opts.oneTransaction ? { oneTransaction: true } : {}),
    columns: [
      { pgName: 'id', type: sqlType('int', { width: 64, oid: 20 }), pgType: 'bigint' },
      { pgName: 'name', type: sqlType('string', { oid: 25 }), pgType: 'text' },
      { pgName: 'amount', type: sqlType('decimal', { oid: 1700, precision: 12, width: 2 }), pgType: 'numeric(12,2)' },
      { pgName: 'created', type: sqlType('timestamptz', { oid: 1184 }), pgType: 'timestamptz' },
      { pgName: 'flag', type: sqlType('bool', { oid: 16 }), pgType: 'boolean' },
    ].map(({ pgType, ...c }) => (opts.binary ? { ...c, pgType } : c)),
    describeKey: (k) => `/${table}/${idOf(k)}`,
    rows: async function* (after?: Uint8Array): AsyncIterable<LoadRow> {
      for (let i = after ? idOf(after) + 1 : 1; i <= n; i++) {
        if (i === opts.failAt) throw new Error(`simulated source failure at row ${i}`);
        if (i === opts.holdAt) {
          opts.onHold?.(i);
          await new Promise<never>(() => setInterval(() => undefined, 60_000));
        }
        if (opts.pauseEvery && i % opts.pauseEvery === 0) await new Promise((r) => setTimeout(r, opts.pauseMs ?? 1));
        const values = generatedRow(i);
        const o = opts.override?.get(i);
        if (o) for (const [c, d] of o) values[c] = d;
        yield { key: keyOf(i), values };
      }
    },
  };
}

export const createGeneratedTableSql = (schema = 'public', table = 'gen'): string =>
  `CREATE TABLE ${quoteQualified(schema, table)} (${GENERATED_COLUMNS_SQL})`;
