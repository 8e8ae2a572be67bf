/**
 * `validation_report.txt`: the original Python tool's sections, in its order and with its
 * headings (banner, DATABASE STRUCTURE OVERVIEW with `<db>` / `-- schema` / `---- table (S+D)`
 * lines, SCHEMA / DATA / CROSS VALIDATION RESULTS, OVERALL ASSESSMENT with a `Status:` line,
 * RECOMMENDATIONS, `Report generated:`), so its users find their way — but filled with real numbers:
 * per-table row counts and checksums read from the source and from PostgreSQL, differing keys,
 * rejected rows, timings, and the schema decisions (COMPATIBILITY ISSUES).
 * See /work/shared/docs/original-tool.md section (f) for the original layout.
 */
import type { Decision } from '../ddl/decision.js';
import { needsAttention, type MigrationReport, type TableReport, type Verdict } from './model.js';
import { checksumHex, issues, matchWord, secs, sizeText, splitName, summarize } from './summary.js';

const RULE = '='.repeat(80);
const SUB = '-'.repeat(40);

/**
 * One line of user text: control characters (newlines, tabs, ESC, DEL) become visible escapes so a
 * table or key can never break the layout or inject terminal sequences.
 */
function line(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Display width in code points (close enough for names; layout characters are ASCII). */
const width = (s: string): number => [...s].length;
const pad = (s: string, w: number, right: boolean): string => {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
};

/**
 * Aligned columns separated by two spaces, a dashed rule under the header. `right[i]` right-aligns
 * column i (numbers).
 */
function grid(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const all = [header, ...rows].map((r) => r.map(line));
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  const fmt = (r: readonly string[]) =>
    r
      .map((c, i) => pad(c, widths[i]!, right[i] === true))
      .join('  ')
      .trimEnd();
  return [fmt(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(fmt)];
}

/** Local wall-clock time `YYYY-MM-DD HH:MM:SS`, as the original printed `datetime.now()`. */
function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The original's three statuses, ASCII only, now derived from the verdict. */
export const TEXT_STATUS: Readonly<Record<Verdict, string>> = {
  success: '[OK] MIGRATION VERIFIED - every verified table is identical in PostgreSQL',
  'success-with-warnings': '[!] MIGRATION VERIFIED WITH WARNINGS - data identical; read the warnings and compatibility issues',
  'nothing-to-migrate': '[OK] NOTHING TO MIGRATE - the source holds no user table, view, sequence or type',
  'incomplete-source':
    '[!] LOADED WITH MISSING SOURCE FILES - rows in the absent files (see WARNINGS) are missing; not verified identical to the source',
  mismatch: '[X] MIGRATION NOT VERIFIED - some tables differ between the source and PostgreSQL',
  failed: '[X] MIGRATION FAILED - the run stopped with an error',
};

/** `(S+D)`: table created and rows loaded; `(S)`: created, no rows (empty in the source). */
function marker(loads: readonly TableReport[]): string {
  const rows = loads.some((t) => t.rowsLoaded > 0 || (t.verification !== undefined && t.verification.targetRows > 0n));
  return rows ? '(S+D)' : '(S)';
}

function overview(r: MigrationReport, out: string[]): void {
  out.push('DATABASE STRUCTURE OVERVIEW', SUB);
  // Source tables in first-seen order, each with its loads (test instance and/or target).
  const bySource = new Map<string, TableReport[]>();
  for (const t of r.tables) {
    const l = bySource.get(t.source);
    if (l) l.push(t);
    else bySource.set(t.source, [t]);
  }
  const placed = new Set<string>();
  const printTables = (names: readonly string[], db: string | undefined) => {
    let schema: string | undefined;
    for (const name of names) {
      const parts = splitName(name, db);
      if (parts.schema !== schema) {
        schema = parts.schema;
        out.push(`-- ${line(schema || '(no schema)')}`);
      }
      const loads = bySource.get(name)!;
      const results = loads.map((t) => `${t.on}: ${matchWord(t)}`).join(', ');
      const target = loads[0]!.target !== name ? ` -> ${line(loads[0]!.target)}` : '';
      out.push(`---- ${line(parts.table)} ${marker(loads)}${target}  [${results}]`);
      placed.add(name);
    }
  };
  for (const db of r.databases) {
    out.push(`${line(db.source)}${db.target !== db.source ? ` -> PostgreSQL database ${line(db.target)}` : ''}`);
    out.push(`   tables: ${db.tables}, views: ${db.views}, sequences: ${db.sequences}, types: ${db.types}`);
    printTables(
      [...bySource.keys()].filter((n) => !placed.has(n) && n.startsWith(`${db.source}.`)),
      db.source,
    );
  }
  const rest = [...bySource.keys()].filter((n) => !placed.has(n));
  if (rest.length) {
    out.push('(tables outside the databases above)');
    printTables(rest, undefined);
  }
  const excluded = r.excludedTables ?? [];
  if (excluded.length) {
    out.push(`Excluded by include_tables / exclude_tables (not loaded, not verified): ${excluded.length}`);
    for (const name of excluded) out.push(`  - ${line(name)}`);
  }
  const loads = [...bySource.values()];
  const withData = loads.filter((l) => marker(l) === '(S+D)').length;
  const verified = loads.filter((l) => l.some((t) => t.verification));
  const identical = verified.filter((l) => l.every((t) => !t.verification || t.verification.match)).length;
  out.push(`Total exportable tables: ${r.databases.reduce((n, d) => n + d.tables, 0)}`);
  out.push(`  - Tables loaded: ${bySource.size}   - With data: ${withData}   - Empty: ${bySource.size - withData}`);
  out.push(
    `  - Verified identical: ${identical}   - Different: ${verified.length - identical}   - Not verified: ${bySource.size - verified.length}`,
  );
  out.push('Legend: (S) table created in PostgreSQL, empty; (S+D) created and rows loaded;');
  out.push('        [destination: match | MISMATCH | not verified] = row count and checksum comparison', '');
}

function schemaResults(r: MigrationReport, out: string[]): void {
  const s = summarize(r);
  out.push('SCHEMA VALIDATION RESULTS', SUB);
  if (r.databases.length) {
    out.push(
      ...grid(
        ['database', 'PostgreSQL', 'tables', 'views', 'sequences', 'types'],
        r.databases.map((d) => [d.source, d.target, String(d.tables), String(d.views), String(d.sequences), String(d.types)]),
        [false, false, true, true, true, true],
      ),
    );
  } else out.push('No database was read.');
  out.push(`Objects converted as is: ${s.decisions['as-is']}`);
  out.push(`Objects changed to fit PostgreSQL: ${s.decisions.changed}`);
  out.push(`Objects not convertible: ${s.decisions['not-convertible']}`);
  out.push(
    `Issues found: ${s.decisions.changed + s.decisions['not-convertible']}${s.decisions.changed + s.decisions['not-convertible'] ? ' (see COMPATIBILITY ISSUES)' : ''}`,
    '',
  );
}

function dataResults(r: MigrationReport, out: string[]): void {
  const s = summarize(r);
  out.push('DATA VALIDATION RESULTS', SUB);
  if (r.tables.length === 0) out.push('No table was loaded.');
  else {
    out.push(
      ...grid(
        [
          'table',
          'on',
          'loaded',
          'source size',
          'COPY sent',
          'source rows',
          'target rows',
          'source checksum',
          'target checksum',
          'result',
          'rejected',
          'load s',
          'verify s',
        ],
        r.tables.map((t) => {
          const v = t.verification;
          return [
            t.source + (t.resumed ? ' (resumed)' : ''),
            t.on,
            String(t.rowsLoaded),
            t.sourceBytes !== undefined ? sizeText(t.sourceBytes) : '-',
            sizeText(t.bytes),
            v ? v.sourceRows.toString() : '-',
            v ? v.targetRows.toString() : '-',
            v ? checksumHex(v.sourceChecksum) : '-',
            v ? checksumHex(v.targetChecksum) : '-',
            matchWord(t),
            String(t.rejectedRows),
            secs(t.loadSeconds),
            v ? secs(v.seconds) : '-',
          ];
        }),
        [false, false, true, true, true, true, true, false, false, false, true, true, true],
      ),
    );
  }
  out.push(`Table loads: ${s.tableLoads} (${s.tables} tables)`);
  out.push(`Total records loaded: ${s.rowsLoaded}`);
  if (s.countedOn)
    out.push(`Counted on: ${s.countedOn} (each row once${s.testInstance ? '; the test instance rehearsal is apart, below' : ''})`);
  out.push(`Rejected rows: ${s.rejectedRows}`);
  if (s.sourceBytes !== undefined)
    out.push(`Data read from the source: ${sizeText(s.sourceBytes)} (table data as the backup manifests record it)`);
  out.push(`Data sent: ${sizeText(s.bytes)} (COPY${s.countedOn ? ` to the ${s.countedOn}` : ''}, this run)`);
  if (s.testInstance) {
    const ti = s.testInstance;
    out.push(
      `Test instance rehearsal: ${ti.rowsLoaded} rows, ${ti.rejectedRows} rejected, ${sizeText(ti.bytes)} sent in ${ti.tableLoads} table loads`,
    );
  }
  out.push('');
  if (r.sync) {
    out.push('SYNC', SUB, `From ${r.sync.from} to ${r.sync.to}`);
    for (const t of r.tables) {
      if (!t.sync) continue;
      out.push(
        `  ${line(t.source)}: ${t.sync.inserted} inserted, ${t.sync.updated} updated, ${t.sync.deleted} deleted (${secs(t.loadSeconds)} s)`,
      );
      // Per layer only when there were several (one layer repeats the line above).
      const layers = t.sync.layers ?? [];
      if (layers.length > 1)
        for (const l of layers) out.push(`    layer to ${l.to}: ${l.inserted} inserted, ${l.updated} updated, ${l.deleted} deleted`);
    }
    out.push('');
  }
}

function crossResults(r: MigrationReport, out: string[]): void {
  const s = summarize(r);
  out.push('CROSS VALIDATION RESULTS', SUB);
  out.push(`Table loads verified: ${s.verified} of ${s.tableLoads}`);
  out.push(`Identical (row count and checksum): ${s.matched}`);
  out.push(`Different: ${s.mismatched}`);
  for (const t of r.tables) {
    const v = t.verification;
    if (!v || v.match) continue;
    out.push(
      `  ${line(t.source)} on ${t.on}: source ${v.sourceRows} rows / ${checksumHex(v.sourceChecksum)}, PostgreSQL ${v.targetRows} rows / ${checksumHex(v.targetChecksum)}`,
    );
    if (v.differingKeys.length === 0) out.push('    (no differing key was isolated)');
    for (const k of v.differingKeys) out.push(`    differing key: ${line(k)}`);
    differingRows(v.differingRows ?? [], out);
  }
  out.push(`Not verified: ${s.notVerified}`);
  out.push(`Consistency score: ${s.verified ? ((s.matched / s.verified) * 100).toFixed(1) : '0.0'}%`, '');
}

/** A value of a differing row: quoted text, or NULL (SQL NULL, or no row on that side). */
const quotedValue = (v: string | null): string => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

/** The first differing rows of a table, column by column, source vs PostgreSQL (as MOLT Verify). */
function differingRows(rows: NonNullable<NonNullable<TableReport['verification']>['differingRows']>, out: string[]): void {
  if (rows.length === 0) return;
  out.push(`    first ${rows.length} differing row${rows.length === 1 ? '' : 's'}, column by column:`);
  for (const row of rows) {
    out.push(`      row ${line(row.key)}: ${row.status}`);
    const w = Math.max(...row.columns.map((c) => width(line(c.name))));
    for (const c of row.columns) {
      out.push(`        ${pad(line(c.name), w, false)}  source: ${line(quotedValue(c.source))}`);
      out.push(`        ${' '.repeat(w)}  target: ${line(quotedValue(c.target))}`);
    }
  }
}

function compatibility(r: MigrationReport, out: string[]): void {
  out.push('COMPATIBILITY ISSUES', SUB);
  const list: Decision[] = issues(r.decisions);
  if (list.length === 0) out.push('None: every object was converted as is.');
  for (const d of list) {
    out.push(`[${d.kind === 'changed' ? 'CHANGED' : 'NOT CONVERTIBLE'}] ${line(d.object)}`);
    out.push(`    what: ${line(d.what)}`);
    out.push(`    why:  ${line(d.why)}`);
    if (d.fix) out.push(`    fix:  ${line(d.fix)}`);
  }
  out.push('');
  if (r.warnings.length) {
    out.push('WARNINGS', SUB);
    for (const w of r.warnings) out.push(`- ${line(w)}`);
    out.push('');
  }
}

function assessment(r: MigrationReport, out: string[]): void {
  const s = summarize(r);
  out.push('OVERALL ASSESSMENT', SUB, `Status: ${TEXT_STATUS[r.verdict]}`);
  if (r.error !== undefined) out.push(`Error: ${line(r.error)}`);
  out.push(`Duration: ${secs(s.seconds, 1)} s`);
  if (r.phases.length) {
    out.push('Phases:');
    out.push(
      ...grid(
        ['phase', 'status', 'seconds', 'detail'],
        r.phases.map((p) => [p.name, p.status === 'failed' ? 'FAILED' : p.status, secs(p.seconds), p.detail ?? '']),
        [false, false, true, false],
      ).map((x) => `  ${x}`),
    );
  }
  if (r.steps?.length) {
    out.push('Schema steps (statements this run executed; seconds summed over the parallel connections):');
    out.push(
      ...grid(
        ['on', 'database', 'step', 'statements', 'seconds'],
        r.steps.map((x) => [x.on, x.database, x.step, String(x.statements), secs(x.seconds)]),
        [false, false, false, true, true],
      ).map((x) => `  ${x}`),
    );
  }
  out.push('');
}

function recommendations(r: MigrationReport, out: string[]): void {
  const s = summarize(r);
  const recs: string[] = [];
  if (r.verdict === 'failed') recs.push('Fix the error above and rerun the same command: finished steps are not repeated.');
  if (s.mismatched) recs.push('Do not switch over: inspect the differing keys under CROSS VALIDATION RESULTS, then reload those tables.');
  if (s.decisions['not-convertible'])
    recs.push('Recreate the objects that could not be converted by hand where your application needs them.');
  if (r.decisions.some((d) => d.kind === 'changed' && needsAttention(d)))
    recs.push('Review the schema changes listed under COMPATIBILITY ISSUES.');
  if (s.rejectedRows) recs.push('Rows were rejected: see the rejects folder next to this report.');
  if (s.notVerified) recs.push('Some tables were not verified: run `cockroach-migrate verify`.');
  recs.push('Point a staging copy of your application at PostgreSQL before switching over.');
  recs.push('Have a rollback plan ready.');
  out.push('RECOMMENDATIONS:');
  recs.forEach((x, i) => out.push(`${i + 1}. ${x}`));
  out.push('');
}

/** `validation_report.txt`. Pure; lines end with `\n`; the report time is the run's finish time. */
export function renderText(r: MigrationReport): string {
  const out: string[] = [RULE, 'MIGRATION VALIDATION REPORT', RULE, ''];
  const head = (label: string, value: string) => out.push(`${`${label}:`.padEnd(15)}${value}`);
  head('Tool', `${line(r.tool.name)} ${line(r.tool.version)}`);
  head('Source', `${line(r.source.description)} (${line(r.source.kind)})`);
  for (const t of r.targets) head(t.label === 'target' ? 'Target' : 'Test instance', line(t.description));
  head('Started', stamp(r.startedAt));
  head('Finished', stamp(r.finishedAt));
  out.push('');
  overview(r, out);
  schemaResults(r, out);
  dataResults(r, out);
  crossResults(r, out);
  compatibility(r, out);
  assessment(r, out);
  recommendations(r, out);
  out.push(`Report generated: ${stamp(r.finishedAt)}`, RULE, '');
  return out.join('\n');
}
