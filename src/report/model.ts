/**
 * The migration report: everything a person or a program needs to judge a run. Filled by
 * `pipeline/`, rendered by `render-text.ts` (validation_report.txt), `render-json.ts` (report.json)
 * and `render-html.ts` (report.html). Numbers that can exceed 2^53 (checksums) are bigint here and
 * strings in JSON.
 */
import type { Decision } from '../ddl/decision.js';
import type { VerificationSummary } from '../verify/verify-table.js';

export type { DifferingRow } from '../verify/verify-table.js';

export type Verdict =
  /** Everything loaded and every verified table matched. */
  | 'success'
  /** Loaded and matched, but with warnings (schema changes, rejected rows, skipped verification). */
  | 'success-with-warnings'
  /** The source holds no user object (a fresh cluster): nothing was loaded, and nothing needed to be. */
  | 'nothing-to-migrate'
  /**
   * Loaded what was readable, but data files the source's manifest lists were absent (the user
   * opted in with allow_missing_files): the rows in them are missing, so never "verified identical".
   */
  | 'incomplete-source'
  /** Loaded, but at least one table's count or checksum differs between source and PostgreSQL. */
  | 'mismatch'
  /** The run stopped with an error. */
  | 'failed';

export type TargetLabel = 'test instance' | 'target';

export interface PhaseReport {
  /** e.g. "read source", "convert schema", "load (test instance)", "verify (target)". */
  readonly name: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly seconds: number;
  readonly detail?: string;
}

export interface TableReport {
  /** CockroachDB name, database.schema.table. */
  readonly source: string;
  /** PostgreSQL name, database.schema.table. */
  readonly target: string;
  readonly on: TargetLabel;
  readonly columns: number;
  readonly rowsLoaded: number;
  readonly rejectedRows: number;
  /** COPY bytes this run sent to PostgreSQL for the table (text or binary COPY format; not earlier, interrupted runs). */
  readonly bytes: number;
  /**
   * Size of the table's data in the source as its backup manifests record it (logical key+value
   * bytes over every layer of the chain); absent when the source does not record it (a store).
   */
  readonly sourceBytes?: number;
  readonly loadSeconds: number;
  /** True when an interrupted earlier run had loaded part of the table. */
  readonly resumed: boolean;
  /** `sync`: what the change between the two source points did to this table. */
  readonly sync?: {
    readonly inserted: number;
    readonly updated: number;
    readonly deleted: number;
    /** The same per backup layer applied, in order; `to` is the layer's end (the last: the read time). */
    readonly layers?: ReadonlyArray<{ readonly to: string; readonly inserted: number; readonly updated: number; readonly deleted: number }>;
  };
  /** Absent when verification was skipped. */
  readonly verification?: VerificationSummary;
}

/**
 * The time one kind of schema step took on one database, as pgloader's summary lists "Create
 * Indexes", "Primary Keys", "Foreign Keys", "Reset Sequences"…: statements run by this run and
 * the sum of their durations (steps of different tables run in parallel, so the sum can exceed the
 * phase's wall time).
 */
export interface StepTiming {
  readonly on: TargetLabel;
  /** PostgreSQL database. */
  readonly database: string;
  /** e.g. "create tables and types", "primary keys", "indexes", "foreign keys", "sequences", "comments", "analyze". */
  readonly step: string;
  readonly statements: number;
  readonly seconds: number;
}

export interface DatabaseReport {
  readonly source: string;
  readonly target: string;
  readonly tables: number;
  readonly views: number;
  readonly sequences: number;
  readonly types: number;
}

export interface MigrationReport {
  readonly tool: { readonly name: string; readonly version: string };
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly source: {
    readonly kind: string;
    readonly description: string;
    /** Data files the source's manifest lists that were absent and skipped (allow_missing_files). */
    readonly missingFiles?: readonly string[];
  };
  /** Where data went: the test instance (temporary) and/or the target (host:port, no password). */
  readonly targets: readonly { readonly label: TargetLabel; readonly description: string }[];
  readonly databases: readonly DatabaseReport[];
  readonly decisions: readonly Decision[];
  readonly phases: readonly PhaseReport[];
  readonly tables: readonly TableReport[];
  /** Schema steps timed per kind, in the order they first ran (absent: none ran, e.g. `verify`). */
  readonly steps?: readonly StepTiming[];
  /** Source tables left out by include_tables / exclude_tables (`database.schema.table`): neither loaded nor verified. */
  readonly excludedTables?: readonly string[];
  readonly warnings: readonly string[];
  /** The error that stopped the run, one line (redacted). */
  readonly error?: string;
  /** `error` is a configuration error (a bad key or value, a table pattern matching no table): the CLI exits 2. */
  readonly configurationError?: boolean;
  /** Set when the run stopped after leaving resume state in the target: rerunning the same command continues it. */
  readonly resumable?: boolean;
  /** `sync`: the source point the target reflected before and after (read times, ISO). */
  readonly sync?: {
    readonly from: string;
    readonly to: string;
    /**
     * `changes` (sync_verify): the source side of each check was the recorded fingerprint moved by
     * the changed rows, not a new read of the source: it proves the changes were applied, not
     * that they were found completely. Absent: every table was read again (the full proof).
     */
    readonly verifiedBy?: 'changes';
  };
  readonly verdict: Verdict;
}

/**
 * Whether a schema decision needs a person's attention: everything not convertible, and every
 * change except those the converter marked as keeping the meaning (`Decision.sameMeaning`). A
 * renamed column does (queries name columns).
 */
export function needsAttention(d: Decision): boolean {
  if (d.kind !== 'changed') return d.kind === 'not-convertible';
  return d.sameMeaning !== true;
}

/** The verdict implied by a report's contents. */
export function verdictOf(r: Omit<MigrationReport, 'verdict'>): Verdict {
  if (r.error !== undefined) return 'failed';
  if (r.tables.some((t) => t.verification && !t.verification.match)) return 'mismatch';
  if (r.source.missingFiles?.length) return 'incomplete-source';
  const nothing = r.tables.length === 0 && r.databases.every((d) => d.tables + d.views + d.sequences + d.types === 0);
  if (nothing && !r.decisions.some((d) => d.kind === 'not-convertible')) return 'nothing-to-migrate';
  const warned =
    r.warnings.length > 0 || r.decisions.some(needsAttention) || r.tables.some((t) => t.rejectedRows > 0 || t.verification === undefined);
  return warned ? 'success-with-warnings' : 'success';
}
