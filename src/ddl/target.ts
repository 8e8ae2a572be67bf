/**
 * The PostgreSQL target model: what `convertSchema` decided to create, already in PostgreSQL terms
 * (names fitted to 63 bytes, types and expressions translated). The emitter only renders it.
 */

export interface PgName {
  readonly schema: string;
  readonly name: string;
}

export interface PgColumnDef {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly default?: string;
  /** GENERATED ALWAYS AS (expr) STORED. */
  readonly generated?: string;
  /** GENERATED … AS IDENTITY [(options)]. */
  readonly identity?: { readonly mode: 'always' | 'by-default'; readonly options?: string };
}

export type PreDataItem =
  | { readonly kind: 'schema'; readonly name: string }
  | { readonly kind: 'extension'; readonly name: string }
  | { readonly kind: 'collation'; readonly target: PgName; readonly locale: string; readonly deterministic: boolean }
  | { readonly kind: 'enum'; readonly target: PgName; readonly labels: readonly string[] }
  | { readonly kind: 'composite'; readonly target: PgName; readonly fields: readonly { readonly name: string; readonly type: string }[] }
  | {
      readonly kind: 'sequence';
      readonly target: PgName;
      readonly asType?: string;
      readonly increment: bigint;
      readonly minValue: bigint;
      readonly maxValue: bigint;
      readonly start: bigint;
      readonly cache: bigint;
    }
  | { readonly kind: 'table'; readonly target: PgName; readonly columns: readonly PgColumnDef[] }
  | { readonly kind: 'sequence-owned-by'; readonly sequence: PgName; readonly table: PgName; readonly column: string }
  /** A trigger function `RETURNS trigger LANGUAGE plpgsql` with the given body. */
  | { readonly kind: 'trigger-function'; readonly target: PgName; readonly body: string };

export type PostDataItem =
  | { readonly kind: 'primary-key'; readonly table: PgName; readonly name: string; readonly columns: readonly string[] }
  | {
      readonly kind: 'index';
      readonly table: PgName;
      readonly name: string;
      readonly unique: boolean;
      readonly method: 'btree' | 'gin' | 'gist' | 'hnsw';
      readonly elements: readonly string[];
      readonly include: readonly string[];
      readonly where?: string;
      /** Attach as a UNIQUE constraint (`ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX`). */
      readonly asConstraint: boolean;
    }
  | {
      readonly kind: 'foreign-key';
      readonly table: PgName;
      readonly name: string;
      readonly columns: readonly string[];
      readonly refTable: PgName;
      readonly refColumns: readonly string[];
      readonly match: 'simple' | 'full';
      readonly onDelete: string;
      readonly onUpdate: string;
      readonly validate: boolean;
    }
  | { readonly kind: 'check'; readonly table: PgName; readonly name: string; readonly expr: string; readonly validate: boolean }
  | { readonly kind: 'trigger'; readonly table: PgName; readonly name: string; readonly fn: PgName }
  | {
      readonly kind: 'view';
      readonly target: PgName;
      readonly columns: readonly string[];
      readonly query: string;
      readonly materialized: boolean;
    }
  /** `COMMENT ON <on> IS …`; `on` is already rendered (e.g. `TABLE "s"."t"`). */
  | { readonly kind: 'comment'; readonly on: string; readonly text: string }
  /**
   * Sequence position after the load: the greatest of the source's current value and the max of
   * each listed column (any may be absent).
   */
  | {
      readonly kind: 'setval';
      readonly sequence: PgName | { readonly identityOf: PgName; readonly column: string };
      readonly current?: bigint;
      readonly minValue?: bigint;
      readonly columns: readonly { readonly table: PgName; readonly column: string }[];
    };
