/**
 * `report.json`: the report for programs. Stable shape `cockroach-migrate-report/1`; 64-bit numbers
 * (row counts from fingerprints, checksums) are decimal strings, checksums also as 16 hex digits.
 */
import type { MigrationReport } from './model.js';

export const REPORT_FORMAT = 'cockroach-migrate-report/1';

/** Two's-complement hex of a signed 64-bit checksum. */
export const checksumHex = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

export interface ReportJson {
  format: typeof REPORT_FORMAT;
  tool: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  seconds: number;
  verdict: MigrationReport['verdict'];
  error: string | null;
  source: { kind: string; description: string };
  targets: { label: string; description: string }[];
  databases: MigrationReport['databases'];
  phases: MigrationReport['phases'];
  tables: Array<{
    source: string;
    target: string;
    on: string;
    columns: number;
    rowsLoaded: number;
    rejectedRows: number;
    bytes: number;
    loadSeconds: number;
    resumed: boolean;
    verification: null | {
      sourceRows: string;
      targetRows: string;
      sourceChecksum: string;
      targetChecksum: string;
      sourceChecksumHex: string;
      targetChecksumHex: string;
      match: boolean;
      differingKeys: string[];
      seconds: number;
    };
  }>;
  decisions: MigrationReport['decisions'];
  warnings: string[];
}

export function toReportJson(r: MigrationReport): ReportJson {
  return {
    format: REPORT_FORMAT,
    tool: r.tool,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    seconds: (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000,
    verdict: r.verdict,
    error: r.error ?? null,
    source: r.source,
    targets: [...r.targets],
    databases: r.databases,
    phases: r.phases,
    tables: r.tables.map((t) => ({
      source: t.source,
      target: t.target,
      on: t.on,
      columns: t.columns,
      rowsLoaded: t.rowsLoaded,
      rejectedRows: t.rejectedRows,
      bytes: t.bytes,
      loadSeconds: t.loadSeconds,
      resumed: t.resumed,
      verification: t.verification
        ? {
            sourceRows: t.verification.sourceRows.toString(),
            targetRows: t.verification.targetRows.toString(),
            sourceChecksum: t.verification.sourceChecksum.toString(),
            targetChecksum: t.verification.targetChecksum.toString(),
            sourceChecksumHex: checksumHex(t.verification.sourceChecksum),
            targetChecksumHex: checksumHex(t.verification.targetChecksum),
            match: t.verification.match,
            differingKeys: [...t.verification.differingKeys],
            seconds: t.verification.seconds,
          }
        : null,
    })),
    decisions: r.decisions,
    warnings: [...r.warnings],
  };
}

export function renderJson(r: MigrationReport): string {
  return `${JSON.stringify(toReportJson(r), null, 2)}\n`;
}
