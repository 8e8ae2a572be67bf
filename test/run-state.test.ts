/**
 * Runs and state, against a real PostgreSQL: a resume never mixes two sources (the backup
 * collection's LATEST moved on between the runs), one run per target at a time (two real CLI runs
 * at once), skipped tables are verified like the others, several CockroachDB databases loaded
 * into schemas of one PostgreSQL database each keep their own state, and "rerunning the same
 * command resumes" is said only when it is true.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { planFor, writeGeneration, fullFolderName } from '../src/backup/testing/build-collection.js';
import { CRDB_STORES_DIR } from '../src/backup/testing/fixture-bed.js';
import { extractStore } from '../src/backup/testing/store-extract.js';
import { resolveConfig } from '../src/config/load-config.js';
import { migrate } from '../src/pipeline/migrate.js';
import type { MigrationReport } from '../src/report/model.js';
import { silentLogger } from '../src/util/logger.js';
import { migrationDir, runCli } from './support/cli.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EMAILS = join(CRDB_STORES_DIR, 'emails-v2.1.4');

async function dropDatabase(config: pg.ClientConfig, name: string): Promise<void> {
  const admin = new pg.Client(config);
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

test('a resume refuses a backup collection whose LATEST moved on; pinning the old backup finishes it, --if-exists drop starts over', async () => {
  const server = await withTempPostgres();
  await dropDatabase(server.clientConfig(), 'emails');
  const ex = await extractStore(EMAILS, 'emails-v2.1.4');
  const ends = planFor(ex, 1).ends;
  const older = ends[0]!;
  const newer = ends[ends.length - 1]!;
  const collection = mkdtempSync(join(tmpdir(), 'cm-latest-'));
  await writeGeneration(collection, ex, 'manifest-gzip', { ends: [older] });

  const run = async (extra: Record<string, unknown>, interrupt = false): Promise<MigrationReport> => {
    const { config } = resolveConfig({
      file: {
        source: { type: 'backup', url: collection },
        test_postgresql_import: false,
        ...targetKeys(server),
        chunk_size: 1,
        jobs: 1,
        log_file: '',
        report_dir: collection,
        ...extra,
      },
      env: {},
    });
    const stop = new AbortController();
    return migrate({
      config,
      logger: silentLogger,
      signal: stop.signal,
      // Interrupted once a first table is loaded and committed with its checkpoint.
      ...(interrupt ? { onProgress: (e) => void (e.phase === 'done' && stop.abort(new Error('interrupted by the test'))) } : {}),
    });
  };

  const first = await run({}, true);
  assert.match(first.error ?? '', /interrupted by the test/);
  assert.equal(first.resumable, true, 'the interrupted load left resumable state');

  // The nightly backup: a newer full backup, and LATEST names it.
  await writeGeneration(collection, ex, 'manifest-gzip', { ends: [newer] });
  const refused = await run({});
  assert.equal(refused.verdict, 'failed');
  const oldDir = fullFolderName(older);
  const newDir = fullFolderName(newer);
  assert.match(
    refused.error ?? '',
    new RegExp(
      `^cannot resume: the interrupted run in target database "emails" loaded backup \\S+/${oldDir} \\(read as of .*, manifests sha256 [0-9a-f]{16}\\), this run reads backup \\S+/${newDir} .*; to finish the interrupted run, pin its source \\(source\\.backup "${oldDir}", as_of "\\d+\\.\\d{10}"\\), or start over with --if-exists drop`,
    ),
  );
  assert.equal(refused.resumable, undefined, 'a refusal is not resumable by rerunning');

  // Other settings refuse too, naming the key.
  const otherSettings = await run({ source: { type: 'backup', url: collection, backup: oldDir }, on_error: 'quarantine' });
  assert.match(otherSettings.error ?? '', /cannot resume: .*loaded with other settings: on_error was stop, now quarantine/);

  // A state recorded before the fingerprint was part of the run (an earlier version hashed md5 row
  // strings): its checkpoints hold partial fingerprints of that definition, so it is refused.
  const state = new pg.Client(server.clientConfig('emails'));
  await state.connect();
  try {
    const recorded = await state.query<{ shape: Record<string, string> }>('SELECT shape FROM cockroach_migrate.runs');
    await state.query(`UPDATE cockroach_migrate.runs SET shape = shape - 'fingerprint'`);
    const oldFingerprint = await run({ source: { type: 'backup', url: collection, backup: oldDir } });
    assert.match(
      oldFingerprint.error ?? '',
      /cannot resume: .*loaded with other settings: fingerprint was unset, now sum of per-row XOR of per-field hashes/,
    );
    assert.match(
      oldFingerprint.error ?? '',
      /finish it with the version of cockroach-migrate that started it, or start over with --if-exists drop/,
    );
    await state.query('UPDATE cockroach_migrate.runs SET shape = $1', [JSON.stringify(recorded.rows[0]!.shape)]);
  } finally {
    await state.end();
  }

  // The way out 1: pin the backup the interrupted run read — it resumes and verifies.
  const pinned = await run({ source: { type: 'backup', url: collection, backup: oldDir } });
  assert.equal(pinned.error, undefined, pinned.error);
  assert.ok(pinned.tables.some((t) => t.resumed));
  for (const t of pinned.tables) assert.equal(t.verification?.match, true, t.source);

  // The way out 2: interrupted on the old backup again, then started over from LATEST.
  const again = await run({ source: { type: 'backup', url: collection, backup: oldDir }, if_exists: 'drop' }, true);
  assert.match(again.error ?? '', /interrupted by the test/);
  const over = await run({ if_exists: 'drop' });
  assert.equal(over.error, undefined, over.error);
  assert.ok(
    over.tables.every((t) => !t.resumed),
    'started over',
  );
  for (const t of over.tables) assert.equal(t.verification?.match, true, t.source);
});

// Without a run lock, run 1 never says it holds one and stays blocked: the timeout fails the test.
test(
  'two runs into one target at once: the second stops within seconds naming the first; skipped tables are verified',
  { timeout: 120_000 },
  async () => {
    const server = await withTempPostgres();
    await dropDatabase(server.clientConfig(), 'emails');
    const dir = migrationDir('cm-lock-', { source: { type: 'store', path: EMAILS }, test_postgresql_import: false, ...targetKeys(server) });
    const first = await runCli([], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);

    // Run 1 (--if-exists truncate) takes the run lock, then waits for the table this client locks.
    const blocker = new pg.Client(server.clientConfig('emails'));
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE email IN ACCESS EXCLUSIVE MODE');
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href, `${ROOT}src/cli/main.ts`, '--if-exists', 'truncate'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let childErr = '';
    const locked = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        childErr += d.toString();
        if (/locked for this run/.test(childErr)) resolve();
      });
      child.once('exit', () => reject(new Error(`run 1 ended before taking the lock: ${childErr}`)));
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await locked;
      const second = await runCli(['--if-exists', 'truncate'], { cwd: dir, timeoutMs: 30_000 });
      assert.equal(second.code, 1, second.stderr);
      assert.match(
        second.stderr,
        /target PostgreSQL .+? is being loaded by another cockroach-migrate run \(pid \d+ on host \S+, started \S+Z; PostgreSQL backend pid \d+\); one run per target at a time/,
      );
      assert.doesNotMatch(second.stderr, /rerunning the same command resumes/);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    assert.equal(await exited, 0, childErr);

    // No duplicates, and a table left as it is (skip) holding other rows is a mismatch (exit 3).
    const c = new pg.Client(server.clientConfig('emails'));
    await c.connect();
    try {
      assert.equal((await c.query<{ n: string }>('SELECT count(*) AS n FROM email')).rows[0]?.n, '5');
      await c.query('DELETE FROM attachment WHERE ctid = (SELECT min(ctid) FROM attachment)');
    } finally {
      await c.end();
    }
    const skip = await runCli(['--if-exists', 'skip'], { cwd: dir });
    assert.equal(skip.code, 3, skip.stderr);
    assert.match(skip.stderr, /emails\.public\.attachment: 5 rows in source, 4 in PostgreSQL, checksum DIFFERS/);
    assert.match(skip.stderr, /emails\.public\.email: 5 rows in source, 5 in PostgreSQL, checksum matches/);
  },
);

test('database_mapping schema: several CockroachDB databases into one fresh PostgreSQL database, each with its own state', async () => {
  const server = await withTempPostgres();
  await dropDatabase(server.clientConfig(), 'merged');
  const admin = new pg.Client(server.clientConfig());
  await admin.connect();
  await admin.query('CREATE DATABASE merged');
  await admin.end();
  const { config } = resolveConfig({
    file: {
      source: { type: 'store', path: join(CRDB_STORES_DIR, 'prepear-v19.1.0') },
      test_postgresql_import: false,
      ...targetKeys(server),
      postgres_database: 'merged',
      database_mapping: 'schema',
      // prepear's MANIFEST names an SST the fixture copy lacks (see test/migrate-stores): migrate what is readable.
      allow_missing_files: true,
      log_file: '',
      report_dir: mkdtempSync(join(tmpdir(), 'cm-schema-')),
    },
    env: {},
  });
  const report = await migrate({ config, logger: silentLogger });
  assert.equal(report.error, undefined, report.error);
  const dbs = new Set(report.tables.map((t) => t.source.split('.')[0]));
  assert.ok(dbs.size >= 2, `tables of several databases: ${[...dbs].join(', ')}`);
  for (const t of report.tables) assert.equal(t.verification?.match, true, t.source);
});
