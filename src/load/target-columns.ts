/**
 * The converter's PostgreSQL type of a column (`pgType`) decides how it is sent (COPY BINARY needs
 * the exact type) and how it is fingerprinted (row-hash.ts calls the type's own hash function). A
 * table this run did not create — kept by `if_exists: truncate` or `skip`, verified by `verify`,
 * or altered by hand since — may have other column types. Such columns lose their `pgType` here:
 * their table is sent as COPY text (PostgreSQL parses the text into whatever the column is) and
 * they are hashed by their output text on both sides, which every type has.
 */
import type pg from 'pg';
import { quoteQualified } from '../util/sql-quote.js';
import type { HashColumn } from './row-hash.js';
import { binaryKind } from '../copy/binary.js';

interface TargetTable {
  readonly pgSchema: string;
  readonly pgTable: string;
  readonly columns: readonly HashColumn[];
}

/** `plan` itself when every typed column has its converted type in the target, else a copy without the differing `pgType`s. */
export async function withTargetTypes<P extends TargetTable>(client: pg.ClientBase, plan: P): Promise<P> {
  // Only a column with a binary form can be sent as COPY BINARY or hashed by its type's function
  // (row-hash.ts): the others are sent and hashed as text whatever their type. Their type names
  // may also not be bare types (`text COLLATE "de"`), which to_regtype would refuse.
  const typed = plan.columns.flatMap((c, i) =>
    c.pgType === undefined || binaryKind(c.pgType, c.type) === undefined ? [] : [{ i, name: c.pgName, type: c.pgType }],
  );
  if (typed.length === 0) return plan;
  // A column matches when it exists with exactly the type the converter named (type modifiers
  // aside: COPY and the hash functions do not depend on them).
  const r = await client.query<{ i: number }>(
    `SELECT x.i::int AS i FROM unnest($1::text[], $2::text[], $3::int[]) AS x(c, t, i)
      WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                         WHERE a.attrelid = to_regclass($4) AND a.attname = x.c AND NOT a.attisdropped AND a.atttypid = to_regtype(x.t))`,
    [typed.map((t) => t.name), typed.map((t) => t.type), typed.map((t) => t.i), quoteQualified(plan.pgSchema, plan.pgTable)],
  );
  if (r.rows.length === 0) return plan;
  const differ = new Set(r.rows.map((x) => x.i));
  const columns = plan.columns.map((c, i) => {
    if (!differ.has(i)) return c;
    const { pgType: _differs, ...rest } = c;
    return rest;
  });
  return { ...plan, columns };
}
