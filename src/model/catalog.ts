/**
 * The schema model: what CockroachDB had, resolved and by name, independent of where it came from
 * (descriptors in a backup or store, or `SHOW CREATE` text from a live cluster). Produced by
 * `catalog/` (descriptors) and `show-create/` (DDL text); consumed by `ddl/` (conversion to
 * PostgreSQL), `rows/` (decoding KVs — hence the ids) and `verify/`.
 *
 * Expressions (defaults, computed columns, checks, predicates, view queries) are CockroachDB SQL text
 * with descriptor-id references already rewritten to names (`nextval(105:::REGCLASS)` →
 * `nextval('public.seq'::REGCLASS)`, `@100053` → `public.status`; docs/formats.md §3.10).
 * Ids are CockroachDB descriptor/column/index/family ids; the DDL-text front end assigns them in
 * declaration order (the same order CockroachDB would).
 */
import type { SqlType, EnumMember } from './sql-type.js';

export interface QualifiedName {
  readonly database: string;
  readonly schema: string;
  readonly name: string;
}

export type Direction = 'asc' | 'desc';

export interface Column {
  readonly id: number;
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** Hidden (NOT VISIBLE), e.g. the implicit `rowid`. */
  readonly hidden: boolean;
  /** Internal column of an expression index; never migrated as a column. */
  readonly inaccessible: boolean;
  readonly defaultExpr?: string;
  readonly onUpdateExpr?: string;
  /** Computed column: expression and whether it is stored in rows (STORED) or not (VIRTUAL). */
  readonly computed?: { readonly expr: string; readonly stored: boolean };
  readonly identity?: { readonly mode: 'always' | 'by-default'; readonly sequenceOptions?: string };
  /** Sequences this column's default uses / owns (by table id of the sequence). */
  readonly usesSequenceIds: readonly number[];
  readonly ownsSequenceIds: readonly number[];
}

export interface IndexColumn {
  /** Column id; for expression indexes, the inaccessible column whose `computed.expr` is the expression. */
  readonly columnId: number;
  readonly name: string;
  readonly direction: Direction;
}

export interface Index {
  readonly id: number;
  readonly name: string;
  readonly unique: boolean;
  readonly keyColumns: readonly IndexColumn[];
  /** STORING columns (PostgreSQL INCLUDE). */
  readonly storeColumnIds: readonly number[];
  /** Primary-key columns appended to a secondary key (for decoding only). */
  readonly keySuffixColumnIds: readonly number[];
  /** Columns whose value is also in the row value (DECIMAL, FLOAT, collated strings…): prefer the value copy. */
  readonly compositeColumnIds: readonly number[];
  readonly kind: 'forward' | 'inverted' | 'vector';
  /** Inverted index on a string column with gin_trgm_ops. */
  readonly trigram?: boolean;
  /** Partial index predicate (CockroachDB SQL). */
  readonly predicate?: string;
  /** Hash-sharded: the shard column and bucket count. */
  readonly sharded?: { readonly shardColumn: string; readonly buckets: number; readonly columnNames: readonly string[] };
  /** PARTITION BY: number of partitioning columns and how many of them are implicit (crdb_region). */
  readonly partitioning?: { readonly numColumns: number; readonly numImplicitColumns: number; readonly summary: string };
  readonly invisible: boolean;
  /**
   * Interleaved index (≤ 21.1, docs/formats.md §4.5): the ancestors whose key prefix this index's
   * keys start with, far to near. Rows then live inside the root ancestor's span.
   */
  readonly interleave?: readonly { readonly tableId: number; readonly indexId: number; readonly sharedPrefixLen: number }[];
}

export interface Family {
  readonly id: number;
  readonly name: string;
  readonly columnIds: readonly number[];
  /** Single-column families store that column as a bare value (docs/formats.md §5.3). */
  readonly defaultColumnId: number;
}

export interface CheckConstraint {
  readonly name: string;
  readonly expr: string;
  readonly validated: boolean;
  readonly columnIds: readonly number[];
  /** Created by a hash-sharded index (the shard column range check): dropped with the shard column. */
  readonly fromHashShardedColumn: boolean;
}

export type ForeignKeyAction = 'no action' | 'restrict' | 'set null' | 'set default' | 'cascade';

export interface ForeignKey {
  readonly name: string;
  readonly columnIds: readonly number[];
  readonly referencedTableId: number;
  readonly referencedColumnIds: readonly number[];
  readonly onDelete: ForeignKeyAction;
  readonly onUpdate: ForeignKeyAction;
  readonly match: 'simple' | 'full' | 'partial';
  readonly validated: boolean;
}

export interface UniqueWithoutIndex {
  readonly name: string;
  readonly columnIds: readonly number[];
  readonly predicate?: string;
  readonly validated: boolean;
}

/**
 * A schema change in flight when the descriptor was written (one `TableDescriptor.mutations` entry,
 * docs/formats.md §3): the element is not public, so it is not part of the table's columns,
 * indexes or constraints above (except checks and foreign keys being added, which CockroachDB
 * already enforces for writes and lists NOT VALID). `ddl/` reports each one.
 */
export interface SchemaChangeInFlight {
  readonly kind:
    | 'column'
    | 'index'
    | 'check'
    | 'foreign-key'
    | 'not-null'
    | 'unique-without-index'
    | 'primary-key-swap'
    | 'computed-column-swap'
    | 'materialized-view-refresh'
    | 'row-level-ttl'
    | 'unknown';
  readonly direction: 'add' | 'drop' | 'none';
  /** The mutation state: DELETE_ONLY, DELETE_AND_WRITE_ONLY, BACKFILLING, MERGING (or the number). */
  readonly state: string;
  /** Column, index or constraint name; for swaps, the column or index being swapped in. */
  readonly name: string;
  /** Index key columns; for a primary-key swap, the new key's columns. */
  readonly columns?: readonly string[];
  /** For a primary-key swap, the old (still used) key's columns. */
  readonly previousColumns?: readonly string[];
  /** Indexes with a special part in a schema change. */
  readonly role?: 'temporary-index' | 'new-primary-index' | 'old-primary-index';
  /** The mutation undoes a failed schema change. */
  readonly rollback: boolean;
}

export interface Table extends QualifiedName {
  readonly kind: 'table';
  readonly id: number;
  readonly columns: readonly Column[];
  readonly primaryIndex: Index;
  readonly indexes: readonly Index[];
  readonly families: readonly Family[];
  readonly checks: readonly CheckConstraint[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly uniqueWithoutIndex: readonly UniqueWithoutIndex[];
  /** `LOCALITY …` text, when multi-region. */
  readonly locality?: string;
  /** Row-level TTL storage parameters as text (`ttl_expire_after = '…'`, …). */
  readonly ttl?: string;
  /** Other storage parameters CockroachDB prints in WITH (…), e.g. schema_locked. */
  readonly storageParams: readonly string[];
  /** Materialized views store data like tables; `viewQuery` is set then. */
  readonly materializedViewQuery?: string;
  /** True when the descriptor says the data was excluded from backup. */
  readonly dataExcluded: boolean;
  /** Schema changes in flight (descriptors only; absent when none). */
  readonly schemaChanges?: readonly SchemaChangeInFlight[];
}

export interface View extends QualifiedName {
  readonly kind: 'view';
  readonly id: number;
  readonly query: string;
  readonly columnNames: readonly string[];
}

export interface Sequence extends QualifiedName {
  readonly kind: 'sequence';
  readonly id: number;
  readonly increment: bigint;
  readonly minValue: bigint;
  readonly maxValue: bigint;
  readonly start: bigint;
  readonly cacheSize: bigint;
  /** `AS integer type` (e.g. "INT4"), when given. */
  readonly asIntegerType?: string;
  readonly owner?: { readonly tableId: number; readonly columnId: number };
  readonly virtual: boolean;
  /** The last value handed out (the sequence's KV, docs/formats.md §4.6); absent when unknown. */
  readonly currentValue?: bigint;
}

export interface EnumType extends QualifiedName {
  readonly kind: 'enum';
  readonly id: number;
  /** In physical (sort) order = PostgreSQL label order. */
  readonly members: readonly EnumMember[];
}

export interface CompositeType extends QualifiedName {
  readonly kind: 'composite';
  readonly id: number;
  readonly elements: readonly { readonly label: string; readonly type: SqlType }[];
}

export type UserType = EnumType | CompositeType;

export interface FunctionDef extends QualifiedName {
  readonly kind: 'function';
  readonly id: number;
  readonly language: 'sql' | 'plpgsql';
  readonly isProcedure: boolean;
  /** Full CREATE FUNCTION text when known (SHOW CREATE), otherwise reconstructed parts. */
  readonly body: string;
  readonly params: readonly { readonly name: string; readonly type: SqlType; readonly mode: string }[];
  readonly returnType?: SqlType;
  readonly returnsSet: boolean;
  readonly volatility: 'volatile' | 'stable' | 'immutable';
}

export interface Schema {
  readonly id: number;
  readonly database: string;
  readonly name: string;
}

export interface Database {
  readonly id: number;
  readonly name: string;
  /** Multi-region: PRIMARY REGION etc. as text. */
  readonly regionConfig?: string;
}

export type CommentTarget =
  | { readonly kind: 'database'; readonly database: string }
  | { readonly kind: 'schema'; readonly database: string; readonly schema: string }
  | { readonly kind: 'table'; readonly tableId: number }
  | { readonly kind: 'column'; readonly tableId: number; readonly columnId: number }
  | { readonly kind: 'index'; readonly tableId: number; readonly indexId: number }
  | { readonly kind: 'constraint'; readonly tableId: number; readonly constraintName: string };

export interface Comment {
  readonly target: CommentTarget;
  readonly text: string;
}

/** Everything read from one source. Objects in DROP/OFFLINE/ADD state are already excluded. */
export interface Catalog {
  readonly databases: readonly Database[];
  /** User-defined schemas and `public` of each database. */
  readonly schemas: readonly Schema[];
  readonly tables: readonly Table[];
  readonly views: readonly View[];
  readonly sequences: readonly Sequence[];
  readonly types: readonly UserType[];
  readonly functions: readonly FunctionDef[];
  readonly comments: readonly Comment[];
  /** Things seen but not modelled (unknown descriptor kinds, skipped dropped objects…), for the report. */
  readonly notes: readonly string[];
}

export const qualifiedName = (o: QualifiedName): string => `${o.database}.${o.schema}.${o.name}`;
