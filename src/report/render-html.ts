/**
 * `report.html`: one self-contained page (inline CSS, no scripts, no external assets) a person
 * reads in a browser: verdict banner first, headline numbers, per-table proof (counts and
 * checksums on both sides), for `sync` the rows each table gained, changed and lost, phases, the decision log grouped by kind, warnings, the error.
 * Every string that comes from the user's data or environment goes through {@link escapeHtml}.
 */
import type { Decision, DecisionKind } from '../ddl/decision.js';
import type { DifferingRow, MigrationReport, PhaseReport, TableReport, Verdict } from './model.js';
import { checksumHex, grouped, secs, sizeText, summarize } from './summary.js';

/** Escapes `& < > " '` so any text is inert in element content and in quoted attributes. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const esc = escapeHtml;

/** An escaped dotted name with a line-break opportunity after each dot (`db.<wbr>schema.<wbr>table`). */
const nameHtml = (s: string): string => esc(s).replace(/\./g, '.<wbr>');

const VERDICT: Readonly<Record<Verdict, { cls: string; title: string; text: string }>> = {
  success: { cls: 'ok', title: 'Migration verified', text: 'Every table has the same rows in PostgreSQL as in the source.' },
  'success-with-warnings': {
    cls: 'warn',
    title: 'Migration verified, with warnings',
    text: 'The verified data is identical; read the warnings and schema changes below before switching over.',
  },
  'nothing-to-migrate': {
    cls: 'ok',
    title: 'Nothing to migrate',
    text: 'The source holds no user table, view, sequence or type; nothing was loaded.',
  },
  'incomplete-source': {
    cls: 'warn',
    title: 'Loaded with missing source files',
    text: 'Data files the source lists were absent (see the warnings): their rows are missing, so PostgreSQL matches what was readable, not the whole source.',
  },
  mismatch: { cls: 'bad', title: 'Differences found', text: 'Some tables differ between the source and PostgreSQL. Do not switch over.' },
  failed: { cls: 'bad', title: 'Migration failed', text: 'The run stopped with an error. Rerunning the same command resumes it.' },
};

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1400px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} h3{font-size:15px;margin:16px 0 6px}
.banner{border-radius:8px;padding:16px 20px;color:#fff;margin-bottom:16px}
.banner.ok{background:#1f7a3f}.banner.warn{background:#a35f00}.banner.bad{background:#b3261e}
.banner .err{margin-top:10px;padding:8px 10px;background:rgba(0,0,0,.18);border-radius:6px;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word}
.meta{color:#4a5361;margin:2px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:8px 14px;min-width:118px;color:#4a5361;font-size:13px}
.card b{display:block;font-size:20px;color:#1d2430;font-variant-numeric:tabular-nums}
.card.bad b{color:#b3261e}.card.warn b{color:#a35f00}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{padding:6px 8px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:13px;vertical-align:bottom}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
td.name{overflow-wrap:anywhere;min-width:120px}
td.on{white-space:nowrap}
td.res{min-width:130px}
table.compact{width:auto;min-width:60%;max-width:100%}
table.compact td{overflow-wrap:anywhere}
table.decisions{table-layout:fixed}
table.decisions td{overflow-wrap:anywhere}
tr.bad td{background:#fdf2f1}
details.rows{margin-top:6px;padding:4px 8px}
table.rowdiff{width:auto;font-size:12px}
table.rowdiff td{overflow-wrap:anywhere;max-width:360px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
td.sum code{white-space:nowrap}
.diff{color:#b3261e;font-weight:600}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;white-space:nowrap}
.pill.ok{background:#1f7a3f}.pill.bad{background:#b3261e}.pill.warn{background:#a35f00}.pill.none{background:#7b8594}
.keys{margin:4px 0 0;padding-left:16px;font-size:12px}
.keys code{overflow-wrap:anywhere}
details{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:8px 12px;margin-top:8px}
summary{cursor:pointer;font-weight:600}
ul{margin:6px 0;padding-left:20px}
.warnings li{margin:2px 0}
footer{margin-top:32px;color:#7b8594;font-size:12px}
tr.layer td{color:#5b6573;font-size:12px}`;

function resultPill(t: TableReport): string {
  if (!t.verification) return '<span class="pill none">not verified</span>';
  return t.verification.match ? '<span class="pill ok">match</span>' : '<span class="pill bad">MISMATCH</span>';
}

function summaryCards(r: MigrationReport): string {
  const s = summarize(r);
  const cards: [string, string, string][] = [
    ['tables', grouped(s.tables), ''],
    [s.countedOn ? `rows loaded (${s.countedOn})` : 'rows loaded', grouped(s.rowsLoaded), ''],
    ...(s.testInstance ? [['rows (test instance rehearsal)', grouped(s.testInstance.rowsLoaded), ''] as [string, string, string]] : []),
    ['matches', `${grouped(s.matched)} / ${grouped(s.verified)}`, ''],
    ['mismatches', grouped(s.mismatched), s.mismatched ? 'bad' : ''],
    ['not verified', grouped(s.notVerified), s.notVerified ? 'warn' : ''],
    ['rejected rows', grouped(s.rejectedRows), s.rejectedRows ? 'warn' : ''],
    [
      'schema changes',
      grouped(s.decisions.changed + s.decisions['not-convertible']),
      s.decisions['not-convertible'] ? 'bad' : s.decisions.changed ? 'warn' : '',
    ],
    ...(s.sourceBytes !== undefined ? [['read from source', sizeText(s.sourceBytes), ''] as [string, string, string]] : []),
    [s.countedOn ? `COPY sent (${s.countedOn})` : 'COPY sent', sizeText(s.bytes), ''],
    ...(r.excludedTables?.length ? [['tables excluded', grouped(r.excludedTables.length), ''] as [string, string, string]] : []),
    ['duration', `${secs(s.seconds, 1)} s`, ''],
  ];
  return `<div class="cards">${cards.map(([label, value, cls]) => `<div class="card${cls ? ` ${cls}` : ''}"><b>${esc(value)}</b>${esc(label)}</div>`).join('')}</div>`;
}

function tablesSection(r: MigrationReport): string {
  const h: string[] = ['<h2>Tables</h2><div class="scroll"><table>'];
  h.push(
    '<thead><tr><th>source table</th><th>PostgreSQL table</th><th>on</th><th class="n">source size</th><th class="n">COPY sent</th><th class="n">rows source</th><th class="n">rows PostgreSQL</th>' +
      '<th>checksum source</th><th>checksum PostgreSQL</th><th>result</th><th class="n">rejected</th><th class="n">load s</th><th class="n">verify s</th></tr></thead><tbody>',
  );
  for (const t of r.tables) {
    const v = t.verification;
    const rowsDiffer = v !== undefined && v.sourceRows !== v.targetRows;
    const sumDiffers = v !== undefined && v.sourceChecksum !== v.targetChecksum;
    const keys =
      v && v.differingKeys.length ? `<ul class="keys">${v.differingKeys.map((k) => `<li><code>${esc(k)}</code></li>`).join('')}</ul>` : '';
    h.push(
      `<tr${v && !v.match ? ' class="bad"' : ''}>` +
        `<td class="name">${nameHtml(t.source)}${t.resumed ? ' <span class="pill none">resumed</span>' : ''}</td>` +
        `<td class="name">${nameHtml(t.target)}</td><td class="on">${esc(t.on)}</td>` +
        `<td class="n">${t.sourceBytes !== undefined ? esc(sizeText(t.sourceBytes)) : '–'}</td><td class="n">${esc(sizeText(t.bytes))}</td>` +
        `<td class="n">${v ? grouped(v.sourceRows) : '–'}</td>` +
        `<td class="n${rowsDiffer ? ' diff' : ''}">${v ? grouped(v.targetRows) : `${grouped(t.rowsLoaded)} loaded`}</td>` +
        `<td class="sum"><code>${v ? checksumHex(v.sourceChecksum) : '–'}</code></td>` +
        `<td class="sum"><code${sumDiffers ? ' class="diff"' : ''}>${v ? checksumHex(v.targetChecksum) : '–'}</code></td>` +
        `<td class="res">${resultPill(t)}${keys}${differingRowsHtml(v?.differingRows ?? [])}</td>` +
        `<td class="n${t.rejectedRows ? ' diff' : ''}">${grouped(t.rejectedRows)}</td>` +
        `<td class="n">${secs(t.loadSeconds)}</td><td class="n">${v ? secs(v.seconds) : '–'}</td></tr>`,
    );
  }
  if (r.tables.length === 0) h.push('<tr><td colspan="13">No table was loaded.</td></tr>');
  h.push('</tbody></table></div>');
  return h.join('');
}

const PHASE_CLS: Readonly<Record<PhaseReport['status'], string>> = { ok: 'ok', failed: 'bad', skipped: 'none' };

/** The first differing rows, column by column: source value, PostgreSQL value (NULL in italics). */
function differingRowsHtml(rows: readonly DifferingRow[]): string {
  if (rows.length === 0) return '';
  const value = (v: string | null): string => (v === null ? '<i>NULL</i>' : `<code>${esc(v)}</code>`);
  const body = rows
    .map(
      (row) =>
        `<tr><th colspan="3"><code>${esc(row.key)}</code> ${esc(row.status)}</th></tr>` +
        row.columns
          .map((c) => `<tr><td><code>${esc(c.name)}</code></td><td>${value(c.source)}</td><td class="diff">${value(c.target)}</td></tr>`)
          .join(''),
    )
    .join('');
  return `<details class="rows"><summary>first ${rows.length} differing row${rows.length === 1 ? '' : 's'}</summary><table class="rowdiff"><thead><tr><th>column</th><th>source</th><th>PostgreSQL</th></tr></thead><tbody>${body}</tbody></table></details>`;
}

function stepsSection(r: MigrationReport): string {
  if (!r.steps?.length) return '';
  const rows = r.steps.map(
    (x) =>
      `<tr><td>${esc(x.on)}</td><td class="name">${esc(x.database)}</td><td>${esc(x.step)}</td><td class="n">${grouped(x.statements)}</td><td class="n">${secs(x.seconds)}</td></tr>`,
  );
  return (
    '<h2>Schema steps</h2><p class="meta">Statements this run executed, per kind; seconds are summed over the parallel connections.</p>' +
    `<table class="compact"><thead><tr><th>on</th><th>database</th><th>step</th><th class="n">statements</th><th class="n">seconds</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function excludedSection(r: MigrationReport): string {
  if (!r.excludedTables?.length) return '';
  return `<h2>Excluded tables</h2><p class="meta">Left out by include_tables / exclude_tables: not loaded, not verified.</p><ul>${r.excludedTables.map((t) => `<li><code>${esc(t)}</code></li>`).join('')}</ul>`;
}

function phasesSection(r: MigrationReport): string {
  if (r.phases.length === 0) return '<h2>Phases</h2><p>No phase ran.</p>';
  const rows = r.phases.map(
    (p) =>
      `<tr><td>${esc(p.name)}</td><td><span class="pill ${PHASE_CLS[p.status]}">${esc(p.status)}</span></td><td class="n">${secs(p.seconds)}</td><td>${esc(p.detail ?? '')}</td></tr>`,
  );
  return `<h2>Phases</h2><table class="compact"><thead><tr><th>phase</th><th>status</th><th class="n">seconds</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const KIND_TITLE: Readonly<Record<DecisionKind, string>> = {
  'not-convertible': 'Not convertible',
  changed: 'Changed to fit PostgreSQL',
  'as-is': 'Converted as is',
};

function decisionTable(list: readonly Decision[]): string {
  const rows = list.map(
    (d) =>
      `<tr><td class="name"><code>${nameHtml(d.object)}</code></td><td>${esc(d.what)}</td><td>${esc(d.why)}</td><td>${esc(d.fix ?? '')}</td></tr>`,
  );
  return `<table class="decisions"><colgroup><col style="width:28%"><col style="width:26%"><col style="width:26%"><col style="width:20%"></colgroup><thead><tr><th>object</th><th>what</th><th>why</th><th>what you can do</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function decisionsSection(r: MigrationReport): string {
  const h: string[] = ['<h2>Schema decisions</h2>'];
  const by = (k: DecisionKind) => r.decisions.filter((d) => d.kind === k);
  const notConv = by('not-convertible');
  const changed = by('changed');
  const asIs = by('as-is');
  if (r.decisions.length === 0) h.push('<p>No schema object was converted.</p>');
  else if (notConv.length + changed.length === 0) h.push('<p>Every object was converted as is.</p>');
  for (const [kind, list] of [
    ['not-convertible', notConv],
    ['changed', changed],
  ] as const) {
    if (list.length)
      h.push(
        `<h3><span class="pill ${kind === 'not-convertible' ? 'bad' : 'warn'}">${list.length}</span> ${KIND_TITLE[kind]}</h3>${decisionTable(list)}`,
      );
  }
  if (asIs.length) {
    h.push(`<details><summary>${grouped(asIs.length)} ${asIs.length === 1 ? 'object' : 'objects'} converted as is</summary>`);
    h.push(`<ul>${asIs.map((d) => `<li><code>${esc(d.object)}</code>: ${esc(d.what)}</li>`).join('')}</ul></details>`);
  }
  return h.join('');
}

/** `sync` only: the two source points and, per table, the rows the change inserted, updated and deleted. */
function syncSection(r: MigrationReport): string {
  if (!r.sync) return '';
  const rows = r.tables
    .filter((t) => t.sync)
    .map((t) => {
      const layers = t.sync!.layers ?? [];
      const sub =
        layers.length > 1
          ? layers
              .map(
                (l) =>
                  `<tr class="layer"><td>&nbsp;&nbsp;layer to ${esc(l.to)}</td><td class="n">${l.inserted}</td><td class="n">${l.updated}</td><td class="n">${l.deleted}</td><td></td></tr>`,
              )
              .join('')
          : '';
      return `<tr><td>${nameHtml(t.source)}</td><td class="n">${t.sync!.inserted}</td><td class="n">${t.sync!.updated}</td><td class="n">${t.sync!.deleted}</td><td class="n">${esc(secs(t.loadSeconds))}</td></tr>${sub}`;
    });
  return (
    `<h2>Sync</h2><p class="meta">From <b>${esc(r.sync.from)}</b> to <b>${esc(r.sync.to)}</b> (the new end time the target now reflects).</p>` +
    `<table class="compact"><thead><tr><th>table</th><th class="n">inserted</th><th class="n">updated</th><th class="n">deleted</th><th class="n">seconds</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/** `report.html`. Pure; the result is a complete UTF-8 HTML document. */
export function renderHtml(r: MigrationReport): string {
  const v = VERDICT[r.verdict];
  const h: string[] = [];
  h.push('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">');
  h.push(`<title>${esc(v.title)} · ${esc(r.tool.name)} report</title><style>${CSS}</style></head><body><main>`);
  h.push(
    `<div class="banner ${v.cls}" role="status"><h1>${esc(v.title)}</h1><div>${esc(v.text)}</div>` +
      `${r.error !== undefined ? `<div class="err"><b>Error:</b> ${esc(r.error)}</div>` : ''}</div>`,
  );
  h.push(`<p class="meta"><b>Source</b> (${esc(r.source.kind)}): ${esc(r.source.description)}</p>`);
  for (const t of r.targets)
    h.push(`<p class="meta"><b>${t.label === 'target' ? 'Target' : 'Test instance'}</b>: ${esc(t.description)}</p>`);
  h.push(`<p class="meta">Started ${esc(r.startedAt.toISOString())} · finished ${esc(r.finishedAt.toISOString())}</p>`);
  h.push(summaryCards(r));
  h.push(syncSection(r));
  if (r.warnings.length) h.push(`<h2>Warnings</h2><ul class="warnings">${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`);
  h.push(tablesSection(r));
  h.push(excludedSection(r));
  h.push(phasesSection(r));
  h.push(stepsSection(r));
  h.push(decisionsSection(r));
  h.push(`<footer>${esc(r.tool.name)} ${esc(r.tool.version)} · report.json holds the same data for programs</footer>`);
  h.push('</main></body></html>\n');
  return h.join('\n');
}
