/**
 * Load progress: a live status line on a terminal (tables, rows, rows/s, MB/s and ETA per server,
 * drawn below the log lines by the console sink), plain log lines every 10 seconds and per loaded
 * table otherwise (CI logs, files). Also what Ctrl-C during a migration says.
 */
import type { LoadProgressEvent } from '../load/types.js';
import { onInterrupt } from '../pg-instance/index.js';
import type { LoadStartEvent } from '../pipeline/migrate.js';
import { stderrConsole, type Logger } from '../util/logger.js';

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
  /**
   * Seconds left at the current rate; undefined when the source records no row counts, or while
   * the rate means little yet (see ETA_MIN_SHARE, ETA_MIN_SECONDS).
   */
  readonly etaSeconds?: number;
}

/** An ETA is shown once this run has loaded this share of the rows it has to load… */
export const ETA_MIN_SHARE = 0.05;
/** …or has been loading this long: before, one small table's speed would promise "560h". */
export const ETA_MIN_SECONDS = 10;

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
    this.perTable.set(e.table, {
      rows: e.rows,
      firstRows: was?.firstRows ?? e.rows,
      bytes: e.bytes,
      done: e.phase === 'done' || e.phase === 'skipped',
    });
  }

  totals(): ProgressTotals {
    let rows = 0;
    let resumedRows = 0;
    let newRows = 0;
    let bytes = 0;
    let done = 0;
    for (const t of this.perTable.values()) {
      rows += t.rows;
      resumedRows += t.firstRows;
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
    else if (expected !== undefined && rowsPerSecond > 0) {
      const meaningful = newRows >= ETA_MIN_SHARE * Math.max(0, expected - resumedRows) || secs >= ETA_MIN_SECONDS;
      if (meaningful) etaSeconds = Math.max(0, expected - rows) / rowsPerSecond;
    }
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

/** What Ctrl-C during a migration means, from the loads seen so far. */
export function interruptedLine(current: LoadProgress | undefined): string {
  if (!current || current.server !== 'target') return 'interrupted — the target was not written yet; rerun the same command to start again';
  const t = current.totals();
  if (t.done === t.tables)
    return `interrupted — ${current.server}: all ${t.tables} tables loaded; rerunning the same command resumes (nothing is loaded twice) and verifies`;
  return `interrupted — ${current.server}: ${t.done}/${t.tables} tables, ${t.rows.toLocaleString('en-US')} rows loaded; rerunning the same command resumes after the last committed chunk`;
}

/** Redraws of the live line at most this often (a chunk event may come every few milliseconds). */
const REDRAW_MS = 100;

/**
 * The progress of a migration's loads: on a terminal (`interactive`) one live line, else log lines.
 * From its creation until stop(), Ctrl-C says what was loaded and whether a rerun resumes.
 */
export function progressSink(logger: Logger, interactive: boolean, now: () => number = Date.now): ProgressSink {
  let current: LoadProgress | undefined;
  let lastLog = 0;
  let lastDraw = 0;
  const endLine = (): void => {
    if (interactive) stderrConsole.endStatus(true);
  };
  const offInterrupt = onInterrupt(() => {
    stderrConsole.interrupted();
    logger.info(interruptedLine(current));
  });
  return {
    begin(e) {
      endLine();
      current = new LoadProgress(e, now);
      lastLog = now();
      lastDraw = 0;
    },
    onProgress(e) {
      // Events of a server no start event announced (a caller of migrate without onLoadStart).
      if (current?.server !== e.server) current = new LoadProgress({ server: e.server, tables: 0 }, now);
      current.update(e);
      const finished = e.phase === 'done' || e.phase === 'skipped';
      if (interactive && !finished && now() - lastDraw < REDRAW_MS) return;
      const t = current.totals();
      const eta = t.etaSeconds !== undefined ? `ETA ${formatEta(t.etaSeconds)}` : undefined;
      const rows = t.rows.toLocaleString('en-US');
      const rps = Math.round(t.rowsPerSecond).toLocaleString('en-US');
      if (interactive) {
        lastDraw = now();
        stderrConsole.setStatus(
          `${e.server}: ${t.done}/${t.tables} tables | ${rows} rows | ${rps} rows/s | ${t.mbPerSecond.toFixed(1)} MB/s${eta ? ` | ${eta}` : ''}`,
        );
        // The load is over: its last state stays as an ordinary line above what follows.
        if (t.done === t.tables) endLine();
      } else if (now() - lastLog > 10_000 || e.phase === 'done') {
        lastLog = now();
        logger.info(
          `${e.server}: ${e.table} ${e.phase === 'done' ? 'loaded' : 'loading'}: ${e.rows} rows; all: ${t.done}/${t.tables} tables, ${rows} rows, ${rps} rows/s${eta ? `, ${eta}` : ''}`,
        );
      }
    },
    stop() {
      endLine();
      offInterrupt();
    },
  };
}
