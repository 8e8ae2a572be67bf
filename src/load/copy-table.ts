/**
 * Streams one table into PostgreSQL with `COPY … FROM STDIN` (text format), in chunks of
 * `chunkSize` rows. Each chunk is one transaction holding the COPY and the resume checkpoint, so a
 * killed run loses at most the chunk in flight and a rerun continues after the last committed row.
 * Memory is bounded by one ~64 KiB buffer plus one row, whatever the table size.
 */
import { once } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyEscape, formatPgText } from '../copy/format.js';
import { quoteQualified, quoteIdent } from '../ddl/quote.js';
import type { Datum } from '../encoding/datum.js';
import { toHex } from '../util/bytes.js';
import { LoadError, MigrateError } from '../util/errors.js';
import { readTableState, writeTableState, type TableState } from './load-state.js';
import { rowHash } from './row-hash.js';
import type { Fingerprint, LoadProgressEvent, TableLoadPlan, TableLoadResult } from './types.js';

export interface CopyTableOptions {
  /** Rows per chunk (transaction + checkpoint). */
  readonly chunkSize: number;
  /** 'stop' (default): a row PostgreSQL cannot store stops the load; 'quarantine': it goes to a reject file. */
  readonly onError?: 'stop' | 'quarantine';
  /** Where reject files are written (`<table>.rejects.jsonl`). */
  readonly rejectDir?: string;
  readonly onProgress?: (e: LoadProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** Compute the content fingerprint while loading (default true; off with skip_validation). */
  readonly fingerprint?: boolean;
}

const FLUSH_BYTES = 64 * 1024;

/** Renders a row as one COPY text line, and its fingerprint hash from the same text. */
function renderRow(plan: TableLoadPlan, values: readonly Datum[], fingerprint: boolean): { line: string; hash: bigint } {
  const texts: (string | null)[] = new Array(plan.columns.length);
  let line = '';
  for (let i = 0; i < plan.columns.length; i++) {
    const d = values[i] ?? null;
    if (d === null) {
      texts[i] = null;
      line += i === 0 ? '\\N' : '\t\\N';
      continue;
    }
    const col = plan.columns[i]!;
    let t: string;
    try {
      t = formatPgText(d, col.type);
    } catch (e) {
      throw new RowRejected(col.pgName, e instanceof Error ? e.message : String(e));
    }
    if (t.includes('\u0000')) throw new RowRejected(col.pgName, 'text contains a NUL (0x00) character, which PostgreSQL cannot store');
    texts[i] = t;
    line += i === 0 ? copyEscape(t) : `\t${copyEscape(t)}`;
  }
  return { line: `${line}\n`, hash: fingerprint ? rowHash(texts) : 0n };
}

class RowRejected extends Error {
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function describeKey(plan: TableLoadPlan, key: Uint8Array): string {
  try {
    return plan.describeKey ? plan.describeKey(key) : toHex(key);
  } catch {
    return toHex(key);
  }
}

/** Loads (or resumes loading) one table. The client must not be in a transaction. */
export async function copyTable(client: pg.ClientBase, plan: TableLoadPlan, opts: CopyTableOptions): Promise<TableLoadResult> {
  const t0 = Date.now();
  const target = quoteQualified(plan.pgSchema, plan.pgTable);
  const columnList = plan.columns.map((c) => quoteIdent(c.pgName)).join(', ');
  const copySql = `COPY ${target} (${columnList}) FROM STDIN`;
  const prior = await readTableState(client, plan.id);
  const result = (state: TableState, bytes: number): TableLoadResult => ({
    id: plan.id,
    pgSchema: plan.pgSchema,
    pgTable: plan.pgTable,
    rows: state.rows,
    source: state.fingerprint,
    rejected: state.rejected,
    bytes,
    seconds: (Date.now() - t0) / 1000,
    resumed: prior !== undefined,
  });
  if (prior?.done) {
    opts.onProgress?.({ table: plan.id, phase: 'skipped', rows: prior.rows, bytes: 0 });
    return result(prior, 0);
  }

  let state: TableState = prior ?? { lastKey: undefined, rows: 0, fingerprint: { rows: 0n, sum: 0n }, rejected: 0, done: false };
  let bytesSent = 0;
  const rejectFile = opts.rejectDir ? join(opts.rejectDir, `${plan.id.replace(/[^\w.-]+/g, '_')}.rejects.jsonl`) : undefined;
  opts.onProgress?.({ table: plan.id, phase: 'start', rows: state.rows, bytes: 0 });

  const rows = plan.rows(state.lastKey)[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    while (!exhausted) {
      opts.signal?.throwIfAborted();
      let chunkRows = 0;
      let chunkRejected = 0;
      let lastKey = state.lastKey;
      let fp: Fingerprint = state.fingerprint;
      let sum = fp.sum;
      let count = fp.rows;
      await client.query('BEGIN');
      let stream: ReturnType<typeof copyFrom> | undefined;
      let finished: Promise<void> | undefined;
      try {
        const copy = client.query(copyFrom(copySql));
        stream = copy;
        finished = new Promise<void>((resolve, reject) => {
          copy.on('finish', resolve);
          copy.on('error', reject);
        });
        let buf = '';
        while (chunkRows < opts.chunkSize) {
          const next = await rows.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          const row = next.value;
          lastKey = row.key;
          let rendered: { line: string; hash: bigint };
          try {
            rendered = renderRow(plan, row.values, opts.fingerprint !== false);
          } catch (e) {
            if (!(e instanceof RowRejected)) throw e;
            const where = `${plan.id} column ${e.column}, row key ${describeKey(plan, row.key)}`;
            if (opts.onError !== 'quarantine' || !rejectFile) {
              throw new LoadError(`row rejected: ${where}: ${e.reason}`, 'fix the value in the source, or rerun with --on-error quarantine to set such rows aside in a reject file');
            }
            mkdirSync(opts.rejectDir!, { recursive: true });
            appendFileSync(rejectFile, `${JSON.stringify({ table: plan.id, key: describeKey(plan, row.key), column: e.column, reason: e.reason })}\n`);
            chunkRejected++;
            continue;
          }
          buf += rendered.line;
          sum += rendered.hash;
          count++;
          chunkRows++;
          if (buf.length >= FLUSH_BYTES) {
            bytesSent += Buffer.byteLength(buf);
            if (!stream.write(buf)) await once(stream, 'drain');
            buf = '';
          }
        }
        if (buf.length > 0) {
          bytesSent += Buffer.byteLength(buf);
          stream.write(buf);
        }
        stream.end();
        await finished;
        stream = undefined;
        fp = { rows: count, sum };
        state = { lastKey, rows: state.rows + chunkRows, fingerprint: fp, rejected: state.rejected + chunkRejected, done: exhausted };
        await writeTableState(client, plan.id, state);
        await client.query('COMMIT');
      } catch (e) {
        // A COPY still in progress must be failed (CopyFail) before the connection takes ROLLBACK.
        if (stream) {
          stream.destroy(e instanceof Error ? e : new Error(String(e)));
          await finished?.catch(() => undefined);
        }
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      opts.onProgress?.({ table: plan.id, phase: exhausted ? 'done' : 'chunk', rows: state.rows, bytes: bytesSent });
    }
  } catch (e) {
    await rows.return?.();
    if (e instanceof MigrateError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new LoadError(`loading ${plan.id} into ${target} failed after ${state.rows} rows: ${msg}`, undefined, { cause: e });
  }
  return result(state, bytesSent);
}
