/**
 * The proof catches what it is there to catch: rows that arrive altered. A trigger the migration
 * does not know about (armed by an event trigger in the target database, which exists and is empty
 * before the run) changes some titles of startrek.episodes during COPY; the run must say the
 * checksum differs, name the altered primary keys, exit with code 3 and write the mismatch into
 * report.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { startTempPostgres } from '../src/pg-instance/index.js';
import { targetKeys } from './support/pg.js';
import { migrationDir, runCli } from './support/cli.js';

const STARTREK = new URL('../../shared/fixtures/crdb-stores/startrek-v1.0.2', import.meta.url).pathname;

const server = await startTempPostgres();
after(() => server.stop());

const ARM_TAMPERING = `
CREATE FUNCTION public.cm_tamper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id % 10 = 0 THEN NEW.title := NEW.title || ' (altered)'; END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION public.cm_arm() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_identity = 'public.episodes' LOOP
    EXECUTE 'CREATE TRIGGER cm_tamper BEFORE INSERT ON public.episodes FOR EACH ROW EXECUTE FUNCTION public.cm_tamper()';
  END LOOP;
END $$;
CREATE EVENT TRIGGER cm_arm ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.cm_arm();
`;

test('rows altered on the way in: checksum DIFFERS with the altered keys, exit code 3, report.json says so', async () => {
  const admin = new pg.Client(server.clientConfig());
  await admin.connect();
  await admin.query('CREATE DATABASE startrek');
  await admin.end();
  const target = new pg.Client(server.clientConfig('startrek'));
  await target.connect();
  await target.query(ARM_TAMPERING);
  await target.end();

  const dir = migrationDir('cm-mismatch-', {
    source: { type: 'store', path: STARTREK },
    test_postgresql_import: false,
    ...targetKeys(server),
    report_dir: '.',
    jobs: 2,
  });
  const run = await runCli([], { cwd: dir });
  assert.equal(run.code, 3, run.stderr);
  const line = run.stderr.split('\n').find((l) => l.includes('startrek.public.episodes:'));
  assert.match(line ?? '', /79 rows in source, 79 in PostgreSQL, checksum DIFFERS; differing keys: /, run.stderr);
  const keys = (line ?? '')
    .replace(/.*differing keys: /, '')
    .split('; ')
    .sort();
  assert.deepEqual(
    keys,
    [10, 20, 30, 40, 50, 60, 70].map((id) => `${id} (differs)`),
  );
  assert.match(run.stderr, /startrek\.public\.quotes: 200 rows in source, 200 in PostgreSQL, checksum matches/);

  type Differing = { key: string; status: string; columns: { name: string; source: string | null; target: string | null }[] };
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
    verdict: string;
    tables: { source: string; verification?: { match: boolean; differingRows: Differing[] } }[];
  };
  assert.notEqual(report.verdict, 'success');
  const byTable = new Map(report.tables.map((t) => [t.source, t.verification?.match]));
  assert.equal(byTable.get('startrek.public.episodes'), false);
  assert.equal(byTable.get('startrek.public.quotes'), true);

  // A few differing rows column by column, source vs PostgreSQL (as MOLT Verify): only the altered
  // column, its source text and what the trigger made of it — in report.json, the text report,
  // report.html and on the console.
  const rows = report.tables.find((t) => t.source === 'startrek.public.episodes')!.verification!.differingRows;
  assert.equal(rows.length, 5, JSON.stringify(rows));
  for (const row of rows) {
    assert.ok(['10', '20', '30', '40', '50', '60', '70'].includes(row.key), row.key);
    assert.equal(row.status, 'differs');
    assert.deepEqual(
      row.columns.map((c) => c.name),
      ['title'],
    );
    const { source, target } = row.columns[0]!;
    assert.ok(source !== null && source.length > 0);
    assert.equal(target, `${source} (altered)`);
  }
  const first = rows[0]!;
  const title = first.columns[0]!.source!;
  const text = readFileSync(join(dir, 'validation_report.txt'), 'utf8');
  assert.match(text, /first 5 differing rows, column by column:/);
  assert.ok(
    text.includes(
      `      row ${first.key}: differs\n        title  source: '${title.replace(/'/g, "''")}'\n               target: '${title.replace(/'/g, "''")} (altered)'`,
    ),
    text,
  );
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.ok(html.includes(' (altered)'), 'report.html shows the target values');
  assert.match(run.stderr, new RegExp(`row ${first.key} differs: title source '.*' target '.* \\(altered\\)'`));
});
