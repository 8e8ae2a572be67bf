/**
 * Numbers and small formatters shared by the three renderers, so the text, JSON and HTML reports
 * can never disagree about a total.
 */
import type { Decision, DecisionKind } from '../ddl/decision.js';
import type { MigrationReport, TableReport, TargetLabel } from './model.js';

/**
 * A signed 64-bit checksum as 16 hex digits (two's complement), e.g. -5n → `fffffffffffffffb`.
 * Verification computes checksums as signed int8 (PostgreSQL's `bigint`); hex is how people compare them.
 */
export const checksumHex = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

export interface ReportSummary {
  /** Table loads: one per table per destination (test instance, target). */
  readonly tableLoads: number;
  /** Distinct source tables. */
  readonly tables: number;
  /**
   * Where the data of the run ended: the target when it was loaded, else the test instance. Rows
   * and bytes are counted there only, so a row loaded into both is counted once.
   */
  readonly countedOn: TargetLabel | undefined;
  /** Rows loaded into `countedOn`. */
  readonly rowsLoaded: number;
  /** Rows rejected on `countedOn`. */
  readonly rejectedRows: number;
  /** COPY bytes sent to `countedOn`. */
  readonly bytes: number;
  /** Source data bytes (backup manifests) of the distinct tables, when the source records them. */
  readonly sourceBytes: number | undefined;
  /** The rehearsal on the test instance, apart, when the target was loaded too. */
  readonly testInstance:
    { readonly tableLoads: number; readonly rowsLoaded: number; readonly rejectedRows: number; readonly bytes: number } | undefined;
  readonly verified: number;
  readonly matched: number;
  readonly mismatched: number;
  readonly notVerified: number;
  /** Wall-clock seconds from start to finish. */
  readonly seconds: number;
  readonly decisions: Readonly<Record<DecisionKind, number>>;
}

/** Rows, rejected rows and COPY bytes of some table loads. */
function loadTotals(loads: readonly TableReport[]): { tableLoads: number; rowsLoaded: number; rejectedRows: number; bytes: number } {
  let rowsLoaded = 0;
  let rejectedRows = 0;
  let bytes = 0;
  for (const t of loads) {
    rowsLoaded += t.rowsLoaded;
    rejectedRows += t.rejectedRows;
    bytes += t.bytes;
  }
  return { tableLoads: loads.length, rowsLoaded, rejectedRows, bytes };
}

export function summarize(r: MigrationReport): ReportSummary {
  const countedOn: TargetLabel | undefined = r.tables.some((t) => t.on === 'target')
    ? 'target'
    : r.tables.length
      ? 'test instance'
      : undefined;
  const counted = loadTotals(r.tables.filter((t) => t.on === countedOn));
  const test = countedOn === 'target' ? r.tables.filter((t) => t.on === 'test instance') : [];
  const sourceSizes = new Map<string, number>();
  for (const t of r.tables) if (t.sourceBytes !== undefined) sourceSizes.set(t.source, t.sourceBytes);
  let verified = 0;
  let matched = 0;
  for (const t of r.tables) {
    if (t.verification) {
      verified++;
      if (t.verification.match) matched++;
    }
  }
  const decisions: Record<DecisionKind, number> = { 'as-is': 0, changed: 0, 'not-convertible': 0 };
  for (const d of r.decisions) decisions[d.kind]++;
  return {
    tableLoads: r.tables.length,
    tables: new Set(r.tables.map((t) => t.source)).size,
    countedOn,
    rowsLoaded: counted.rowsLoaded,
    rejectedRows: counted.rejectedRows,
    bytes: counted.bytes,
    sourceBytes: sourceSizes.size ? [...sourceSizes.values()].reduce((a, b) => a + b, 0) : undefined,
    testInstance: test.length ? loadTotals(test) : undefined,
    verified,
    matched,
    mismatched: verified - matched,
    notVerified: r.tables.length - verified,
    seconds: Math.max(0, (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000),
    decisions,
  };
}

/** Result word for a table load: `match`, `MISMATCH` or `not verified`. */
export function matchWord(t: TableReport): 'match' | 'MISMATCH' | 'not verified' {
  if (!t.verification) return 'not verified';
  return t.verification.match ? 'match' : 'MISMATCH';
}

/** Decisions that need a person's attention, not-convertible first, then changed (log order kept within a kind). */
export function issues(decisions: readonly Decision[]): Decision[] {
  return [...decisions.filter((d) => d.kind === 'not-convertible'), ...decisions.filter((d) => d.kind === 'changed')];
}

/** `db.schema.table` split on the first two dots (a database report's name is matched as a prefix first). */
export function splitName(name: string, database?: string): { database: string; schema: string; table: string } {
  let db: string;
  let rest: string;
  if (database !== undefined && name.startsWith(`${database}.`)) {
    db = database;
    rest = name.slice(database.length + 1);
  } else {
    const i = name.indexOf('.');
    db = i < 0 ? '' : name.slice(0, i);
    rest = i < 0 ? name : name.slice(i + 1);
  }
  const j = rest.indexOf('.');
  return j < 0 ? { database: db, schema: '', table: rest } : { database: db, schema: rest.slice(0, j), table: rest.slice(j + 1) };
}

/** Seconds with a fixed number of decimals; non-finite values (a clock glitch) print as `-`. */
export const secs = (s: number, digits = 2): string => (Number.isFinite(s) ? s.toFixed(digits) : '-');

/** Integer with thousands separators (`1,234,567`), exact for bigint. */
export const grouped = (n: number | bigint): string => {
  const s = typeof n === 'bigint' ? n.toString() : Number.isInteger(n) ? n.toFixed(0) : String(n);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  if (!/^\d+$/.test(digits)) return s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
};

/** Bytes as a short human size (`0 B`, `12.3 KB`, `4.56 GB`; powers of 1000). */
export function sizeText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}
