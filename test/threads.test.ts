/**
 * Loading on worker threads (`threads: on`): each worker reopens the source from its recipe and
 * loads with its own connection. The results must be the same as in-thread loading, and a row
 * PostgreSQL refuses inside a worker must surface exactly as it does in-thread (class, table,
 * column, row key), or be quarantined.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { resolveConfig } from '../src/config/load-config.js';
import { migrate } from '../src/pipeline/migrate.js';
import { testInstanceServer } from '../src/pipeline/pg-target.js';
import type { Logger } from '../src/util/logger.js';
import { withTempPostgres } from './support/pg.js';

const STARTREK = new URL('../../shared/fixtures/crdb-stores/startrek-v1.0.2', import.meta.url).pathname;

function recordingLogger(lines: string[]): Logger {
  const rec = (m: string): void => void lines.push(m);
  return { error: rec, warn: rec, info: rec, debug: rec, interactive: false };
}

async function run(file: Record<string, unknown>, lines: string[] = []) {
  const target = await withTempPostgres();
  const reportDir = mkdtempSync(join(tmpdir(), 'cm-threads-'));
  const { config } = resolveConfig({
    file: {
      source: { type: 'store', path: STARTREK },
      report_dir: reportDir,
      chunk_size: 50,
      test_postgresql_import: false,
      threads: 'on',
      jobs: 2,
      ...file,
    },
    env: {},
  });
  const report = await migrate({ config, logger: recordingLogger(lines), target: testInstanceServer(target, 'target') });
  return { report, reportDir, target };
}

async function recreateStartrek(sqlInside: string): Promise<void> {
  const target = await withTempPostgres();
  const admin = new pg.Client(target.clientConfig());
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS startrek');
    await admin.query('CREATE DATABASE startrek');
  } finally {
    await admin.end();
  }
  const c = new pg.Client(target.clientConfig('startrek'));
  await c.connect();
  try {
    await c.query(sqlInside);
  } finally {
    await c.end();
  }
}

test('threads on: both tables decoded and loaded on worker threads, verified identical', async () => {
  const lines: string[] = [];
  const { report } = await run({ if_exists: 'drop' }, lines);
  assert.equal(report.error, undefined, report.error);
  assert.ok(
    lines.some((l) => /worker threads \(threads: on/.test(l)),
    lines.join('\n'),
  );
  const rows = Object.fromEntries(report.tables.map((t) => [t.source, t.verification]));
  assert.equal(rows['startrek.public.episodes']?.match, true);
  assert.equal(rows['startrek.public.episodes']?.targetRows, 79n);
  assert.equal(rows['startrek.public.quotes']?.match, true);
  assert.equal(rows['startrek.public.quotes']?.targetRows, 200n);
});

// One quote begins `"... freedom ... is a worship word..."` (startrek SOURCE.md); a CHECK on an
// existing target table makes PostgreSQL refuse exactly that row.
const REFUSING_QUOTES = `CREATE TABLE public.quotes (quote text CHECK (position('freedom ... is a worship word' in quote) = 0),
  characters text, stardate numeric, episode bigint, rowid bigint NOT NULL)`;

test('a row PostgreSQL refuses inside a worker stops the load with the table, column and row key', async () => {
  await recreateStartrek(REFUSING_QUOTES);
  const { report } = await run({ if_exists: 'truncate' });
  assert.match(
    report.error ?? '',
    /row rejected by PostgreSQL: startrek\.public\.quotes, row key \/Table\/54\/1\/\d+: new row for relation "quotes" violates check constraint/,
  );
  assert.match(report.error ?? '', /--on-error quarantine/);
});

test('on_error quarantine inside a worker: the refused row goes to the reject file, the rest loads', async () => {
  await recreateStartrek(REFUSING_QUOTES);
  const { report, reportDir } = await run({ if_exists: 'truncate', on_error: 'quarantine' });
  const quotes = report.tables.find((t) => t.source === 'startrek.public.quotes');
  assert.equal(quotes?.rejectedRows, 1);
  assert.equal(quotes?.rowsLoaded, 199);
  const rejects = readFileSync(join(reportDir, 'rejects', 'startrek.public.quotes.rejects.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(rejects.length, 1);
  assert.match(rejects[0]!, /freedom \.\.\. is a worship word/);
});
