/**
 * The temporary PostgreSQL never outlives the tool: after `kill -9` of a real process its watchdog
 * stops the server and removes the folder, and when the watchdog was killed as well, the next start
 * in the same temp_dir does it — without touching an instance whose owner is alive or a kept one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTempPostgres } from './temp-postgres.js';
import { processesMentioning, tempBase } from './testing/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** True while `pid` is a live (not zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

interface Owner {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly postmaster: number;
  readonly exited: Promise<unknown>;
}

/** A real process (the tool's stand-in) that starts an instance under `base` and then idles. */
async function startOwner(base: string): Promise<Owner> {
  const module = pathToFileURL(join(ROOT, 'src/pg-instance/temp-postgres.ts')).href;
  const code = `
    const { startTempPostgres } = await import(${JSON.stringify(module)});
    const s = await startTempPostgres({ tempDir: ${JSON.stringify(base)} });
    process.stdout.write(JSON.stringify({ dataDir: s.dataDir }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', r));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const { dataDir } = await new Promise<{ dataDir: string }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { dataDir: string });
    });
    void exited.then((c) => reject(new Error(`owner exited (${String(c)}) before its server started: ${err}`)));
  });
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  assert.ok(alive(postmaster), 'postmaster runs');
  return { child, dataDir, postmaster, exited };
}

/** Resolves once `done()` holds, re-checked on every change inside `dir` (no polling); rejects after `ms`. */
function whenChanged(dir: string, done: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir);
    const finish = (e?: Error): void => {
      clearTimeout(timer);
      watcher.close();
      if (e) reject(e);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`${what}: not within ${ms} ms`)), ms);
    watcher.on('change', () => {
      if (done()) finish();
    });
    if (done()) finish();
  });
}

test('kill -9 of the tool: its watchdog stops the server (parent pid 1 no more) and removes the folder', async () => {
  const base = tempBase('cm-pg-kill9-');
  try {
    const owner = await startOwner(base);
    const root = dirname(owner.dataDir);
    // Watch before the kill, so no event can be missed; the watchdog removes the folder only
    // after the postmaster is gone.
    const cleaned = whenChanged(base, () => !existsSync(root), 30_000, 'instance folder removed after kill -9');
    owner.child.kill('SIGKILL');
    await owner.exited;
    await cleaned;
    assert.equal(alive(owner.postmaster), false, 'postmaster gone');
    assert.deepEqual(processesMentioning(owner.dataDir), [], 'no postgres process left');
    assert.deepEqual(readdirSync(base), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the next start stops and removes what a killed run left (watchdog killed too), never an instance whose owner lives, nor a kept one', async () => {
  const base = tempBase('cm-pg-leftover-');
  const owners: Owner[] = [];
  try {
    const living = await startOwner(base);
    owners.push(living);
    const kept = await startTempPostgres({ tempDir: base, keep: true });
    await kept.stop();
    const killed = await startOwner(base);
    owners.push(killed);
    const killedRoot = dirname(killed.dataDir);
    // Kill the watchdog (its own process group: sh and cat) and then the tool, as an OOM killer
    // or a `kill -9` of everything would: the server keeps running with its folder.
    const watchdogs = processesMentioning('cockroach-migrate-watchdog').filter((l) => l.includes(killedRoot));
    assert.equal(watchdogs.length, 1, watchdogs.join('\n'));
    process.kill(-Number(watchdogs[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
    killed.child.kill('SIGKILL');
    await killed.exited;
    assert.ok(alive(killed.postmaster), 'the leftover server still runs');
    assert.ok(existsSync(killed.dataDir));

    const next = await startTempPostgres({ tempDir: base });
    try {
      assert.equal(alive(killed.postmaster), false, 'leftover postmaster stopped');
      assert.deepEqual(processesMentioning(killed.dataDir), [], 'no process of the leftover left');
      assert.equal(existsSync(killedRoot), false, 'leftover folder removed');
      assert.ok(alive(living.postmaster), 'the server of a living owner is untouched');
      assert.ok(existsSync(living.dataDir));
      assert.ok(existsSync(kept.dataDir), 'a kept instance stays');
      assert.deepEqual(
        readdirSync(base).sort(),
        [living.dataDir, kept.dataDir, next.dataDir].map((d) => dirname(d).slice(base.length + 1)).sort(),
      );
    } finally {
      await next.stop();
    }
  } finally {
    for (const o of owners) {
      o.child.kill('SIGTERM');
      await o.exited;
    }
    rmSync(base, { recursive: true, force: true });
  }
});
