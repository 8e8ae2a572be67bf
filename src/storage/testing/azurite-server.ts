/**
 * A real Azure Blob service for tests: Azurite (Microsoft's emulator, a dev dependency) started as a
 * child process on 127.0.0.1 with a free port and in-memory persistence, stopped in `after` (and
 * killed if the test process exits first). Account `devstoreaccount1` with its published key.
 */
import { serverChild } from './server-child.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../azure-config.js';
import { azureSharedKeySignature } from '../azure-storage.js';

const API_VERSION = '2021-08-06';

export interface TestAzurite {
  /** Blob service endpoint, `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly endpoint: string;
  readonly account: string;
  readonly key: string;
  /** Azurite's package version. */
  readonly version: string;
  /** Endpoint of another account given to `startAzurite` (path-style, like the default one). */
  endpointOf(account: string): string;
  createContainer(name: string, account?: string): Promise<void>;
  put(container: string, name: string, body: Uint8Array | string, account?: string): Promise<void>;
  /** Uploads every file below `dir` as `<prefix>/<relative path>`; returns the blob names. */
  uploadFolder(container: string, prefix: string, dir: string, account?: string): Promise<string[]>;
  /** A service SAS for a container (`sr=c`), e.g. permissions `rl`; `expiry` defaults to one hour ahead. */
  containerSas(container: string, permissions: string, expiry?: Date): string;
  /** An account SAS for the blob service (`ss=b`, `srt=sco`). */
  accountSas(permissions: string, expiry?: Date): string;
  stop(): Promise<void>;
}

const isoSeconds = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;
const hmac = (key: string, text: string): string => createHmac('sha256', Buffer.from(key, 'base64')).update(text, 'utf8').digest('base64');

export interface AzuriteAccount {
  readonly name: string;
  /** Base64 of the key bytes. */
  readonly key: string;
}

/** Azurite takes its accounts from AZURITE_ACCOUNTS (`name:key;name:key`); the default one is kept. */
function withAccounts(env: NodeJS.ProcessEnv, extra: readonly AzuriteAccount[]): NodeJS.ProcessEnv {
  const { AZURITE_ACCOUNTS: _ignored, ...rest } = env;
  if (extra.length === 0) return rest;
  const all = [{ name: AZURITE_ACCOUNT, key: AZURITE_KEY }, ...extra];
  return { ...rest, AZURITE_ACCOUNTS: all.map((a) => `${a.name}:${a.key}`).join(';') };
}

export async function startAzurite(extraAccounts: readonly AzuriteAccount[] = []): Promise<TestAzurite> {
  const keys = new Map<string, string>([[AZURITE_ACCOUNT, AZURITE_KEY], ...extraAccounts.map((a): [string, string] => [a.name, a.key])]);
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('azurite/package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as { version: string; bin: Record<string, string> };
  const main = join(dirname(pkgPath), pkg.bin['azurite-blob']!);
  const dir = await mkdtemp(join(tmpdir(), 'azurite-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--extentMemoryLimit',
      '256',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: withAccounts(process.env, extraAccounts) },
  );
  const life = serverChild(child, dir);

  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 20 s:\n${output}`)), 20_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code ?? signal}) before listening:\n${output}`));
    });
  }).catch(async (e: unknown) => {
    await life.abandon();
    throw e;
  });

  const endpointOf = (account: string): string => `http://127.0.0.1:${port}/${account}`;
  const endpoint = endpointOf(AZURITE_ACCOUNT);
  const send = async (account: string, url: URL, body: Uint8Array | undefined, extra: Record<string, string>): Promise<void> => {
    const key = keys.get(account);
    if (!key) throw new Error(`startAzurite was not given account ${account}`);
    const headers: Record<string, string> = {
      ...extra,
      'x-ms-date': new Date().toUTCString(),
      'x-ms-version': API_VERSION,
    };
    if (body) headers['Content-Type'] = 'application/octet-stream';
    const signed = { ...headers, 'Content-Length': String(body?.length ?? 0) };
    headers.Authorization = `SharedKey ${account}:${azureSharedKeySignature(account, key, 'PUT', url, signed)}`;
    const res = await fetch(url, { method: 'PUT', headers, ...(body ? { body } : {}) });
    if (!res.ok) throw new Error(`Azurite PUT ${url.pathname}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  };
  const blobUrl = (account: string, container: string, name: string): URL =>
    new URL(`${endpointOf(account)}/${container}/${name.split('/').map(encodeURIComponent).join('/')}`);

  const api: TestAzurite = {
    endpoint,
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    version: pkg.version,
    endpointOf,
    async createContainer(name, account = AZURITE_ACCOUNT) {
      await send(account, new URL(`${endpointOf(account)}/${name}?restype=container`), undefined, {});
    },
    async put(container, name, body, account = AZURITE_ACCOUNT) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await send(account, blobUrl(account, container, name), bytes, { 'x-ms-blob-type': 'BlockBlob' });
    },
    async uploadFolder(container, prefix, root, account = AZURITE_ACCOUNT) {
      const names: string[] = [];
      const walk = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else {
            const name = [prefix, relative(root, p).split(sep).join('/')].filter((s) => s !== '').join('/');
            await api.put(container, name, await readFile(p), account);
            names.push(name);
          }
        }
      };
      await walk(root);
      return names.sort();
    },
    containerSas(container, permissions, expiry = new Date(Date.now() + 3_600_000)) {
      const se = isoSeconds(expiry);
      // Service SAS string-to-sign, version 2020-12-06+: sp, st, se, canonical name, si, sip, spr,
      // sv, sr, snapshot time, ses, rscc, rscd, rsce, rscl, rsct.
      const toSign = [
        permissions,
        '',
        se,
        `/blob/${AZURITE_ACCOUNT}/${container}`,
        '',
        '',
        '',
        API_VERSION,
        'c',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
      ].join('\n');
      return new URLSearchParams({ sv: API_VERSION, sr: 'c', sp: permissions, se, sig: hmac(AZURITE_KEY, toSign) }).toString();
    },
    accountSas(permissions, expiry = new Date(Date.now() + 3_600_000)) {
      const se = isoSeconds(expiry);
      // Account SAS string-to-sign, version 2020-12-06+: account, sp, ss, srt, st, se, sip, spr, sv, ses, ''.
      const toSign = [AZURITE_ACCOUNT, permissions, 'b', 'sco', '', se, '', '', API_VERSION, '', ''].join('\n');
      return new URLSearchParams({ sv: API_VERSION, ss: 'b', srt: 'sco', sp: permissions, se, sig: hmac(AZURITE_KEY, toSign) }).toString();
    },
    stop: () => life.stop(),
  };
  return api;
}
