/**
 * `validation_report.txt`: the original tool's sections (DATABASE STRUCTURE OVERVIEW, SCHEMA /
 * DATA / CROSS VALIDATION RESULTS, OVERALL ASSESSMENT, RECOMMENDATIONS), now with real numbers:
 * per-table counts and checksums from the source and from PostgreSQL.
 */
import type { MigrationReport, TableReport } from './model.js';
import { checksumHex } from './render-json.js';

const RULE = '='.repeat(80);
const SUB = '-'.repeat(40);

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const STATUS: Record<MigrationReport['verdict'], string> = {
  success: '[OK] MIGRATION VERIFIED: every table is identical in PostgreSQL',
  'success-with-warnings': '[OK] MIGRATION VERIFIED WITH WARNINGS: data identical; read the warnings and compatibility issues',
  mismatch: '[X] MIGRATION NOT VERIFIED: some tables differ between the source and PostgreSQL',
  failed: '[X] MIGRATION FAILED',
};

function matchText(t: TableReport): string {
  if (!t.verification) return 'not verified';
  return t.verification.match ? 'match' : 'MISMATCH';
}

export function renderText(r: MigrationReport): string {
  const out: string[] = [RULE, 'MIGRATION VALIDATION REPORT', RULE, ''];
  out.push(`Tool: ${r.tool.name} ${r.tool.version}`);
  out.push(`Source: ${r.source.description}`);
  for (const t of r.targets) out.push(`Loaded into (${t.label}): ${t.description}`);
  out.push(`Duration: ${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)} s`, '');

  out.push('DATABASE STRUCTURE OVERVIEW', SUB);
  for (const db of r.databases) {
    out.push(`${db.source} -> PostgreSQL database ${db.target}`);
    out.push(`  tables: ${db.tables}, views: ${db.views}, sequences: ${db.sequences}, types: ${db.types}`);
    const seen = new Set<string>();
    for (const t of r.tables.filter((x) => x.source.startsWith(`${db.source}.`))) {
      if (seen.has(t.source)) continue;
      seen.add(t.source);
      out.push(`  ---- ${t.source.slice(db.source.length + 1)} -> ${t.target}`);
    }
  }
  out.push(`Total tables loaded: ${new Set(r.tables.map((t) => t.source)).size}`, '');

  const changed = r.decisions.filter((d) => d.kind === 'changed');
  const notConv = r.decisions.filter((d) => d.kind === 'not-convertible');
  out.push('SCHEMA VALIDATION RESULTS', SUB);
  out.push(`Objects converted as is: ${r.decisions.filter((d) => d.kind === 'as-is').length}`);
  out.push(`Objects converted with a change: ${changed.length}`);
  out.push(`Objects not convertible: ${notConv.length}`, '');

  out.push('DATA VALIDATION RESULTS', SUB);
  if (r.tables.length === 0) out.push('No table was loaded.');
  else {
    out.push(
      ...table([
        ['table', 'on', 'rows loaded', 'source rows', 'target rows', 'source checksum', 'target checksum', 'result', 'rejected', 'seconds'],
        ...r.tables.map((t) => [
          t.source,
          t.on,
          String(t.rowsLoaded),
          t.verification ? t.verification.sourceRows.toString() : '-',
          t.verification ? t.verification.targetRows.toString() : '-',
          t.verification ? checksumHex(t.verification.sourceChecksum) : '-',
          t.verification ? checksumHex(t.verification.targetChecksum) : '-',
          matchText(t),
          String(t.rejectedRows),
          (t.loadSeconds + (t.verification?.seconds ?? 0)).toFixed(2),
        ]),
      ]),
    );
  }
  out.push('');

  const verified = r.tables.filter((t) => t.verification);
  const matched = verified.filter((t) => t.verification!.match);
  out.push('CROSS VALIDATION RESULTS', SUB);
  out.push(`Tables verified: ${verified.length} of ${r.tables.length} table loads`);
  out.push(`Identical (row count and checksum): ${matched.length}`);
  out.push(`Different: ${verified.length - matched.length}`);
  for (const t of verified.filter((x) => !x.verification!.match)) {
    out.push(`  ${t.source} on ${t.on}: ${t.verification!.sourceRows} source rows, ${t.verification!.targetRows} target rows`);
    for (const k of t.verification!.differingKeys) out.push(`    key ${k}`);
  }
  out.push(`Consistency score: ${verified.length ? ((matched.length / verified.length) * 100).toFixed(1) : '0.0'}%`, '');

  out.push('COMPATIBILITY ISSUES', SUB);
  if (changed.length + notConv.length === 0) out.push('None: every object was converted as is.');
  for (const d of [...notConv, ...changed]) {
    out.push(`[${d.kind}] ${d.object}: ${d.what} (${d.why})${d.fix ? ` Fix: ${d.fix}` : ''}`);
  }
  for (const w of r.warnings) out.push(`[warning] ${w}`);
  out.push('');

  out.push('OVERALL ASSESSMENT', SUB, `Status: ${STATUS[r.verdict]}`);
  if (r.error) out.push(`Error: ${r.error}`);
  for (const p of r.phases) out.push(`  ${p.status.padEnd(7)} ${p.name} (${p.seconds.toFixed(1)} s)${p.detail && p.status !== 'ok' ? `: ${p.detail}` : ''}`);
  out.push('');

  out.push('RECOMMENDATIONS:');
  const recs: string[] = [];
  if (r.verdict === 'failed') recs.push('Fix the error above and rerun the same command: finished steps are not repeated.');
  if (r.verdict === 'mismatch') recs.push('Do not switch over: inspect the differing keys above, then rerun with --if-exists drop.');
  if (notConv.length) recs.push('Review the objects that could not be converted and recreate them by hand where needed.');
  if (changed.length) recs.push('Review the schema changes listed under COMPATIBILITY ISSUES.');
  if (r.tables.some((t) => t.rejectedRows > 0)) recs.push('Rows were quarantined: see the rejects folder next to this report.');
  if (r.tables.some((t) => !t.verification)) recs.push('Some tables were not verified: run `cockroach-migrate verify`.');
  recs.push('Point a staging copy of your application at PostgreSQL before switching over.');
  recs.forEach((x, i) => out.push(`${i + 1}. ${x}`));
  out.push('', `Report generated: ${stamp(r.finishedAt)}`, RULE, '');
  return out.join('\n');
}
