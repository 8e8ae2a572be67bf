/**
 * Issue 13's "reports like the tools people know", through the real CLI: include/exclude table
 * patterns leave tables out of the target and list them as excluded in all three reports, and
 * `--log-format json` makes every console line a JSON record — for a run, for a usage error and
 * for a configuration error, which still exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/cli.js';
import { freshDatabase, withTempPostgres } from './support/pg.js';

const SAMPLE = new URL('../sample/backup/', import.meta.url).pathname;
const fresh = (): string => mkdtempSync(join(tmpdir(), 'cm-selection-'));

interface JsonLine {
  time: string;
  level: string;
  message: string;
}

/** Every non-empty line of `text` parsed as a log record `{time, level, message}`. */
function jsonLines(text: string): JsonLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const r = JSON.parse(l) as JsonLine;
      assert.deepEqual(Object.keys(r), ['time', 'level', 'message'], l);
      return r;
    });
}

test('include and exclude patterns: the excluded tables are not in the target and all three reports list them; --log-format json lines throughout', async (t) => {
  const s = await withTempPostgres();
  const { name, client } = await freshDatabase(s, t, 'selection');
  const cwd = fresh();
  writeFileSync(join(cwd, 'target-only.json'), JSON.stringify({ test_postgresql_import: false, threads: 'off' }));
  const target = `postgresql://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${name}`;
  const r = await runCli(
    [
      '--config',
      'target-only.json',
      '--backup',
      SAMPLE,
      '--target',
      target,
      '--include-tables',
      'emails.public.*',
      '--exclude-tables',
      'bcc,c?',
      '--log-format',
      'json',
    ],
    { cwd, timeoutMs: 300_000 },
  );
  assert.equal(r.code, 0, r.stderr);

  const log = jsonLines(r.stderr);
  assert.ok(
    log.some(
      (l) =>
        l.level === 'info' &&
        l.message === 'table emails.public.bcc: excluded by include_tables / exclude_tables; not loaded, not verified',
    ),
    r.stderr,
  );
  assert.ok(
    log.some(
      (l) =>
        l.level === 'info' &&
        /^Migration completed: 5 tables, 18 rows; verified identical: 5\/5 in the (?:target|test instance)$/.test(l.message),
    ),
    r.stderr,
  );
  assert.ok(!log.some((l) => l.level === 'error'), r.stderr);

  const tables = await client.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  assert.deepEqual(
    tables.rows.map((x) => x.t),
    ['attachment', 'email', 'folder', 'recipient', 'rule'],
  );

  const excluded = ['emails.public.bcc', 'emails.public.cc'];
  const json = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as {
    excludedTables: string[];
    tables: { name: string }[];
    verdict: string;
  };
  assert.deepEqual(json.excludedTables, excluded);
  assert.equal(json.verdict, 'success');
  assert.ok(!json.tables.some((x) => /\.(bcc|cc)$/.test(x.name)), 'an excluded table has no table report');

  const text = readFileSync(join(cwd, 'validation_report.txt'), 'utf8');
  assert.match(
    text,
    /^Excluded by include_tables \/ exclude_tables \(not loaded, not verified\): 2\n {2}- emails\.public\.bcc\n {2}- emails\.public\.cc$/m,
  );

  const html = readFileSync(join(cwd, 'report.html'), 'utf8');
  assert.match(html, /<h2>Excluded tables<\/h2>/);
  for (const x of excluded) assert.ok(html.includes(`<li><code>${x}</code></li>`), `report.html lists ${x}`);
});

test('--log-format json: a usage error and a configuration error are one JSON line each, and exit 2', async () => {
  const cwd = fresh();
  const usage = await runCli(['--log-format', 'json', '--backup', SAMPLE, '--if-exist', 'drop'], { cwd });
  assert.equal(usage.code, 2, usage.stderr);
  const [u, ...more] = jsonLines(usage.stderr);
  assert.equal(more.length, 0, usage.stderr);
  assert.equal(u!.level, 'error');
  assert.equal(u!.message, "unknown option '--if-exist' (Did you mean --if-exists?); run with --help for usage");
  assert.equal(usage.stdout, '');

  const sub = await runCli(['check', '--log-format=json', '--no-such-flag'], { cwd });
  assert.equal(sub.code, 2, sub.stderr);
  assert.equal(jsonLines(sub.stderr).length, 1, sub.stderr);

  writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ postgres_port: 'five' }));
  const config = await runCli(['--log-format', 'json', '--config', 'bad.json'], { cwd });
  assert.equal(config.code, 2, config.stderr);
  const lines = jsonLines(config.stderr);
  assert.equal(lines.length, 1, config.stderr);
  assert.equal(lines[0]!.message, 'bad.json: key "postgres_port" has value "five"; expected a whole number');

  // log_format from the config file: check's problems are JSON records too.
  writeFileSync(join(cwd, 'json-check.json'), JSON.stringify({ log_format: 'json', postgres_import_enabled: false }));
  const checked = await runCli(['check', '--config', 'json-check.json', '--backup', SAMPLE, '--temp-dir', join(cwd, 'bad.json')], { cwd });
  assert.equal(checked.code, 1, checked.stderr);
  const problems = jsonLines(checked.stderr).filter((l) => l.level === 'error');
  assert.equal(problems.length, 1, checked.stderr);
  assert.match(problems[0]!.message, /^temporary directory .*bad\.json is not writable \(ENOTDIR\)/);

  // Found during the run, once the source's tables are known: JSON lines, exit 2.
  writeFileSync(join(cwd, 'no-load.json'), JSON.stringify({ postgres_import_enabled: false, test_postgresql_import: false }));
  const pattern = await runCli(
    ['--log-format', 'json', '--config', 'no-load.json', '--backup', SAMPLE, '--exclude-tables', 'emails.public.nope'],
    { cwd },
  );
  assert.equal(pattern.code, 2, pattern.stderr);
  const errors = jsonLines(pattern.stderr).filter((l) => l.level === 'error');
  assert.match(errors[0]!.message, /^exclude_tables: pattern "emails\.public\.nope" matches no table of the source/);
});
