/**
 * `report.json`: the report for programs (CI gates, dashboards).
 *
 * Shape `cockroach-migrate-report/1` — stable: fields are only ever added, never renamed or
 * retyped, within `/1`. Conventions:
 * - every key is always present; absent values are `null` (never omitted);
 * - 64-bit numbers (verified row counts, checksums) are decimal strings (`"-5"`, `"1234567"`),
 *   because JSON numbers lose precision above 2^53; checksums also as 16 lower-case hex digits
 *   (two's complement, `"fffffffffffffffb"`), the form the text and HTML reports show;
 * - counts that fit a double (rows loaded, rejected rows, bytes) are JSON numbers; seconds are numbers;
 * - dates are ISO 8601 UTC (`2026-01-02T03:04:05.000Z`).
 */
import type { DecisionKind } from '../ddl/decision.js';
import type { DifferingRow, MigrationReport, TargetLabel, Verdict } from './model.js';
import { checksumHex, summarize } from './summary.js';

export { checksumHex } from './summary.js';

export const REPORT_FORMAT = 'cockroach-migrate-report/1';

/** One table load (a source table loaded into one destination). */
export interface ReportJsonTable {
  /** CockroachDB name, `database.schema.table`. */
  source: string;
  /** PostgreSQL name, `database.schema.table`. */
  target: string;
  on: TargetLabel;
  columns: number;
  rowsLoaded: number;
  rejectedRows: number;
  /** COPY bytes this run sent to PostgreSQL for the table. */
  bytes: number;
  /** The table's data in the source as the backup manifests record it, or `null` (a store does not record it). */
  sourceBytes: number | null;
  loadSeconds: number;
  /** True when an interrupted earlier run had loaded part of the table. */
  resumed: boolean;
  /** `null` when verification was skipped. */
  verification: null | {
    /** Decimal string (64-bit). */
    sourceRows: string;
    /** Decimal string (64-bit). */
    targetRows: string;
    /** Signed 64-bit checksum, decimal string. */
    sourceChecksum: string;
    /** Signed 64-bit checksum, decimal string. */
    targetChecksum: string;
    /** The same checksum as 16 hex digits (two's complement). */
    sourceChecksumHex: string;
    targetChecksumHex: string;
    match: boolean;
    /** Primary keys (as text) of rows that differ; may be a sample. */
    differingKeys: string[];
    /** The first differing rows column by column (values cut to a bounded length; `null` = SQL NULL or no row). */
    differingRows: {
      key: string;
      status: DifferingRow['status'];
      columns: { name: string; source: string | null; target: string | null }[];
    }[];
    seconds: number;
  };
  /** `sync`: rows the change between the two source points inserted, updated and deleted, in total and per backup layer applied (`to`: its end time); `null` for a migration. */
  sync: null | {
    inserted: number;
    updated: number;
    deleted: number;
    layers: Array<{ to: string; inserted: number; updated: number; deleted: number }>;
  };
}

/** The whole `report.json` document. */
export interface ReportJson {
  format: typeof REPORT_FORMAT;
  tool: { name: string; version: string };
  /** ISO 8601 UTC. */
  startedAt: string;
  /** ISO 8601 UTC. */
  finishedAt: string;
  /** Wall-clock seconds from start to finish. */
  seconds: number;
  verdict: Verdict;
  /** The error that stopped the run (one line), or `null`. */
  error: string | null;
  source: { kind: string; description: string };
  /** `sync`: the source read times the target reflected before and after (ISO 8601 UTC); `null` for a migration. */
  sync: null | { from: string; to: string };
  targets: { label: TargetLabel; description: string }[];
  /** Totals over `tables` and `decisions`, for programs that only need the headline numbers. */
  summary: {
    tableLoads: number;
    tables: number;
    /** Where rows and bytes are counted: the target when it was loaded, else the test instance (`null`: nothing loaded). */
    countedOn: TargetLabel | null;
    /** Rows loaded into `countedOn`: each row once, never test instance + target. */
    rowsLoaded: number;
    rejectedRows: number;
    /** COPY bytes sent to `countedOn`. */
    bytes: number;
    /** Table data in the source (backup manifests), or `null` when the source does not record it. */
    sourceBytes: number | null;
    /** The test instance's loads, apart, when the target was loaded too; else `null`. */
    testInstance: { tableLoads: number; rowsLoaded: number; rejectedRows: number; bytes: number } | null;
    verified: number;
    matched: number;
    mismatched: number;
    notVerified: number;
    decisions: Record<DecisionKind, number>;
  };
  databases: { source: string; target: string; tables: number; views: number; sequences: number; types: number }[];
  phases: { name: string; status: 'ok' | 'failed' | 'skipped'; seconds: number; detail: string | null }[];
  tables: ReportJsonTable[];
  /** Schema steps timed per kind (pgloader's summary): statements this run executed, seconds summed. */
  steps: { on: TargetLabel; database: string; step: string; statements: number; seconds: number }[];
  /** Tables left out by include_tables / exclude_tables (not loaded, not verified). */
  excludedTables: string[];
  decisions: { object: string; kind: DecisionKind; what: string; why: string; fix: string | null }[];
  warnings: string[];
}

/** The JSON document as a plain object (no bigint, no Date: `JSON.stringify` safe). */
export function toReportJson(r: MigrationReport): ReportJson {
  const s = summarize(r);
  return {
    format: REPORT_FORMAT,
    tool: { name: r.tool.name, version: r.tool.version },
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    seconds: s.seconds,
    verdict: r.verdict,
    error: r.error ?? null,
    source: { kind: r.source.kind, description: r.source.description },
    sync: r.sync ? { from: r.sync.from, to: r.sync.to } : null,
    targets: r.targets.map((t) => ({ label: t.label, description: t.description })),
    summary: {
      tableLoads: s.tableLoads,
      tables: s.tables,
      countedOn: s.countedOn ?? null,
      rowsLoaded: s.rowsLoaded,
      rejectedRows: s.rejectedRows,
      bytes: s.bytes,
      sourceBytes: s.sourceBytes ?? null,
      testInstance: s.testInstance ? { ...s.testInstance } : null,
      verified: s.verified,
      matched: s.matched,
      mismatched: s.mismatched,
      notVerified: s.notVerified,
      decisions: { ...s.decisions },
    },
    databases: r.databases.map((d) => ({
      source: d.source,
      target: d.target,
      tables: d.tables,
      views: d.views,
      sequences: d.sequences,
      types: d.types,
    })),
    phases: r.phases.map((p) => ({ name: p.name, status: p.status, seconds: p.seconds, detail: p.detail ?? null })),
    tables: r.tables.map((t) => {
      const v = t.verification;
      return {
        source: t.source,
        target: t.target,
        on: t.on,
        columns: t.columns,
        rowsLoaded: t.rowsLoaded,
        rejectedRows: t.rejectedRows,
        bytes: t.bytes,
        sourceBytes: t.sourceBytes ?? null,
        loadSeconds: t.loadSeconds,
        resumed: t.resumed,
        verification: v
          ? {
              sourceRows: v.sourceRows.toString(),
              targetRows: v.targetRows.toString(),
              sourceChecksum: v.sourceChecksum.toString(),
              targetChecksum: v.targetChecksum.toString(),
              sourceChecksumHex: checksumHex(v.sourceChecksum),
              targetChecksumHex: checksumHex(v.targetChecksum),
              match: v.match,
              differingKeys: [...v.differingKeys],
              differingRows: (v.differingRows ?? []).map((d) => ({
                key: d.key,
                status: d.status,
                columns: d.columns.map((c) => ({ ...c })),
              })),
              seconds: v.seconds,
            }
          : null,
        sync: t.sync
          ? {
              inserted: t.sync.inserted,
              updated: t.sync.updated,
              deleted: t.sync.deleted,
              layers: (t.sync.layers ?? []).map((l) => ({ to: l.to, inserted: l.inserted, updated: l.updated, deleted: l.deleted })),
            }
          : null,
      };
    }),
    steps: (r.steps ?? []).map((x) => ({ on: x.on, database: x.database, step: x.step, statements: x.statements, seconds: x.seconds })),
    excludedTables: [...(r.excludedTables ?? [])],
    decisions: r.decisions.map((d) => ({ object: d.object, kind: d.kind, what: d.what, why: d.why, fix: d.fix ?? null })),
    warnings: [...r.warnings],
  };
}

/** `report.json` text: the document of {@link toReportJson}, two-space indented, newline-terminated. */
export function renderJson(r: MigrationReport): string {
  return `${JSON.stringify(toReportJson(r), null, 2)}\n`;
}
