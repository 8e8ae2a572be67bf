/**
 * Load progress: a live line on a terminal (rows, rows/s, MB/s per server), plain log lines every
 * 10 seconds otherwise (CI logs, files).
 */
import cliProgress from 'cli-progress';
import type { LoadProgressEvent } from '../load/types.js';
import type { Logger } from '../util/logger.js';

export interface ProgressSink {
  onProgress(e: LoadProgressEvent & { server: string }): void;
  stop(): void;
}

export function progressSink(logger: Logger, interactive: boolean): ProgressSink {
  const perTable = new Map<string, { rows: number; bytes: number; done: boolean }>();
  let server = '';
  let t0 = Date.now();
  let lastLog = 0;
  const totals = () => {
    let rows = 0;
    let bytes = 0;
    let done = 0;
    for (const t of perTable.values()) {
      rows += t.rows;
      bytes += t.bytes;
      if (t.done) done++;
    }
    const secs = Math.max(0.001, (Date.now() - t0) / 1000);
    return { rows, bytes, done, tables: perTable.size, rps: Math.round(rows / secs), mbps: bytes / secs / 1e6 };
  };
  const bar = interactive
    ? new cliProgress.SingleBar(
        { format: '{server}: {done}/{tables} tables | {rows} rows | {rps} rows/s | {mbps} MB/s', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  return {
    onProgress(e) {
      if (e.server !== server) {
        server = e.server;
        perTable.clear();
        t0 = Date.now();
      }
      perTable.set(`${e.table}`, { rows: e.rows, bytes: e.bytes, done: e.phase === 'done' || e.phase === 'skipped' });
      const t = totals();
      const payload = { server, ...t, rows: t.rows.toLocaleString('en-US'), rps: t.rps.toLocaleString('en-US'), mbps: t.mbps.toFixed(1) };
      if (bar) {
        if (!started) {
          bar.start(1, 0, payload);
          started = true;
        }
        bar.update(0, payload);
      } else if (Date.now() - lastLog > 10_000 || e.phase === 'done') {
        lastLog = Date.now();
        logger.info(`${server}: ${e.table} ${e.phase === 'done' ? 'loaded' : 'loading'}: ${e.rows} rows; all: ${payload.done}/${payload.tables} tables, ${payload.rows} rows, ${payload.rps} rows/s`);
      }
    },
    stop() {
      if (started) bar?.stop();
    },
  };
}
