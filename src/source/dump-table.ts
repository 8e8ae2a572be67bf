/**
 * `inspect --dump TABLE`: one table's rows as tab-separated PostgreSQL text (what COPY would send),
 * for stores and backups alike.
 */
import { formatPgText } from '../copy/format.js';
import type { Catalog, Table } from '../model/catalog.js';
import { storedColumns } from '../rows/decode-rows.js';
import { MigrateError } from '../util/errors.js';
import type { MigrationSource } from './migration-source.js';

/** A header line of column names, then up to `limit` rows; NULL prints as `NULL`. */
export async function* dumpTableLines(source: MigrationSource, spec: string, limit: number): AsyncIterable<string> {
  const table = findTable(source.catalog, spec);
  const cols = storedColumns(table);
  yield cols.map((c) => c.name).join('\t');
  let n = 0;
  for await (const row of source.rows(table)) {
    if (n++ >= limit) break;
    yield row.values.map((d, i) => (d === null ? 'NULL' : formatPgText(d, cols[i]!.type))).join('\t');
  }
}

/** The table named `table`, `db.table` or `db.schema.table`; unknown or ambiguous names are errors listing the candidates. */
export function findTable(c: Catalog, spec: string): Table {
  const p = spec.split('.');
  const matches = c.tables.filter((t) =>
    p.length === 1
      ? t.name === p[0]
      : p.length === 2
        ? t.database === p[0] && t.name === p[1]
        : t.database === p[0] && t.schema === p[1] && t.name === p[2],
  );
  if (matches.length === 1) return matches[0]!;
  const all = c.tables.map((t) => `${t.database}.${t.schema}.${t.name}`).join(', ');
  if (matches.length === 0) throw new MigrateError(`inspect: no table ${spec} in the source`, `tables: ${all || '(none)'}`);
  throw new MigrateError(
    `inspect: table name ${spec} is ambiguous`,
    `qualify it as db.table: ${matches.map((t) => `${t.database}.${t.name}`).join(', ')}`,
  );
}
