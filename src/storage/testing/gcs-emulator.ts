/**
 * A real Cloud Storage JSON API server for tests: the Cloud Storage emulator inside firebase-tools,
 * started as a child process on 127.0.0.1 with a free port, stopped in `after` (and killed if the
 * test process exits first).
 *
 * firebase-tools is 240 MB, so it is no dev dependency: it is installed once, on first use, into
 * ~/.cache/cockroach-migrate/firebase-tools-<version> (about a minute; parallel test files wait on
 * a lock instead of racing). When the npm registry cannot be reached the tests are skipped, and say
 * so; any other install failure fails them.
 *
 * `firebase emulators:start --only storage` is not used: it starts a Java rules runtime that it
 * downloads from Google first, which needs the internet. The GCS JSON API routes never consult the
 * rules (they act as an admin), so the launcher builds the emulator's express app directly.
 */
import { serverChild } from './server-child.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

export const FIREBASE_TOOLS_VERSION = '15.34.2';

export interface TestGcs {
  /** Server root, `http://127.0.0.1:<port>` (what GCS_ENDPOINT / STORAGE_EMULATOR_HOST take). */
  readonly endpoint: string;
  readonly version: string;
  createBucket(name: string): Promise<void>;
  /** Uploads one object (JSON API media upload), creating the bucket first when needed. */
  put(bucket: string, name: string, body: Uint8Array | string): Promise<void>;
  /** Uploads every file below `dir` as `<prefix>/<relative path>`; returns the object names. */
  uploadFolder(bucket: string, prefix: string, dir: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Either an installed firebase-tools package folder, or why the GCS tests must be skipped. */
export type FirebaseTools = { readonly root: string } | { readonly skip: string };

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'cockroach-migrate', `firebase-tools-${FIREBASE_TOOLS_VERSION}`);
}

/** Network failures of npm: the registry is unreachable, so the tests are skipped rather than failed. */
const OFFLINE = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|socket hang up/i;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    child.on('error', (e) => resolve({ code: -1, output: `${output}${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

const LOCK_STALE_MS = 15 * 60_000;

/** A lock whose installer died (its pid is gone) or that is older than any install could take. */
async function staleLock(lock: string): Promise<boolean> {
  const age = await stat(lock).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
  if (age > LOCK_STALE_MS) return true;
  const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
  // No pid yet: the holder is between mkdir and writing it; give it a few seconds.
  if (!Number.isInteger(pid) || pid <= 0) return age > 10_000;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * firebase-tools, installed once. The lock is a directory (mkdir is atomic); the installer writes
 * into a private folder and renames it into place, so a reader never sees half an install. A lock
 * older than any install could take (a killed run) is taken over.
 */
export async function ensureFirebaseTools(): Promise<FirebaseTools> {
  const dir = cacheDir();
  const root = join(dir, 'node_modules', 'firebase-tools');
  const done = join(dir, '.installed');
  // The marker is written last; a folder someone emptied since is installed again.
  const installed = (): boolean => existsSync(done) && existsSync(join(root, 'lib', 'emulator', 'storage', 'server.js'));
  if (installed()) return { root };
  await mkdir(join(dir, '..'), { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (installed()) return { root };
      if (await staleLock(lock)) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (installed()) return { root };
    const staging = `${dir}.staging-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    process.stderr.write(
      `gcs-emulator: installing firebase-tools@${FIREBASE_TOOLS_VERSION} into ${dir} for the GCS tests (once, about a minute)…\n`,
    );
    // --ignore-scripts: the storage emulator needs none of its native add-ons (re2, protobufjs' postinstall).
    const r = await run(
      'npm',
      [
        'install',
        '--prefix',
        staging,
        `firebase-tools@${FIREBASE_TOOLS_VERSION}`,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
      ],
      staging,
    );
    if (r.code !== 0) {
      await rm(staging, { recursive: true, force: true });
      const lines = r.output
        .split('\n')
        .map((l) => l.replace(/^npm (error|ERR!)\s*/, '').trim())
        .filter((l) => l !== '');
      // npm's FetchError line names the registry URL and the reason; the code alone otherwise.
      const offline = lines.find((l) => l.startsWith('FetchError') && OFFLINE.test(l)) ?? lines.find((l) => OFFLINE.test(l));
      if (offline) return { skip: `the npm registry is unreachable, so firebase-tools (the GCS emulator) cannot be installed: ${offline}` };
      const last = lines.slice(-3).join(' | ');
      throw new Error(`npm install firebase-tools@${FIREBASE_TOOLS_VERSION} failed (exit ${r.code}): ${last}`);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    await writeFile(done, `${new Date().toISOString()}\n`);
    return { root };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Runs inside the child (CommonJS, firebase-tools' own modules). Two departures from a bare
 * emulator, both to behave like Google's service: buckets exist only once created (`POST
 * /storage/v1/b`, as the real API) — the emulator creates any bucket a request names, which would
 * hide a wrong bucket — and an unknown bucket gets Google's 404 body.
 */
const LAUNCHER = String.raw`
const http = require('node:http');
const root = process.argv[1];
const pageSize = Number(process.argv[2]);
const { StorageEmulator } = require(root + '/lib/emulator/storage/index.js');
const { createApp } = require(root + '/lib/emulator/storage/server.js');
const { EmulatorRegistry } = require(root + '/lib/emulator/registry.js');
const args = { projectId: 'demo-test', host: '127.0.0.1', port: 0, rules: { name: 'unused.rules', content: '' }, auto_download: false };
const emu = new StorageEmulator(args);
const buckets = new Set();
const NO_BUCKET = 'The specified bucket does not exist.';
createApp('demo-test', emu).then((app) => {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'POST' && path === '/storage/v1/b') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const name = JSON.parse(body || '{}').name;
        buckets.add(name);
        emu.adminStorageLayer.createBucket(name);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'storage#bucket', name, id: name }));
      });
      return;
    }
    // Google may end a page before maxResults; a short default page lets tests page cheaply.
    if (req.method === 'GET' && /^\/storage\/v1\/b\/[^/]+\/o$/.test(path) && !/[?&]maxResults=/.test(req.url)) {
      req.url += (req.url.includes('?') ? '&' : '?') + 'maxResults=' + pageSize;
    }
    const m = /^\/(?:download\/|upload\/)?storage\/v1\/b\/([^/]+)\//.exec(path);
    if (m && !buckets.has(decodeURIComponent(m[1]))) {
      const error = { code: 404, message: NO_BUCKET, errors: [{ message: NO_BUCKET, domain: 'global', reason: 'notFound' }] };
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
      return;
    }
    app(req, res);
  });
  server.listen(0, '127.0.0.1', () => {
    args.port = server.address().port;
    // Upload answers and self links are built from the registry's idea of the emulator's address.
    EmulatorRegistry.set('storage', emu);
    process.stdout.write('listening on ' + args.port + '\n');
  });
});
`;

export interface GcsEmulatorOptions {
  /** Names per listing page when the request sets no maxResults (Google's and the emulator's default: 1000). */
  readonly pageSize?: number;
}

/** Starts the emulator; `{ skip }` when firebase-tools cannot be installed for want of the registry. */
export async function startGcsEmulator(opts: GcsEmulatorOptions = {}): Promise<TestGcs | { readonly skip: string }> {
  const tools = await ensureFirebaseTools();
  if ('skip' in tools) return tools;
  const dir = await mkdtemp(join(tmpdir(), 'gcs-emulator-'));
  // TMPDIR: the emulator keeps object bytes in <tmpdir>/firebase/storage/blobs, shared otherwise.
  const child: ChildProcess = spawn(process.execPath, ['-e', LAUNCHER, tools.root, String(opts.pageSize ?? 1000)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: dir },
  });
  const life = serverChild(child, dir);

  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the GCS emulator did not start within 60 s:\n${output}`)), 60_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /listening on (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the GCS emulator exited (${code ?? signal}) before listening:\n${output}`));
    });
  }).catch(async (e: unknown) => {
    await life.abandon();
    throw e;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  // Ready means answering HTTP, not just bound: poll the bucket list until it does.
  for (let i = 0; ; i++) {
    const ok = await fetch(`${endpoint}/b`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i >= 100) {
      child.kill('SIGKILL');
      throw new Error(`the GCS emulator on port ${port} does not answer HTTP:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const created = new Set<string>();
  const api: TestGcs = {
    endpoint,
    version: FIREBASE_TOOLS_VERSION,
    async createBucket(name) {
      const res = await fetch(`${endpoint}/storage/v1/b?project=demo-test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`GCS emulator: create bucket ${name}: HTTP ${res.status}`);
      created.add(name);
    },
    async put(bucket, name, body) {
      if (!created.has(bucket)) await api.createBucket(bucket);
      const u = new URL(`${endpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`);
      u.searchParams.set('uploadType', 'media');
      u.searchParams.set('name', name);
      const res = await fetch(u, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: typeof body === 'string' ? Buffer.from(body) : body,
      });
      if (!res.ok) throw new Error(`GCS emulator: upload ${bucket}/${name}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    },
    async uploadFolder(bucket, prefix, root) {
      const names: string[] = [];
      const walk = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else {
            const name = [prefix, relative(root, p).split(sep).join('/')].filter((s) => s !== '').join('/');
            await api.put(bucket, name, await readFile(p));
            names.push(name);
          }
        }
      };
      await walk(root);
      return names.sort();
    },
    stop: () => life.stop(),
  };
  return api;
}
