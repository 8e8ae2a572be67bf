/**
 * Issue 13's report numbers from a real run (the bundled sample backup through the CLI, test
 * instance then the project's temporary PostgreSQL as target): rows counted once on the target
 * with the test instance rehearsal apart, per-table bytes (source as the manifests record them,
 * COPY bytes sent), and the schema steps timed per kind as pgloader's summary — in report.json,
 * the text report and report.html alike.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReportJson } from '../src/report/render-json.js';
import { runCli } from './support/cli.js';
import { freshDatabase, withTempPostgres } from './support/pg.js';

const SAMPLE = new URL('../sample/backup/', import.meta.url).pathname;

test(
  'a real run: rows once on the target, the rehearsal apart, bytes per table, schema steps per kind',
  { timeout: 300_000 },
  async (t) => {
    const s = await withTempPostgres();
    const { name } = await freshDatabase(s, t, 'numbers');
    const cwd = mkdtempSync(join(tmpdir(), 'cm-numbers-'));
    const target = `postgresql://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${name}`;
    const r = await runCli(['--backup', SAMPLE, '--target', target, '--threads', 'off'], { cwd, timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    // Each row once: 28 rows, although both servers loaded them.
    assert.match(r.stderr, /Migration completed: 7 tables, 28 rows; verified identical: 7\/7 in the target, 7\/7 in the test instance/);

    const j = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as ReportJson;
    const onTarget = j.tables.filter((x) => x.on === 'target');
    const onTest = j.tables.filter((x) => x.on === 'test instance');
    assert.equal(onTarget.length, 7);
    assert.equal(onTest.length, 7);
    assert.equal(j.summary.countedOn, 'target');
    assert.equal(j.summary.rowsLoaded, 28);
    assert.equal(
      j.summary.rowsLoaded,
      onTarget.reduce((a, x) => a + x.rowsLoaded, 0),
    );
    assert.deepEqual(j.summary.testInstance, {
      tableLoads: 7,
      rowsLoaded: 28,
      rejectedRows: 0,
      bytes: onTest.reduce((a, x) => a + x.bytes, 0),
    });
    assert.equal(
      j.summary.bytes,
      onTarget.reduce((a, x) => a + x.bytes, 0),
    );

    // Per table: the manifests' bytes (none for a table without data) and the COPY bytes sent.
    for (const x of onTarget) {
      if (x.rowsLoaded === 0) {
        // No rows: nothing sent but, for COPY BINARY, its 19-byte header and 2-byte trailer.
        assert.ok(x.bytes === 0 || x.bytes === 21, `${x.source}: ${x.bytes} bytes`);
        continue;
      }
      assert.ok(x.bytes > 0, `${x.source} sent bytes`);
      assert.ok(x.sourceBytes !== null && x.sourceBytes > 0, `${x.source} source bytes`);
    }
    assert.equal(
      j.summary.sourceBytes,
      onTarget.reduce((a, x) => a + (x.sourceBytes ?? 0), 0),
    );

    // Post-data timed per step, on each server: what the sample's schema has (7 primary keys, 2
    // indexes, 5 foreign keys, 4 sequences), each with its seconds.
    const steps = (on: string) => new Map(j.steps.filter((x) => x.on === on).map((x) => [x.step, x]));
    for (const on of ['test instance', 'target']) {
      const byStep = steps(on);
      assert.equal(byStep.get('primary keys')?.statements, 7, on);
      assert.equal(byStep.get('indexes')?.statements, 2, on);
      assert.equal(byStep.get('foreign keys')?.statements, 5, on);
      assert.equal(byStep.get('sequences')?.statements, 4, on);
      assert.equal(byStep.get('analyze')?.statements, 7, on);
      for (const x of byStep.values()) assert.ok(x.seconds >= 0 && x.database === name, JSON.stringify(x));
    }

    const text = readFileSync(join(cwd, 'validation_report.txt'), 'utf8');
    assert.match(text, /^Total records loaded: 28$/m);
    assert.match(text, /^Counted on: target \(each row once; the test instance rehearsal is apart, below\)$/m);
    assert.match(text, /^Test instance rehearsal: 28 rows, 0 rejected, .* sent in 7 table loads$/m);
    assert.match(text, /^Schema steps \(statements this run executed; seconds summed over the parallel connections\):$/m);
    assert.match(text, new RegExp(`^ {2}target +${name} +primary keys +7 +\\d+\\.\\d\\d$`, 'm'));
    assert.match(text, /^emails\.public\.email +target +5 +654 B +\d+ B /m);

    const html = readFileSync(join(cwd, 'report.html'), 'utf8');
    assert.match(html, /<h2>Schema steps<\/h2>/);
    assert.match(html, new RegExp(`<tr><td>target</td><td class="name">${name}</td><td>primary keys</td><td class="n">7</td>`));
    assert.match(html, /rows \(test instance rehearsal\)/);
  },
);
