/**
 * Streams one table into PostgreSQL with `COPY … FROM STDIN` (binary when every column has a
 * binary form, else text), in chunks of `chunkSize` source rows, each chunk's COPY followed by the
 * resume checkpoint (load-state.ts) in the same transaction. Two ways to commit:
 * - a plan marked `oneTransaction` loading from empty is one transaction that truncated the table
 *   first, its rows written with COPY FREEZE (see takeOverEmptyTable); a killed run leaves the
 *   table empty and a rerun loads it again;
 * - otherwise (a part of a table, a resumed table, one that cannot be taken over) every chunk
 *   commits, so a killed run loses at most the chunk in flight and a rerun continues after the
 *   last committed row key.
 * Either way: no duplicates, no gaps.
 *
 * Data flow per chunk: an async generator pulls rows, encodes each (`BinaryRowEncoder`, or
 * `TextRowEncoder`: `formatPgText` + `copyEscape`), hashes it into the chunk's fingerprint
 * (row-hash.ts) and yields ~512 KiB buffers; `stream/promises.pipeline` feeds them to the COPY
 * stream, waiting for `drain`. Memory is one buffer plus one row, whatever the table size.
 *
 * Rows PostgreSQL cannot store are never dropped silently:
 * - detected before sending (NUL in text, `\u0000` in jsonb, values the formatter refuses);
 * - otherwise PostgreSQL's COPY error (`COPY t, line N, column c`) is mapped back to the source row
 *   by re-reading the chunk from its checkpoint.
 * With `onError: 'stop'` (default) the load stops with a LoadError naming table, column and row key;
 * with `'quarantine'` the row goes to `<rejectDir>/<table>.rejects.jsonl` and is counted (a row
 * PostgreSQL rejected makes the chunk roll back and run again without it).
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { BinaryCopyWriter, BinaryValueError, binaryKind, type BinaryKind } from '../copy/binary.js';
import { copyEscape, formatPgText } from '../copy/format.js';
import { quoteQualified, quoteIdent } from '../util/sql-quote.js';
import type { Datum } from '../encoding/datum.js';
import { toHex } from '../util/bytes.js';
import { LoadError, MigrateError } from '../util/errors.js';
import { readTableState, writeTableState, type TableState } from './load-state.js';
import { appendRejects, pruneRejects, rejectFilePath, rejectRow, type RejectRecord } from './rejects.js';
import { hashOut } from './pg-hash.js';
import { FingerprintSum, SourceRowHasher } from './row-hash.js';
import { withTargetTypes } from './target-columns.js';
import type { LoadProgressEvent, LoadRow, TableLoadPlan, TableLoadResult } from './types.js';

export interface CopyTableOptions {
  /** Source rows per chunk: one COPY statement and checkpoint each, and one transaction each unless the plan loads in one. */
  readonly chunkSize: number;
  /** 'stop' (default): a row PostgreSQL cannot store stops the load; 'quarantine': it goes to a reject file. */
  readonly onError?: 'stop' | 'quarantine';
  /** Where reject files are written (`<table>.rejects.jsonl`); required for 'quarantine'. */
  readonly rejectDir?: string;
  readonly onProgress?: (e: LoadProgressEvent) => void;
  /** Aborting rolls back the chunk in flight; committed chunks stay and a rerun resumes after them. */
  readonly signal?: AbortSignal;
  /** Compute the content fingerprint while loading (default true; off with skip_validation). */
  readonly fingerprint?: boolean;
  /**
   * COPY format: 'auto' (default) sends tables whose every column has a binary form as COPY
   * BINARY, others as text; 'text' always sends text.
   */
  readonly format?: 'auto' | 'text';
}

/**
 * COPY data handed to the socket at a time. Each write is a syscall plus loopback TCP work in the
 * kernel: 512 KiB took 3-5 % less CPU than 64 KiB for the benchmark's migration (3 alternating runs
 * each), 1 MiB no less than 512 KiB.
 */
const FLUSH_BYTES = 512 * 1024;

const NUL_REASON = 'text contains a NUL (0x00) character, which PostgreSQL cannot store';

/** A row that cannot be stored, found before sending. */
class RowRejected extends Error {
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** jsonb cannot hold `\u0000` (PostgreSQL: "unsupported Unicode escape sequence"). */
function jsonHasNul(d: Exclude<Datum, null>): boolean {
  if (d.kind === 'array' || d.kind === 'tuple') return d.elements.some((e) => e !== null && jsonHasNul(e));
  if (d.kind !== 'json') return false;
  const t = d.text;
  for (let i = t.indexOf('\\u0000'); i >= 0; i = t.indexOf('\\u0000', i + 1)) {
    let k = i;
    while (k > 0 && t.charCodeAt(k - 1) === 0x5c) k--;
    if ((i - k) % 2 === 0) return true; // the backslash at i is not itself escaped
  }
  return false;
}

/**
 * Types whose PostgreSQL text never holds a tab, newline, backslash or NUL: their fields skip the
 * COPY escaping and the NUL checks.
 */
const PLAIN_TEXT_FAMILIES: ReadonlySet<string> = new Set([
  'int',
  'float',
  'decimal',
  'bool',
  'uuid',
  'date',
  'time',
  'timetz',
  'timestamp',
  'timestamptz',
  'interval',
  'inet',
  'bit',
]);

/**
 * Renders rows into COPY data for one COPY statement (a chunk): `add` per row, `take` what is
 * buffered, `end` after the last row. `sum` is the fingerprint sum (row-hash.ts) of the rows
 * added (0 without fingerprinting): computed from PostgreSQL's text of each value.
 */
interface RowEncoder {
  readonly sum: bigint;
  /** Appends a row; throws RowRejected (appending nothing) for values PostgreSQL cannot store. */
  add(values: readonly Datum[]): void;
  /** Approximate bytes buffered. */
  readonly buffered: number;
  take(): Buffer;
  end(): void;
}

/**
 * The fingerprint of the rows a chunk sends, field by field (`SourceRowHasher`: integers, floats,
 * UUIDs and timestamps by value, text values by the bytes CockroachDB stored, others by their
 * PostgreSQL output text), XORed into the row's hash as the row is encoded; `endRow` adds it
 * once the whole row was accepted.
 */
class RowFingerprint {
  private readonly hasher: SourceRowHasher;
  private hi = 0;
  private lo = 0;
  readonly sum = new FingerprintSum();
  constructor(plan: TableLoadPlan) {
    this.hasher = new SourceRowHasher(plan.columns);
  }

  beginRow(): void {
    this.hi = 0;
    this.lo = 0;
  }

  /** Adds the field of column `i` from its value `d` (and its output text `t` when rendered; a NULL adds nothing). */
  set(i: number, d: Exclude<Datum, null>, t?: string): void {
    this.hasher.field(i, d, t);
    this.hi ^= hashOut.hi;
    this.lo ^= hashOut.lo;
  }

  /** A whole row's fields, `beginRow` to `endRow`. */
  row(values: readonly Datum[]): void {
    this.beginRow();
    for (let i = 0; i < values.length; i++) {
      const d = values[i] ?? null;
      if (d !== null) this.set(i, d);
    }
    this.endRow();
  }

  endRow(): void {
    this.sum.add(this.hi, this.lo);
  }
}

/** PostgreSQL text of a value, or RowRejected naming the column (what the text path refuses). */
function pgText(d: Exclude<Datum, null>, col: TableLoadPlan['columns'][number]): string {
  try {
    return formatPgText(d, col.type);
  } catch (e) {
    throw new RowRejected(col.pgName, e instanceof Error ? e.message : String(e));
  }
}

function refuseJsonNul(d: Exclude<Datum, null>, col: TableLoadPlan['columns'][number]): void {
  if ((d.kind === 'json' || d.kind === 'array') && jsonHasNul(d)) {
    throw new RowRejected(col.pgName, 'jsonb contains \\u0000, which PostgreSQL jsonb cannot store');
  }
}

/** COPY text format: one line per row, fields escaped. */
class TextRowEncoder implements RowEncoder {
  private readonly plain: boolean[];
  private readonly fields: RowFingerprint | undefined;
  private buf = '';
  constructor(
    private readonly plan: TableLoadPlan,
    fingerprint: boolean,
  ) {
    this.plain = plan.columns.map((c) => PLAIN_TEXT_FAMILIES.has(c.type.family));
    this.fields = fingerprint ? new RowFingerprint(plan) : undefined;
  }

  get sum(): bigint {
    return this.fields ? this.fields.sum.total : 0n;
  }

  get buffered(): number {
    return this.buf.length;
  }

  add(values: readonly Datum[]): void {
    const cols = this.plan.columns;
    const fields = this.fields;
    let line = '';
    fields?.beginRow();
    for (let i = 0; i < cols.length; i++) {
      const d = values[i] ?? null;
      if (i > 0) line += '\t';
      if (d === null) {
        line += '\\N';
        continue;
      }
      const col = cols[i]!;
      const t = pgText(d, col);
      fields?.set(i, d, t);
      if (this.plain[i]) {
        line += t;
        continue;
      }
      if (t.includes('\u0000')) throw new RowRejected(col.pgName, NUL_REASON);
      refuseJsonNul(d, col);
      line += copyEscape(t);
    }
    fields?.endRow();
    this.buf += `${line}\n`;
  }

  take(): Buffer {
    // Encoded once here (the stream would otherwise encode it again after we measured it).
    const out = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    return out;
  }

  end(): void {}
}

/**
 * COPY BINARY (copy/binary.ts), for tables whose every column has a binary form: no float,
 * timestamp or UUID text on either side, and the fingerprint of such values is their value hash
 * (row-hash.ts), so nothing is rendered as text to be hashed either. Refuses exactly what the
 * text path refuses.
 */
class BinaryRowEncoder implements RowEncoder {
  private readonly writer = new BinaryCopyWriter();
  /** Columns whose values can hold a NUL PostgreSQL refuses (text, enum labels, jsonb). */
  private readonly nulCheck: boolean[];
  private readonly fields: RowFingerprint | undefined;
  constructor(
    private readonly plan: TableLoadPlan,
    private readonly kinds: readonly BinaryKind[],
    fingerprint: boolean,
  ) {
    this.nulCheck = kinds.map((k) => k === 'text' || k === 'enum' || k === 'jsonb');
    this.fields = fingerprint ? new RowFingerprint(plan) : undefined;
    this.writer.header();
  }

  get sum(): bigint {
    return this.fields ? this.fields.sum.total : 0n;
  }

  get buffered(): number {
    return this.writer.length;
  }

  add(values: readonly Datum[]): void {
    const cols = this.plan.columns;
    for (let i = 0; i < cols.length; i++) {
      const d = values[i];
      if (!this.nulCheck[i] || d === null || d === undefined) continue;
      if (d.kind === 'string') {
        // Refuses a NUL or invalid UTF-8 as COPY text does; a clean value's stored bytes are
        // checked for a NUL without scanning its string.
        if (d.raw === undefined || d.invalidUtf8 || d.raw.includes(0)) pgText(d, cols[i]!);
      } else if (d.kind === 'enum' && d.label.includes('\u0000')) throw new RowRejected(cols[i]!.pgName, NUL_REASON);
      else refuseJsonNul(d, cols[i]!);
    }
    try {
      this.writer.row(values, this.kinds);
    } catch (e) {
      if (e instanceof BinaryValueError) throw new RowRejected(cols[e.column]?.pgName ?? '(row)', e.message);
      throw e;
    }
    // Hashed from the values once the row is written: a refused row adds nothing.
    this.fields?.row(values);
  }

  take(): Buffer {
    return this.writer.take();
  }

  end(): void {
    this.writer.trailer();
  }
}

/** The binary kinds of a plan's columns when every column has one (and binary is allowed). */
function binaryKinds(plan: TableLoadPlan, format: CopyTableOptions['format']): BinaryKind[] | undefined {
  if (format === 'text') return undefined;
  const kinds: BinaryKind[] = [];
  for (const c of plan.columns) {
    const k = c.pgType === undefined ? undefined : binaryKind(c.pgType, c.type);
    if (!k) return undefined;
    kinds.push(k);
  }
  return kinds.length > 0 ? kinds : undefined;
}

/** A fresh encoder for one COPY statement of `plan`. */
function encoderFor(plan: TableLoadPlan, kinds: readonly BinaryKind[] | undefined, fingerprint: boolean): RowEncoder {
  return kinds ? new BinaryRowEncoder(plan, kinds, fingerprint) : new TextRowEncoder(plan, fingerprint);
}

/**
 * Rows of a plan, read in batches when the plan offers them: the row loop takes the next row
 * synchronously and awaits only when a batch is used up. A chunk may end inside a batch; the
 * rest of it starts the next chunk.
 */
class RowCursor {
  private readonly it: AsyncIterator<readonly LoadRow[]>;
  private batch: readonly LoadRow[] = [];
  private pos = 0;
  constructor(plan: TableLoadPlan, after: Uint8Array | undefined) {
    this.it = (plan.rowBatches ? plan.rowBatches(after) : singleRows(plan.rows(after)))[Symbol.asyncIterator]();
  }

  /** The current row when it is already in memory. */
  peekSync(): LoadRow | undefined {
    return this.pos < this.batch.length ? this.batch[this.pos] : undefined;
  }

  /** The current row, reading the next batch when needed; undefined at the end. */
  async next(): Promise<LoadRow | undefined> {
    while (this.pos >= this.batch.length) {
      const r = await this.it.next();
      if (r.done) return undefined;
      this.batch = r.value;
      this.pos = 0;
    }
    return this.batch[this.pos];
  }

  advance(): void {
    this.pos++;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

async function* singleRows(rows: AsyncIterable<LoadRow>): AsyncGenerator<readonly LoadRow[]> {
  for await (const r of rows) yield [r];
}

function describeKey(plan: TableLoadPlan, key: Uint8Array): string {
  try {
    return plan.describeKey ? plan.describeKey(key) : toHex(key);
  } catch {
    return toHex(key);
  }
}

/** PostgreSQL's COPY error context: `COPY things, line 3, column amount: "…"`. */
function copyErrorLocation(e: unknown): { line: number; column?: string; message: string } | undefined {
  if (!(e instanceof Error)) return undefined;
  const where = (e as { where?: unknown }).where;
  if (typeof where !== 'string') return undefined;
  const m = /^COPY .*?, line (\d+)(?:, column ([^:]+))?/m.exec(where);
  if (!m) return undefined;
  return { line: Number(m[1]), ...(m[2] !== undefined ? { column: m[2] } : {}), message: e.message };
}

interface Quarantined {
  readonly column: string;
  readonly reason: string;
}

// PostgreSQL names no column for table-level failures (CHECK, unique, FK): then none is printed.
const rowWhere = (plan: TableLoadPlan, column: string | undefined, key: Uint8Array): string =>
  `${plan.id}${column !== undefined ? ` column ${column}` : ''}, row key ${describeKey(plan, key)}`;
const STOP_HINT = 'fix the value in the source, or rerun with --on-error quarantine to set such rows aside in a reject file';

/** A refused row as the reject file records it. */
const rejectRecord = (plan: TableLoadPlan, row: LoadRow, column: string, reason: string): RejectRecord => ({
  table: plan.id,
  key: describeKey(plan, row.key),
  keyHex: toHex(row.key),
  column,
  reason,
  row: rejectRow(plan.columns, row.values),
});

/** One chunk on its way: rows read and sent, bytes, the last key read, rows set aside. */
interface Chunk {
  consumed: number;
  sent: number;
  bytes: number;
  lastKey: Uint8Array | undefined;
  exhausted: boolean;
  readonly rejects: RejectRecord[];
}

/**
 * The COPY data of one chunk: up to `chunkSize` rows from `it`, encoded, flushed every FLUSH_BYTES.
 * A row in `skip` (refused by PostgreSQL on an earlier try of this chunk) or refused by the encoder
 * is set aside in `c.rejects` under quarantine, and otherwise stops the load.
 */
async function* chunkData(
  plan: TableLoadPlan,
  it: RowCursor,
  c: Chunk,
  encoder: RowEncoder,
  skip: ReadonlyMap<string, Quarantined>,
  opts: CopyTableOptions,
): AsyncGenerator<Buffer> {
  const quarantine = opts.onError === 'quarantine';
  while (c.consumed < opts.chunkSize) {
    if ((c.consumed & 1023) === 0) opts.signal?.throwIfAborted();
    const row = it.peekSync() ?? (await it.next());
    if (row === undefined) {
      c.exhausted = true;
      break;
    }
    it.advance();
    c.consumed++;
    c.lastKey = row.key;
    const refused = skip.size > 0 ? skip.get(toHex(row.key)) : undefined;
    if (refused) {
      c.rejects.push(rejectRecord(plan, row, refused.column, refused.reason));
      continue;
    }
    try {
      encoder.add(row.values);
    } catch (e) {
      if (!(e instanceof RowRejected)) throw e;
      if (!quarantine) throw new LoadError(`row rejected: ${rowWhere(plan, e.column, row.key)}: ${e.reason}`, STOP_HINT);
      c.rejects.push(rejectRecord(plan, row, e.column, e.reason));
      continue;
    }
    c.sent++;
    if (encoder.buffered >= FLUSH_BYTES) {
      const bytes = encoder.take();
      c.bytes += bytes.length;
      yield bytes;
    }
  }
  encoder.end();
  const bytes = encoder.take();
  c.bytes += bytes.length;
  if (bytes.length > 0) yield bytes;
}

/**
 * Opens the transaction of a whole-table load and takes the table over for COPY FREEZE: locks it,
 * checks it holds no row, and truncates it. Rows copied with FREEZE in the transaction that
 * truncated their table are written frozen on all-visible pages, so the index builds, constraint
 * checks, ANALYZE and verification scans that follow skip every row's visibility check (the
 * benchmark's keys and indexes took ≈ 30 % less time), and the target never has to freeze them
 * later. The lock comes before the check so that no row can arrive between them: only an empty
 * table is ever truncated. False, with the transaction rolled back, when the table holds rows or
 * PostgreSQL refuses (a foreign key from another table, no TRUNCATE privilege): the load then
 * commits chunk by chunk.
 */
async function takeOverEmptyTable(client: pg.ClientBase, target: string): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query(`LOCK TABLE ${target} IN ACCESS EXCLUSIVE MODE`);
    if ((await client.query(`SELECT 1 FROM ${target} LIMIT 1`)).rowCount === 0) {
      await client.query(`TRUNCATE ${target}`);
      return true;
    }
  } catch (e) {
    if (!(e instanceof pg.DatabaseError)) throw e;
  }
  await client.query('ROLLBACK');
  return false;
}

/**
 * PostgreSQL refusing COPY FREEZE itself (a partitioned or foreign table kept from before the
 * run, prior activity in the transaction): raised before any row is read, so without a line.
 */
const refusesFreeze = (e: unknown): boolean =>
  e instanceof pg.DatabaseError && ['0A000', '25000', '55000'].includes(e.code ?? '') && copyErrorLocation(e) === undefined;

/** Loads (or resumes loading) one table. The client must not be in a transaction. */
export async function copyTable(client: pg.ClientBase, planned: TableLoadPlan, opts: CopyTableOptions): Promise<TableLoadResult> {
  const t0 = Date.now();
  // Sent and hashed by the column types the target table has (a kept table may differ).
  const plan = await withTargetTypes(client, planned);
  if (!(opts.chunkSize >= 1)) throw new LoadError(`chunk size must be at least 1 (got ${opts.chunkSize})`);
  const quarantine = opts.onError === 'quarantine';
  if (quarantine && !opts.rejectDir) throw new LoadError(`onError 'quarantine' needs a reject directory`);
  const target = quoteQualified(plan.pgSchema, plan.pgTable);
  const columnList = plan.columns.map((c) => quoteIdent(c.pgName)).join(', ');
  const fingerprint = opts.fingerprint !== false;
  const kinds = binaryKinds(plan, opts.format);
  const copySql = (freeze: boolean): string => {
    const options = [...(kinds ? ['FORMAT binary'] : []), ...(freeze ? ['FREEZE'] : [])];
    return `COPY ${target} (${columnList}) FROM STDIN${options.length > 0 ? ` (${options.join(', ')})` : ''}`;
  };
  const prior = await readTableState(client, plan.id);
  const rejectFile = opts.rejectDir ? rejectFilePath(opts.rejectDir, plan.id) : undefined;
  const result = (state: TableState, bytes: number): TableLoadResult => ({
    id: plan.id,
    pgSchema: plan.pgSchema,
    pgTable: plan.pgTable,
    rows: state.rows,
    source: state.fingerprint,
    rejected: state.rejected,
    ...(rejectFile && state.rejected > 0 ? { rejectFile } : {}),
    bytes,
    seconds: (Date.now() - t0) / 1000,
    resumed: prior !== undefined,
  });
  if (prior?.done) {
    opts.onProgress?.({ table: plan.id, phase: 'skipped', rows: prior.rows, bytes: 0 });
    return result(prior, 0);
  }
  if (rejectFile) pruneRejects(rejectFile, prior?.lastKey);

  const start: TableState = prior ?? { lastKey: undefined, rows: 0, fingerprint: { rows: 0n, sum: 0n }, rejected: 0, done: false };
  let state = start;
  let bytesSent = 0;
  opts.onProgress?.({ table: plan.id, phase: 'start', rows: state.rows, bytes: 0 });

  let it = new RowCursor(plan, state.lastKey);
  /** Rows PostgreSQL refused in the current chunk (hex key → why); cleared when a chunk commits. */
  const skip = new Map<string, Quarantined>();
  // One transaction for the whole table (COPY FREEZE) when the plan asks and it loads from empty;
  // not under quarantine, where a refused row makes the transaction run again without it.
  let frozen = plan.oneTransaction === true && prior === undefined && !quarantine && (await takeOverEmptyTable(client, target));
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const c: Chunk = { consumed: 0, sent: 0, bytes: 0, lastKey: state.lastKey, exhausted: false, rejects: [] };
      const encoder = encoderFor(plan, kinds, fingerprint);

      if (!frozen) await client.query('BEGIN');
      try {
        await pipeline(chunkData(plan, it, c, encoder, skip, opts), client.query(copyFrom(copySql(frozen))));
        if (rejectFile) appendRejects(rejectFile, c.rejects);
        state = {
          lastKey: c.lastKey,
          rows: state.rows + c.sent,
          fingerprint: { rows: state.fingerprint.rows + BigInt(c.sent), sum: state.fingerprint.sum + encoder.sum },
          rejected: state.rejected + c.rejects.length,
          done: c.exhausted,
        };
        await writeTableState(client, plan.id, state);
        if (!frozen || c.exhausted) await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        await it.close();
        const chunkFrom = state.lastKey;
        if (frozen) {
          // The rollback took every chunk of this load with it.
          frozen = false;
          state = start;
          if (refusesFreeze(e)) {
            it = new RowCursor(plan, state.lastKey);
            continue; // from the start again, chunk by chunk
          }
        }
        const loc = copyErrorLocation(e);
        if (!loc) throw e;
        // PostgreSQL refused line `loc.line` of this chunk: find that row from the chunk's start.
        const bad = await findSentRow(plan, encoderFor(plan, kinds, false), chunkFrom, skip, loc.line);
        if (!bad)
          throw new LoadError(
            `PostgreSQL refused ${plan.id} line ${loc.line} of a chunk, and the row could not be found again: ${loc.message}`,
            undefined,
            { cause: e },
          );
        if (!quarantine)
          throw new LoadError(`row rejected by PostgreSQL: ${rowWhere(plan, loc.column, bad.key)}: ${loc.message}`, STOP_HINT, {
            cause: e,
          });
        skip.set(toHex(bad.key), { column: loc.column ?? '(row)', reason: loc.message });
        it = new RowCursor(plan, state.lastKey);
        continue; // the same chunk again, without that row
      }
      skip.clear();
      bytesSent += c.bytes;
      opts.onProgress?.({ table: plan.id, phase: c.exhausted ? 'done' : 'chunk', rows: state.rows, bytes: bytesSent });
      if (c.exhausted) break;
    }
  } catch (e) {
    await it.close();
    if (frozen) {
      // Stopped between chunks (aborted) with the whole table's transaction open.
      await client.query('ROLLBACK').catch(() => undefined);
      state = start;
    }
    if (e instanceof MigrateError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new LoadError(`loading ${plan.id} into ${target} failed after ${state.rows} rows: ${msg}`, undefined, { cause: e });
  }
  return result(state, bytesSent);
}

/** The row that was COPY line `line` (1-based) of the chunk starting after `from`. */
async function findSentRow(
  plan: TableLoadPlan,
  encoder: RowEncoder,
  from: Uint8Array | undefined,
  skip: ReadonlyMap<string, Quarantined>,
  line: number,
): Promise<LoadRow | undefined> {
  let n = 0;
  for await (const row of plan.rows(from)) {
    if (skip.size > 0 && skip.has(toHex(row.key))) continue;
    try {
      encoder.add(row.values);
      if (encoder.buffered >= FLUSH_BYTES) encoder.take();
    } catch (e) {
      if (e instanceof RowRejected) continue;
      throw e;
    }
    if (++n === line) return row;
  }
  return undefined;
}

/**
 * COPY `rows` (text format) into `into`, a table with the plan's columns, inside the caller's
 * transaction (no checkpoint of its own; the sync commits it with its state). A value PostgreSQL
 * cannot store is a LoadError naming the table, column and key. Returns the bytes sent.
 */
export async function copyRowsInto(client: pg.ClientBase, plan: TableLoadPlan, into: string, rows: readonly LoadRow[]): Promise<number> {
  const encoder = new TextRowEncoder(plan, false);
  const columnList = plan.columns.map((c) => quoteIdent(c.pgName)).join(', ');
  let bytes = 0;
  const produce = async function* (): AsyncGenerator<Buffer> {
    for (const row of rows) {
      try {
        encoder.add(row.values);
      } catch (e) {
        if (!(e instanceof RowRejected)) throw e;
        throw new LoadError(
          `row rejected: ${plan.id} column ${e.column}, row key ${describeKey(plan, row.key)}: ${e.reason}`,
          'fix the value in the source',
        );
      }
      if (encoder.buffered >= FLUSH_BYTES) {
        const b = encoder.take();
        bytes += b.length;
        yield b;
      }
    }
    const b = encoder.take();
    bytes += b.length;
    if (b.length > 0) yield b;
  };
  await pipeline(produce(), client.query(copyFrom(`COPY ${into} (${columnList}) FROM STDIN`)));
  return bytes;
}
