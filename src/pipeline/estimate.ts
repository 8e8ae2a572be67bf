/**
 * The estimated time `check` prints with the plan: rows (as the backup manifests record them) or,
 * where the source records no rows, bytes turned into rows, divided by a rate measured end to end
 * on the project's benchmark machine, times the number of loads (test instance, then target).
 *
 * The rates are those of docs/performance.md, "Scaling" (2 cores shared by Node and PostgreSQL,
 * MovR-shaped rows, `npm run bench`): ≈ 100k rows/s with verification (row count + checksum per
 * table) and ≈ 220k rows/s with skip_validation; and its assumption of ≈ 100 bytes of backup or
 * store SST per row (after Snappy). A larger machine loads faster (same table), wider rows slower:
 * the estimate says which rate it used so that a reader can scale it.
 */
import type { Config } from '../config/keys.js';

/** Rows per second end to end with verification, on 2 cores (docs/performance.md, "Scaling"). */
export const VERIFIED_ROWS_PER_SECOND = 100_000;
/** Rows per second end to end with skip_validation, on 2 cores (docs/performance.md, "Scaling"). */
export const SKIP_VALIDATION_ROWS_PER_SECOND = 220_000;
/** Bytes of SST data per row, where the source records bytes but no rows (docs/performance.md, "Scaling"). */
export const BYTES_PER_ROW = 100;

export interface SizeOfRun {
  /** Rows as the source records them (backup manifests), when it does. */
  readonly rows?: number;
  /** Bytes of the migrated tables (backup manifests), when the source records them per table. */
  readonly tableBytes?: number;
  /** Bytes of the whole source (store files, system tables included), the last resort. */
  readonly dataBytes?: number;
}

export interface Estimate {
  readonly seconds?: number;
  /** `estimated time: ~2 min (1.1 M rows at ~100k rows/s verified; docs/performance.md)` */
  readonly line: string;
}

/** `1.1 M`, `12.3k`, `950`. */
export function countText(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** `~5 s`, `~2 min`, `~1.5 h`. */
export function durationText(seconds: number): string {
  if (seconds < 90) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `~${Math.round(seconds / 60)} min`;
  return `~${(seconds / 3600).toFixed(1)} h`;
}

/** `512 KiB`, `3.4 MiB`, `1.2 GiB`. */
export function bytesText(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(n / 1024))} KiB`;
}

const rateText = (r: number): string => `~${Math.round(r / 1000)}k rows/s`;

/** The estimate of a run of `size` under `config` (verification, test instance, target). */
export function estimateTime(
  size: SizeOfRun,
  config: Pick<Config, 'skip_validation' | 'test_postgresql_import' | 'postgres_import_enabled'>,
): Estimate {
  const loads = (config.test_postgresql_import ? 1 : 0) + (config.postgres_import_enabled ? 1 : 0);
  if (loads === 0)
    return { seconds: 0, line: 'estimated time: nothing is loaded (test_postgresql_import and postgres_import_enabled are false)' };
  const rate = config.skip_validation ? SKIP_VALIDATION_ROWS_PER_SECOND : VERIFIED_ROWS_PER_SECOND;
  const mode = config.skip_validation ? 'skip_validation' : 'verified';
  const bytes = size.tableBytes ?? size.dataBytes;
  const what =
    size.rows !== undefined
      ? { rows: size.rows, text: `${countText(size.rows)} rows` }
      : bytes !== undefined
        ? {
            rows: bytes / BYTES_PER_ROW,
            text: `${bytesText(bytes)} of ${size.tableBytes !== undefined ? 'table data' : 'source files'} ≈ ${countText(bytes / BYTES_PER_ROW)} rows of ~${BYTES_PER_ROW} B`,
          }
        : undefined;
  if (!what) return { line: 'estimated time: unknown (the source records neither rows nor sizes)' };
  const seconds = (what.rows * loads) / rate;
  const times = loads === 2 ? ' × 2 loads (test instance, then target)' : '';
  return {
    seconds,
    line: `estimated time: ${durationText(seconds)} (${what.text}${times} at ${rateText(rate)} ${mode} on 2 cores; docs/performance.md)`,
  };
}
