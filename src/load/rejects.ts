/**
 * Reject files: rows PostgreSQL cannot store, set aside with `onError: 'quarantine'`, one JSON object
 * per line in `<dir>/<table>.rejects.jsonl`. A chunk's rejects are appended (and fsynced) just
 * before the chunk's COMMIT; a rerun first drops the lines of chunks that never committed (keys
 * after the checkpoint), so a kill at any moment leaves each rejected row listed exactly once.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlType } from '../model/sql-type.js';
import { formatPgText } from '../copy/format.js';
import type { Datum } from '../encoding/datum.js';
import { compareBytes, fromHex, toHex } from '../util/bytes.js';

export interface RejectRecord {
  readonly table: string;
  /** Pretty row key (plan.describeKey) or hex. */
  readonly key: string;
  /** Row key bytes as hex (what resuming compares). */
  readonly keyHex: string;
  readonly column: string;
  readonly reason: string;
  /** The row, column name → PostgreSQL text (or a JSON rendering of the raw value when it has none). */
  readonly row: Readonly<Record<string, string | null>>;
}

export function rejectFilePath(dir: string, tableId: string): string {
  return join(dir, `${tableId.replace(/[^\w.-]+/g, '_')}.rejects.jsonl`);
}

function rawValue(d: Exclude<Datum, null>, type: SqlType): string {
  if (d.kind === 'string' && !d.invalidUtf8) return d.value;
  try {
    return formatPgText(d, type);
  } catch {
    return JSON.stringify(d, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `\\x${toHex(v)}` : v instanceof Float32Array ? Array.from(v) : v,
    );
  }
}

export function rejectRow(
  columns: readonly { readonly pgName: string; readonly type: SqlType }[],
  values: readonly Datum[],
): Record<string, string | null> {
  const row: Record<string, string | null> = {};
  columns.forEach((c, i) => {
    const d = values[i] ?? null;
    row[c.pgName] = d === null ? null : rawValue(d, c.type);
  });
  return row;
}

/** Appends records durably (fsync) before the chunk commits. */
export function appendRejects(file: string, records: readonly RejectRecord[]): void {
  if (records.length === 0) return;
  mkdirSync(join(file, '..'), { recursive: true });
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Drops the lines written for chunks that did not commit: every line when nothing committed yet
 * (`lastKey` undefined), else the lines whose key sorts after the committed checkpoint.
 */
export function pruneRejects(file: string, lastKey: Uint8Array | undefined): void {
  if (!existsSync(file)) return;
  if (lastKey === undefined) {
    unlinkSync(file);
    return;
  }
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        const r = JSON.parse(line) as Partial<RejectRecord>;
        return typeof r.keyHex === 'string' && compareBytes(fromHex(r.keyHex), lastKey) <= 0;
      } catch {
        return false; // a torn last line from a kill mid-write
      }
    });
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}
