/** `demo --keep`: the migrated PostgreSQL stays up for psql until Ctrl-C, then goes, exit code 0. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

test('demo --keep keeps the server until Ctrl-C, which stops it; exit code 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-demo-keep-'));
  try {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), 'demo', '--keep'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /psql "([^"]+)"\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then((c) => reject(new Error(`demo exited (${String(c)}) instead of waiting for Ctrl-C: ${err}`)));
    });
    // The process waits for nothing but a signal: the server must still answer.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM public.email');
    await client.end();
    assert.equal(rows[0]?.n, '5');
    child.kill('SIGINT');
    assert.equal(await exited, 0, err);
    assert.match(err, /demo: stopping the PostgreSQL and removing its files/);
    await assert.rejects(new pg.Client({ connectionString: url }).connect(), /ECONNREFUSED/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
