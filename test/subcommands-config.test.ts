/**
 * Issue 13: "`inspect`, `verify`, `convert-schema` honour `--config` (credentials, endpoint)". The
 * bundled sample backup is served by a real S3-protocol server (s3rver, which checks request
 * signatures) and reached only through a config file's keys: `inspect`, `check`, the migration
 * and `verify` all read it with the file's endpoint and credentials; with an access key the server
 * does not know, each fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestS3, type TestS3 } from '../src/storage/testing/s3-server.js';
import { runCli } from './support/cli.js';
import { freshDatabase, withTempPostgres } from './support/pg.js';

const SAMPLE = new URL('../sample/backup/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let s3: TestS3;
before(async () => {
  s3 = await startTestS3();
  for (const f of files(SAMPLE)) await s3.put(`sample/${relative(SAMPLE, f)}`, readFileSync(f));
});
after(async () => {
  await s3?.stop();
});

/** No AWS_* of the developer's shell may supply what the config file is to supply. */
const NO_AWS_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('AWS_'))
    .map((k) => [k, '']),
);

test(
  'inspect, check, the migration and verify read an S3 backup with the config file’s endpoint and credentials',
  { timeout: 300_000 },
  async (t) => {
    const pg = await withTempPostgres();
    const { name } = await freshDatabase(pg, t, 'subcmd');
    const cwd = mkdtempSync(join(tmpdir(), 'cm-subcmd-'));
    const config = (keyId: string) => ({
      s3_backup_path: `s3://${s3.bucket}/sample`,
      aws_endpoint: s3.endpoint,
      aws_region: 'us-east-1',
      aws_access_key_id: keyId,
      aws_secret_access_key: s3.secretAccessKey,
      postgres_url: `postgresql://${pg.user}:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${name}`,
      test_postgresql_import: false,
    });
    writeFileSync(join(cwd, 's3.json'), JSON.stringify(config(s3.accessKeyId)));
    const cli = (args: string[]) => runCli(args, { cwd, env: NO_AWS_ENV, timeoutMs: 300_000 });

    const inspect = await cli(['inspect', '--config', 's3.json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /table public\.email \(id 57\): 8 columns, 5 rows/);

    const check = await cli(['check', '--config', 's3.json']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /^source: backup s3:\/\/backups\/sample\//m);
    assert.match(check.stdout, /^estimated time: ~1 s \(28 rows at ~100k rows\/s verified/m);

    const migrated = await cli(['--config', 's3.json']);
    assert.equal(migrated.code, 0, migrated.stderr);
    const verify = await cli(['verify', '--config', 's3.json']);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stderr, /^Verify completed: 7\/7 tables identical in the target \(row count and checksum\)$/m);

    // s3rver knows one access key: another one is refused, so the file's keys are the ones used.
    writeFileSync(join(cwd, 'wrong.json'), JSON.stringify(config('AKIANOTKNOWNHERE')));
    // The migration too: its worker threads start before an object-storage backup is opened, and
    // must stop with the run when the open fails.
    for (const args of [
      ['inspect', '--config', 'wrong.json'],
      ['check', '--config', 'wrong.json'],
      ['verify', '--config', 'wrong.json'],
      ['--config', 'wrong.json'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^error: s3:\/\/backups\/sample\/BACKUP_METADATA: access denied[^;]*; check aws_access_key_id \/ aws_secret_access_key .*bucket policy[^;]*$/m,
        r.stderr,
      );
      assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning/);
      assert.doesNotMatch(r.stderr, /Unknown/, 'a 403 without a body is named by its status, not the SDK\'s "Unknown"');
    }
  },
);
