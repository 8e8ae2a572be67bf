/**
 * `report.html`: one self-contained page (inline CSS, no scripts, no external assets) a person
 * reads in a browser: verdict first, then numbers, per-table proof, phases, decisions, warnings.
 */
import type { MigrationReport, TableReport } from './model.js';
import { checksumHex } from './render-json.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const VERDICT: Record<MigrationReport['verdict'], { cls: string; title: string; text: string }> = {
  success: { cls: 'ok', title: 'Migration verified', text: 'Every table has the same rows in PostgreSQL as in the source.' },
  'success-with-warnings': { cls: 'warn', title: 'Migration verified, with warnings', text: 'The data is identical; read the warnings and schema changes below.' },
  mismatch: { cls: 'bad', title: 'Differences found', text: 'Some tables differ between the source and PostgreSQL. Do not switch over.' },
  failed: { cls: 'bad', title: 'Migration failed', text: 'The run stopped with an error; rerunning the same command resumes it.' },
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.banner{border-radius:8px;padding:16px 20px;color:#fff;margin-bottom:16px}
.ok{background:#1f7a3f}.warn{background:#a86200}.bad{background:#b3261e}
.meta{color:#555;margin:2px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{padding:6px 8px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff}
.pill.ok{background:#1f7a3f}.pill.bad{background:#b3261e}.pill.warn{background:#a86200}.pill.none{background:#8a94a3}
details{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:8px 12px;margin-top:8px}
ul{margin:6px 0;padding-left:20px}`;

function result(t: TableReport): string {
  if (!t.verification) return '<span class="pill none">not verified</span>';
  return t.verification.match ? '<span class="pill ok">identical</span>' : '<span class="pill bad">differs</span>';
}

const num = (n: number | bigint): string => n.toLocaleString('en-US');

export function renderHtml(r: MigrationReport): string {
  const v = VERDICT[r.verdict];
  const seconds = (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000;
  const verified = r.tables.filter((t) => t.verification);
  const mismatched = verified.filter((t) => !t.verification!.match);
  const rows = r.tables.reduce((n, t) => n + t.rowsLoaded, 0);
  const rejected = r.tables.reduce((n, t) => n + t.rejectedRows, 0);
  const h: string[] = [];
  h.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`);
  h.push(`<title>cockroach-migrate report: ${esc(v.title)}</title><style>${CSS}</style></head><body><main>`);
  h.push(`<div class="banner ${v.cls}"><h1>${esc(v.title)}</h1><div>${esc(v.text)}</div>${r.error ? `<div><b>Error:</b> ${esc(r.error)}</div>` : ''}</div>`);
  h.push(`<p class="meta">Source: ${esc(r.source.description)}</p>`);
  for (const t of r.targets) h.push(`<p class="meta">Loaded into (${esc(t.label)}): ${esc(t.description)}</p>`);
  h.push(`<p class="meta">${esc(r.tool.name)} ${esc(r.tool.version)} · started ${esc(r.startedAt.toISOString())} · ${seconds.toFixed(1)} s</p>`);
  h.push('<div class="cards">');
  for (const [label, value] of [
    ['databases', num(r.databases.length)],
    ['table loads', num(r.tables.length)],
    ['rows loaded', num(rows)],
    ['verified identical', `${num(verified.length - mismatched.length)} / ${num(verified.length)}`],
    ['differences', num(mismatched.length)],
    ['rejected rows', num(rejected)],
    ['schema changes', num(r.decisions.filter((d) => d.kind !== 'as-is').length)],
  ] as const) {
    h.push(`<div class="card"><b>${esc(value)}</b>${esc(label)}</div>`);
  }
  h.push('</div>');

  h.push('<h2>Tables</h2><table><thead><tr><th>source</th><th>PostgreSQL</th><th>on</th><th>rows source</th><th>rows PostgreSQL</th><th>checksum source</th><th>checksum PostgreSQL</th><th>result</th><th>rejected</th><th>load s</th><th>verify s</th></tr></thead><tbody>');
  for (const t of r.tables) {
    const vv = t.verification;
    h.push(
      `<tr><td>${esc(t.source)}</td><td>${esc(t.target)}</td><td>${esc(t.on)}</td><td class="n">${vv ? num(vv.sourceRows) : '–'}</td><td class="n">${vv ? num(vv.targetRows) : num(t.rowsLoaded)}</td>` +
        `<td><code>${vv ? checksumHex(vv.sourceChecksum) : '–'}</code></td><td><code>${vv ? checksumHex(vv.targetChecksum) : '–'}</code></td><td>${result(t)}${
          vv && vv.differingKeys.length ? `<ul>${vv.differingKeys.map((k) => `<li><code>${esc(k)}</code></li>`).join('')}</ul>` : ''
        }</td><td class="n">${num(t.rejectedRows)}</td><td class="n">${t.loadSeconds.toFixed(2)}</td><td class="n">${vv ? vv.seconds.toFixed(2) : '–'}</td></tr>`,
    );
  }
  if (r.tables.length === 0) h.push('<tr><td colspan="11">No table was loaded.</td></tr>');
  h.push('</tbody></table>');

  h.push('<h2>Phases</h2><table><thead><tr><th>phase</th><th>status</th><th>seconds</th><th>detail</th></tr></thead><tbody>');
  for (const p of r.phases) {
    const cls = p.status === 'ok' ? 'ok' : p.status === 'failed' ? 'bad' : 'none';
    h.push(`<tr><td>${esc(p.name)}</td><td><span class="pill ${cls}">${esc(p.status)}</span></td><td class="n">${p.seconds.toFixed(2)}</td><td>${esc(p.detail ?? '')}</td></tr>`);
  }
  h.push('</tbody></table>');

  if (r.warnings.length) h.push(`<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`);

  const important = r.decisions.filter((d) => d.kind !== 'as-is');
  h.push('<h2>Schema decisions</h2>');
  if (important.length) {
    h.push('<table><thead><tr><th>object</th><th>decision</th><th>what</th><th>why</th><th>what you can do</th></tr></thead><tbody>');
    for (const d of [...important].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'not-convertible' ? -1 : 1))) {
      h.push(`<tr><td><code>${esc(d.object)}</code></td><td><span class="pill ${d.kind === 'not-convertible' ? 'bad' : 'warn'}">${esc(d.kind)}</span></td><td>${esc(d.what)}</td><td>${esc(d.why)}</td><td>${esc(d.fix ?? '')}</td></tr>`);
    }
    h.push('</tbody></table>');
  } else h.push('<p>Every object was converted as is.</p>');
  const asIs = r.decisions.filter((d) => d.kind === 'as-is');
  if (asIs.length) {
    h.push(`<details><summary>${num(asIs.length)} objects converted as is</summary><ul>${asIs.map((d) => `<li><code>${esc(d.object)}</code>: ${esc(d.what)}</li>`).join('')}</ul></details>`);
  }
  h.push('</main></body></html>\n');
  return h.join('\n');
}
