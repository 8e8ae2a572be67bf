/**
 * Load progress: a live line on a terminal (tables, rows, rows/s, MB/s and ETA per server), plain
 * log lines every 10 seconds and per loaded table otherwise (CI logs, files).
 */
import cliProgress from 'cli-progress';
import type { LoadProgressEvent } from '../load/types.js';
import type { LoadStartEvent } from '../pipeline/migrate.js';
import type { Logger } from '../util/logger.js';

export interface ProgressSink {
  begin(e: LoadStartEvent): void;
  onProgress(e: LoadProgressEvent & { server: string }): void;
  stop(): void;
}

export interface ProgressTotals {
  readonly done: number;
  readonly tables: number;
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly mbPerSecond: number;
  /** Seconds left at the current rate; undefined when the source records no row counts, or before any row. */
  readonly etaSeconds?: number;
}

/**
 * The numbers of one server's load, from its start event and the per-table progress events. Pure
 * apart from the clock it is given. Rates count only rows this run loaded (a resumed table starts
 * with the rows of the interrupted run); the ETA divides the rows still expected by that rate.
 */
export class LoadProgress {
  private readonly perTable = new Map<string, { rows: number; firstRows: number; bytes: number; done: boolean }>();
  private readonly t0: number;

  constructor(
    private readonly start: LoadStartEvent,
    private readonly now: () => number = Date.now,
  ) {
    this.t0 = now();
  }

  get server(): string {
    return this.start.server;
  }

  update(e: LoadProgressEvent): void {
    const was = this.perTable.get(e.table);
    this.perTable.set(e.table, { rows: e.rows, firstRows: was?.firstRows ?? e.rows, bytes: e.bytes, done: e.phase === 'done' || e.phase === 'skipped' });
  }

  totals(): ProgressTotals {
    let rows = 0;
    let newRows = 0;
    let bytes = 0;
    let done = 0;
    for (const t of this.perTable.values()) {
      rows += t.rows;
      newRows += t.rows - t.firstRows;
      bytes += t.bytes;
      if (t.done) done++;
    }
    const tables = Math.max(this.start.tables, this.perTable.size);
    const secs = Math.max(0.001, (this.now() - this.t0) / 1000);
    const rowsPerSecond = newRows / secs;
    const expected = this.start.expectedRows;
    let etaSeconds: number | undefined;
    if (done === tables) etaSeconds = 0;
    else if (expected !== undefined && rowsPerSecond > 0) etaSeconds = Math.max(0, expected - rows) / rowsPerSecond;
    return { done, tables, rows, rowsPerSecond, mbPerSecond: bytes / secs / 1e6, ...(etaSeconds !== undefined ? { etaSeconds } : {}) };
  }
}

/** 75 → "1m15s", 3725 → "1h02m", 9 → "9s"; a row count that was off shows as "<1s" until done. */
export function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 1) return '<1s';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressSink(logger: Logger, interactive: boolean, now: () => number = Date.now): ProgressSink {
  let current: LoadProgress | undefined;
  let lastLog = 0;
  const bar = interactive
    ? new cliProgress.SingleBar(
        { format: '{server}: {done}/{tables} tables | {rows} rows | {rps} rows/s | {mbps} MB/s{eta}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  return {
    begin(e) {
      current = new LoadProgress(e, now);
      lastLog = now();
    },
    onProgress(e) {
      // Events of a server no start event announced (a caller of migrate without onLoadStart).
      if (current?.server !== e.server) current = new LoadProgress({ server: e.server, tables: 0 }, now);
      current.update(e);
      const t = current.totals();
      const eta = t.etaSeconds !== undefined ? `ETA ${formatEta(t.etaSeconds)}` : undefined;
      const payload = {
        server: e.server,
        done: t.done,
        tables: t.tables,
        rows: t.rows.toLocaleString('en-US'),
        rps: Math.round(t.rowsPerSecond).toLocaleString('en-US'),
        mbps: t.mbPerSecond.toFixed(1),
        eta: eta ? ` | ${eta}` : '',
      };
      if (bar) {
        if (!started) {
          bar.start(1, 0, payload);
          started = true;
        }
        bar.update(0, payload);
      } else if (now() - lastLog > 10_000 || e.phase === 'done') {
        lastLog = now();
        logger.info(`${e.server}: ${e.table} ${e.phase === 'done' ? 'loaded' : 'loading'}: ${e.rows} rows; all: ${t.done}/${t.tables} tables, ${payload.rows} rows, ${payload.rps} rows/s${eta ? `, ${eta}` : ''}`);
      }
    },
    stop() {
      if (started) bar?.stop();
    },
  };
}
