/**
 * Kill the real CLI (SIGKILL, no cleanup) in the middle of COPY, rerun the same command, and check
 * the target ends up with exactly the source's rows: no duplicates, no gaps.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { migrationDir, runCli } from './support/cli.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const STORE = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/movr-v19.2.4', import.meta.url));

// One table at a time, each in one transaction (COPY FREEZE: the kill leaves rides empty and the
// rerun loads it again); and in key-range parts on two jobs, committed chunk by chunk, where the
// rerun asks for another part size: the parts an interrupted run recorded are the ones that resume.
const VARIANTS = [
  // chunk_size 10: rides's one transaction is 162 COPY statements, each with its checkpoint, long enough to be caught.
  { name: '', config: { jobs: 1, chunk_size: 10 }, rerunFlags: [] as string[], parts: false },
  {
    name: ' (tables in parts, rerun with another part size)',
    config: { jobs: 2, table_part_mb: 0.02, chunk_size: 30 },
    rerunFlags: ['--table-part-mb', '0.05'],
    parts: true,
  },
];
for (const v of VARIANTS) {
  test(`a run killed mid-COPY resumes to identical data${v.name}`, async () => {
    const server = await withTempPostgres();
    await dropMigratedDatabases(server.clientConfig());
    const dir = migrationDir('cm-resume-', {
      source: { type: 'store', path: STORE },
      test_postgresql_import: false,
      ...targetKeys(server),
      ...v.config,
    });
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href, `${ROOT}src/cli/main.ts`],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let childErr = '';
    child.stderr?.on('data', (d: Buffer) => (childErr += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));

    // Kill in the middle of the big table's load: in parts, once some chunks are committed; in one
    // transaction, while the load holds rides (taken over for COPY FREEZE) between its COPY statements.
    const midLoad = v.parts
      ? `SELECT sum(rows) AS rows FROM cockroach_migrate.load_state WHERE table_id LIKE 'movr.public.rides%' HAVING sum(rows) BETWEEN 300 AND 1500`
      : `SELECT 1 AS rows FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.relation = 'public.rides'::regclass AND l.mode = 'AccessExclusiveLock' AND l.granted
           AND (a.query LIKE 'COPY %' OR a.query LIKE '%cockroach_migrate.load_state%')`;
    const admin = new pg.Client(server.clientConfig());
    await admin.connect();
    let killedAt = -1;
    const deadline = Date.now() + 90_000;
    let movr: pg.Client | undefined;
    while (Date.now() < deadline && killedAt < 0 && child.exitCode === null) {
      if (!movr && (await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'movr'`)).rowCount) {
        movr = new pg.Client(server.clientConfig('movr'));
        await movr.connect();
      }
      if (movr) {
        try {
          const r = await movr.query<{ rows: string }>(midLoad);
          if (r.rowCount) {
            child.kill('SIGKILL');
            killedAt = Number(r.rows[0]!.rows);
          }
        } catch {
          /* state table or rides not created yet */
        }
      }
      if (killedAt < 0) await new Promise((r) => setTimeout(r, 5));
    }
    await movr?.end();
    await exited;
    await admin.end();
    assert.ok(killedAt > 0, `the run was killed during the load of movr.public.rides (exit ${child.exitCode}): ${childErr.slice(-600)}`);
    if (!v.parts) {
      const c = new pg.Client(server.clientConfig('movr'));
      await c.connect();
      try {
        const left = await c.query<{ n: string }>(`SELECT count(*) AS n FROM rides`);
        assert.equal(left.rows[0]?.n, '0', 'the one transaction of rides was rolled back');
      } finally {
        await c.end();
      }
    }

    const rerun = await runCli(v.rerunFlags, { cwd: dir });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /resuming it/);
    if (v.parts) assert.match(rerun.stderr, /movr\.public\.rides: resuming in the \d+ parts the interrupted run chose/);
    assert.match(rerun.stderr, /movr\.public\.rides: 1611 rows in source, 1611 in PostgreSQL, checksum matches/);

    const c = new pg.Client(server.clientConfig('movr'));
    await c.connect();
    try {
      const dup = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM (SELECT city, id FROM rides GROUP BY 1, 2 HAVING count(*) > 1) d`,
      );
      assert.equal(dup.rows[0]?.n, '0');
      const n = await c.query<{ n: string }>(`SELECT count(*) AS n FROM rides`);
      assert.equal(n.rows[0]?.n, '1611');
      const state = await c.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'cockroach_migrate'`);
      assert.equal(state.rowCount, 0, 'resume state removed after the verified run');
    } finally {
      await c.end();
    }
  });
}

/** The variants share the file's server: each starts from a server holding no migrated database. */
async function dropMigratedDatabases(config: pg.ClientConfig): Promise<void> {
  const admin = new pg.Client(config);
  await admin.connect();
  try {
    const dbs = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'`);
    for (const { datname } of dbs.rows) await admin.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

test('existing target tables: refused by default, then --if-exists drop / truncate / skip', async () => {
  const server = await withTempPostgres();
  const emails = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/emails-v2.1.4', import.meta.url));
  const dir = migrationDir('cm-exists-', { source: { type: 'store', path: emails }, test_postgresql_import: false, ...targetKeys(server) });
  const first = await runCli([], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const again = await runCli([], { cwd: dir });
  assert.equal(again.code, 1);
  assert.match(
    again.stderr,
    /target database "emails" already has tables this migration would create: public\.folder \(~3 rows\), public\.email \(~5 rows\), .*\(7 in all\); and sequences this migration would create: sequence public\.\w+, .*; use --if-exists drop/,
  );
  for (const mode of ['drop', 'truncate', 'skip']) {
    const r = await runCli(['--if-exists', mode], { cwd: dir });
    assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
  }
  const c = new pg.Client(server.clientConfig('emails'));
  await c.connect();
  try {
    const n = await c.query<{ n: string }>('SELECT count(*) AS n FROM email');
    assert.equal(n.rows[0]?.n, '5', 'no duplicates after truncate and skip');
  } finally {
    await c.end();
  }
});
