/**
 * Inputs that hold nothing, or less than they claim, through the real CLI: an empty folder, a
 * BACKUP given as a store and a store given as a BACKUP, a zero-byte BACKUP_MANIFEST, and data files
 * a manifest lists but that are absent are each one error line naming the path and the fix — never
 * "0/0 tables verified identical". With `allow_missing_files` the run goes on, names every absent
 * file on the console and in migration.log, and is never reported as verified identical. A fresh
 * cluster says "nothing to migrate".
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrationDir, runCli, type CliResult } from './support/cli.js';

const STORES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/', import.meta.url));
const BACKUPS = fileURLToPath(new URL('../../shared/fixtures/crdb-backups/', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../sample/backup', import.meta.url));
const SAMPLE_LAYER = '2019/04/10-111936.55';

/** Reading the source fails before any PostgreSQL is needed; none is started or touched. */
const NO_LOAD = { test_postgresql_import: false, postgres_import_enabled: false };

/** Runs the CLI in a fresh folder with `config`; `copy` puts fixture copies into that folder first. */
async function run(
  args: readonly string[],
  config: Record<string, unknown> = NO_LOAD,
  copy: Record<string, string> = {},
): Promise<CliResult & { dir: string }> {
  const dir = migrationDir('cm-empty-inputs-', config);
  for (const [name, from] of Object.entries(copy)) cpSync(from, join(dir, name), { recursive: true });
  return { ...(await runCli(args, { cwd: dir, timeoutMs: 180_000 })), dir };
}

/** Exactly one error line before the run's FAILED summary, matching `re`; exit code 1; never "verified identical". */
function assertOneError(r: CliResult, re: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: ') && !/Migration FAILED/.test(l));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, re);
  assert.doesNotMatch(r.stderr, /verified identical: /);
}

const reportOf = (dir: string): { verdict: string; warnings: string[] } =>
  JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { verdict: string; warnings: string[] };

test('an empty folder as --store and as --backup: one line naming the folder and what is missing', async () => {
  const dir = migrationDir('cm-empty-inputs-', NO_LOAD);
  mkdirSync(join(dir, 'cockroach-data'));
  const asStore = await runCli(['--store', 'cockroach-data'], { cwd: dir });
  assertOneError(
    asStore,
    /^error: cockroach-data is empty: no MANIFEST, CURRENT, \*\.sst or \*\.log files; pass the cockroach-data directory of one store/,
  );
  const asBackup = await runCli(['--backup', 'cockroach-data'], { cwd: dir });
  assertOneError(
    asBackup,
    /^error: cockroach-data is empty, does not exist or cannot be listed: no LATEST, BACKUP_MANIFEST, BACKUP_METADATA or BACKUP; point at a backup collection/,
  );
});

test('a BACKUP collection or backup folder given as --store, and a store given as --backup: one line saying what it is and which flag reads it', async () => {
  const collection = await run(['--store', 'cockroach-data'], NO_LOAD, { 'cockroach-data': SAMPLE });
  assertOneError(
    collection,
    /^error: cockroach-data is a BACKUP collection, not a store; use s3_backup_path \/ source \{"type": "backup", "url": …\} \/ --backup for it$/,
  );
  // A v1.0 backup folder holds its data SSTs beside BACKUP: never read them as store tables.
  const folder = await run(['--store', 'old-backup'], NO_LOAD, { 'old-backup': join(BACKUPS, 'exports-v1.0.7/backup') });
  assertOneError(folder, /^error: old-backup is a BACKUP directory \(BACKUP\), not a store; use s3_backup_path .* --backup for it$/);
  const store = await run(['--backup', 'cockroach-data'], NO_LOAD, { 'cockroach-data': join(STORES, 'emails-v2.1.4') });
  assertOneError(
    store,
    /^error: cockroach-data is a CockroachDB store directory \(cockroach-data\), not a BACKUP; use source \{"type": "store", "path": …\} \/ --store for it$/,
  );
});

test('a zero-byte BACKUP_MANIFEST, with and without its -CHECKSUM file: one line naming the manifest', async () => {
  for (const keepChecksum of [true, false]) {
    const dir = migrationDir('cm-empty-inputs-', NO_LOAD);
    cpSync(SAMPLE, join(dir, 'backup'), { recursive: true });
    truncateSync(join(dir, 'backup', SAMPLE_LAYER, 'BACKUP_MANIFEST'), 0);
    if (!keepChecksum) rmSync(join(dir, 'backup', SAMPLE_LAYER, 'BACKUP_MANIFEST-CHECKSUM'), { force: true });
    const r = await runCli(['--backup', 'backup'], { cwd: dir });
    assertOneError(
      r,
      new RegExp(`^error: backup/${SAMPLE_LAYER}/BACKUP_MANIFEST is empty \\(0 bytes\\); the copy of the backup was cut off`),
    );
  }
});

test('a store whose MANIFEST lists an absent SST: one line naming it and both fixes', async () => {
  const dir = migrationDir('cm-empty-inputs-', NO_LOAD);
  cpSync(join(STORES, 'emails-v2.1.4'), join(dir, 'cockroach-data'), { recursive: true });
  rmSync(join(dir, 'cockroach-data', '000012.sst'));
  const r = await runCli(['--store', 'cockroach-data'], { cwd: dir });
  assertOneError(
    r,
    /^error: data file cockroach-data\/000012\.sst is missing: the store's MANIFEST lists it, so the rows stored in it cannot be read; copy the complete cockroach-data directory, or set allow_missing_files: true \(--allow-missing-files\)/,
  );
});

test('a backup whose manifest lists an absent data file: one line naming it; with --allow-missing-files the run loads the rest and is not "verified identical"', async () => {
  const dir = migrationDir('cm-empty-inputs-', NO_LOAD);
  cpSync(SAMPLE, join(dir, 'backup'), { recursive: true });
  // data/8.sst holds emails.public.folder (table 56), whose 3 rows are then missing.
  rmSync(join(dir, 'backup', SAMPLE_LAYER, 'data', '8.sst'));
  const refused = await runCli(['--backup', 'backup'], { cwd: dir });
  assertOneError(
    refused,
    new RegExp(
      `^error: data file backup/${SAMPLE_LAYER}/data/8\\.sst is missing: backup/${SAMPLE_LAYER}/BACKUP_MANIFEST lists it, so the rows stored in it cannot be read; copy the complete backup folder, data/ included, or set allow_missing_files: true`,
    ),
  );

  // Opted in: loaded into the test instance the tool starts (the target is left alone).
  writeFileSync(join(dir, 'load.json'), JSON.stringify({ postgres_import_enabled: false }));
  const r = await runCli(['--config', 'load.json', '--backup', 'backup', '--allow-missing-files'], { cwd: dir, timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const named = new RegExp(
    `^warning: backup/${SAMPLE_LAYER}/data/8\\.sst: listed by the backup's manifest but absent; its rows are missing`,
    'm',
  );
  assert.match(r.stderr, named);
  assert.match(
    readFileSync(join(dir, 'migration.log'), 'utf8'),
    new RegExp(`WARN - backup/${SAMPLE_LAYER}/data/8\\.sst: listed by the backup's manifest but absent`),
  );
  assert.match(
    r.stderr,
    /Migration loaded with missing source files: 7 tables, \d+ rows; match what was readable: 7\/7 in the (?:target|test instance); 1 data file was absent \(named above\), their rows are missing/,
  );
  assert.doesNotMatch(r.stderr, /verified identical: /);
  assert.equal(reportOf(dir).verdict, 'incomplete-source');
  assert.match(readFileSync(join(dir, 'validation_report.txt'), 'utf8'), /LOADED WITH MISSING SOURCE FILES/);
});

test('a real store with absent SSTs (rabble-v23.1): refused; with allow_missing_files every absent file and the absent live WAL are named on the console and in migration.log', async () => {
  const rabble = join(STORES, 'rabble-v23.1');
  const refused = await run(['--store', rabble]);
  assertOneError(
    refused,
    /^error: 4 data files are missing \(.*rabble-v23\.1\/000183\.sst, .*000186\.sst\): the store's MANIFEST lists them/,
  );

  const r = await run(['--store', rabble], { allow_missing_files: true, postgres_import_enabled: false });
  assert.equal(r.code, 0, r.stderr);
  const log = readFileSync(join(r.dir, 'migration.log'), 'utf8');
  for (const n of ['000183', '000184', '000185', '000186']) {
    const line = new RegExp(`${n}\\.sst: listed at L6 by the MANIFEST but absent; its keys are missing from the scan`);
    assert.match(r.stderr, line);
    assert.match(log, line);
  }
  // 000180.sst holds range-local and time-series keys only: named, but no table row is lost.
  assert.match(r.stderr, /000180\.sst: listed at L6 by the MANIFEST but absent; its keys lie below \/Table\/ .* so no table row is lost/);
  assert.match(
    r.stderr,
    /^warning: .*rabble-v23\.1\/000177\.log: the live WAL the MANIFEST names \(log number 177\) is absent; the newest writes .* are missing/m,
  );
  assert.match(log, /WARN - .*000177\.log: the live WAL the MANIFEST names/);
  assert.match(
    r.stderr,
    /Migration loaded with missing source files: \d+ tables?, \d+ rows; match what was readable: (\d+)\/\1 in the (?:target|test instance)(?:, (\d+)\/\2 in the test instance)?; 4 data files were absent/,
  );
  assert.doesNotMatch(r.stderr, /verified identical: /);
  assert.equal(reportOf(r.dir).verdict, 'incomplete-source');
});

test('an absent live WAL only (emails-v2.1.4): a warning naming it, in inspect (stderr) and in a migration', async () => {
  const emails = join(STORES, 'emails-v2.1.4');
  const wal = /^warning: .*emails-v2\.1\.4\/000010\.log: the live WAL the MANIFEST names \(log number 10\) is absent/m;
  const inspect = await run(['inspect', '--store', emails]);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.match(inspect.stderr, wal);
  assert.doesNotMatch(inspect.stdout, /warning/);
  assert.match(inspect.stdout, /CREATE TABLE public\.email \(/);
  const r = await run(['--store', emails]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, wal);
  assert.ok(reportOf(r.dir).warnings.some((w) => /000010\.log: the live WAL/.test(w)));
});

test('a genuine store without user tables (frt-v25.4.0, a fresh cluster) says "nothing to migrate" and starts no PostgreSQL', async () => {
  // postgres_bin_dir points nowhere: starting a test instance would fail the run.
  const r = await run(['--store', join(STORES, 'frt-v25.4.0')], { postgres_import_enabled: true, postgres_bin_dir: '/nonexistent/bin' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Nothing to migrate: store directory .*frt-v25\.4\.0 holds no user table, view, sequence or type$/m);
  assert.doesNotMatch(r.stderr, /verified identical: |warning:/);
  assert.equal(reportOf(r.dir).verdict, 'nothing-to-migrate');
  assert.match(readFileSync(join(r.dir, 'validation_report.txt'), 'utf8'), /NOTHING TO MIGRATE/);
});
