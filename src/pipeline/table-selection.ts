/**
 * Which tables a run migrates: `include_tables` / `exclude_tables` glob patterns (as pgloader's
 * `including/excluding table names matching`, pgcopydb's filters and MOLT's table filter) applied
 * to the catalog before conversion, so an excluded table is neither created, loaded nor verified.
 *
 * A pattern names `table`, `schema.table` or `database.schema.table` (by its number of dots);
 * `*` matches any run of characters, `?` one character; names compare exactly (CockroachDB names
 * are case-sensitive once quoted). A pattern that matches no table is an error naming it: a typo
 * must not silently migrate everything (include) or nothing less (exclude).
 *
 * What depends on an excluded table is decided here, and each decision is returned for the log:
 * a foreign key that references it is not created (the referenced rows are not there, and
 * PostgreSQL needs the table); a view whose query names it is not created; a sequence it owned is
 * kept without the owner; comments on it go with it.
 */
import type { Catalog, Table } from '../model/catalog.js';
import type { Config } from '../config/keys.js';
import { ConfigError } from '../util/errors.js';

/** The config keys that select tables. */
export type TableSelection = Pick<Config, 'include_tables' | 'exclude_tables' | 'databases'>;

export interface SelectedCatalog {
  readonly catalog: Catalog;
  /** `database.schema.table` of each excluded table, in catalog order. */
  readonly excluded: readonly string[];
  /** One line per object dropped because it depends on an excluded table (for warnings). */
  readonly dependents: readonly string[];
}

const tableName = (t: Pick<Table, 'database' | 'schema' | 'name'>): string => `${t.database}.${t.schema}.${t.name}`;

/** A glob as an anchored regular expression (`*` any run, `?` one character, the rest literal). */
function globRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** Whether `pattern` names table `t` (compared with as many trailing name parts as it has dots + 1). */
export function tableMatches(pattern: string, t: Pick<Table, 'database' | 'schema' | 'name'>): boolean {
  const parts = splitPattern(pattern);
  const name = [t.database, t.schema, t.name].slice(3 - parts.length);
  return parts.every((p, i) => globRegExp(p).test(name[i]!));
}

/** `a.b.c` → [a, b, c]; at most three parts (a table name with dots is matched with `?` or `*`). */
function splitPattern(pattern: string): string[] {
  const parts = pattern.split('.');
  if (parts.length > 3 || parts.some((p) => p === '')) {
    throw new ConfigError(
      `table pattern "${pattern}" is not table, schema.table or database.schema.table`,
      'write the pattern with at most two dots, e.g. "shop.public.orders" or "public.order_*"',
    );
  }
  return parts;
}

/** Applies the selection to `catalog`; without patterns returns it unchanged. Throws for a pattern matching nothing. */
export function selectTables(catalog: Catalog, selection: TableSelection): SelectedCatalog {
  const include = selection.include_tables ?? [];
  const exclude = selection.exclude_tables ?? [];
  const databases = selection.databases;
  if (include.length === 0 && exclude.length === 0) return { catalog, excluded: [], dependents: [] };
  const candidates = catalog.tables.filter((t) => t.database !== 'system' && (!databases || databases.includes(t.database)));
  for (const [key, patterns] of [
    ['include_tables', include],
    ['exclude_tables', exclude],
  ] as const) {
    for (const p of patterns) {
      if (!candidates.some((t) => tableMatches(p, t))) {
        throw new ConfigError(
          `${key}: pattern "${p}" matches no table of the source`,
          'check the spelling against `cockroach-migrate inspect` (patterns name table, schema.table or database.schema.table; * and ? are wildcards)',
        );
      }
    }
  }
  const keep = (t: Table): boolean =>
    t.database === 'system' ||
    ((include.length === 0 || include.some((p) => tableMatches(p, t))) && !exclude.some((p) => tableMatches(p, t)));
  const kept = catalog.tables.filter(keep);
  const gone = catalog.tables.filter((t) => !keep(t));
  const goneIds = new Set(gone.map((t) => t.id));
  const dependents: string[] = [];

  const tables = kept.map((t) => {
    const fks = t.foreignKeys.filter((fk) => {
      if (!goneIds.has(fk.referencedTableId)) return true;
      const ref = gone.find((g) => g.id === fk.referencedTableId)!;
      dependents.push(`foreign key ${tableName(t)}.${fk.name} references the excluded table ${tableName(ref)}: not created`);
      return false;
    });
    return fks.length === t.foreignKeys.length ? t : { ...t, foreignKeys: fks };
  });
  // A view's query names its tables; one that names an excluded table would fail to be created.
  const mentions = (query: string, t: Table): boolean =>
    new RegExp(`(^|[^\\w$])"?${t.name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}"?($|[^\\w$])`).test(query);
  const views = catalog.views.filter((v) => {
    const ref = gone.find((t) => t.database === v.database && mentions(v.query, t));
    if (ref) dependents.push(`view ${tableName(v)} names the excluded table ${tableName(ref)}: not created`);
    return !ref;
  });
  const sequences = catalog.sequences.map((s) => {
    if (!s.owner || !goneIds.has(s.owner.tableId)) return s;
    const { owner: _owner, ...rest } = s;
    dependents.push(
      `sequence ${tableName(s)} was owned by the excluded table ${tableName(gone.find((g) => g.id === s.owner!.tableId)!)}: created without an owner`,
    );
    return rest;
  });
  const comments = catalog.comments.filter((c) => !('tableId' in c.target) || !goneIds.has(c.target.tableId));
  return {
    catalog: { ...catalog, tables, views, sequences, comments },
    excluded: gone.map(tableName),
    dependents,
  };
}
