/**
 * Mutable builders the DDL-text parser fills while reading statements; `finalize-catalog.ts` turns
 * them into the frozen schema model once every statement has been seen (so forward references —
 * FKs to later tables, types printed after the tables — resolve).
 */
import type { SqlType } from '../model/sql-type.js';
import type { Direction, ForeignKeyAction } from '../model/catalog.js';
import type { Token } from './tokenize.js';

export interface ColumnBuilder {
  id: number;
  name: string;
  type: SqlType;
  /** User-defined type as written (resolved at the end), with the database it was written in. */
  userTypeName?: { readonly parts: readonly string[]; readonly database: string; readonly arrayDepth: number };
  nullable: boolean;
  hidden: boolean;
  inaccessible: boolean;
  defaultExpr?: string;
  onUpdateExpr?: string;
  computed?: { expr: string; stored: boolean };
  identity?: { mode: 'always' | 'by-default'; sequenceOptions?: string };
}

export interface IndexElement {
  readonly columnName?: string;
  readonly expr?: string;
  readonly direction: Direction;
  readonly opclass?: string;
}

export interface IndexBuilder {
  id: number;
  name: string;
  unique: boolean;
  kind: 'forward' | 'inverted' | 'vector';
  elements: IndexElement[];
  storing: string[];
  predicate?: string;
  hash?: { buckets: number };
  partitioning?: { summary: string; numColumns: number };
  invisible: boolean;
  interleave?: string;
}

export interface ForeignKeyBuilder {
  name: string;
  columns: string[];
  refParts: string[];
  refColumns: string[];
  onDelete: ForeignKeyAction;
  onUpdate: ForeignKeyAction;
  match: 'simple' | 'full' | 'partial';
  validated: boolean;
}

export interface TableBuilder {
  id: number;
  database: string;
  schema: string;
  name: string;
  columns: ColumnBuilder[];
  primary?: IndexBuilder;
  indexes: IndexBuilder[];
  families: { name: string; columns: string[] }[];
  checks: { name: string; expr: string; validated: boolean }[];
  foreignKeys: ForeignKeyBuilder[];
  uniqueWithoutIndex: { name: string; columns: string[]; predicate?: string; validated: boolean }[];
  locality?: string;
  ttl?: string;
  storageParams: string[];
  interleave?: string;
  partitioning?: string;
  materializedViewQuery?: string;
  nextColumnId: number;
  nextIndexId: number;
}

/** Source text of `toks[a..b)` exactly as written in `text`. */
export function sourceOf(text: string, toks: readonly Token[], a: number, b: number): string {
  if (b <= a) return '';
  const first = toks[a]!;
  const last = toks[b - 1]!;
  return text.slice(first.offset, last.offset + last.text.length);
}
