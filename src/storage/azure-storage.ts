import { createHmac } from 'node:crypto';
import { StorageError } from '../util/errors.js';
import { AZURE_HINT, describeAzureAuth, resolveAzureConfig, type AzureAuth, type AzureConfig } from './azure-config.js';
import { httpError, httpRangeReader, httpRequest, HttpStatusError, readAllHttp, type HttpContext, requestPolicy } from './http-fetch.js';
import type { RangeReader } from './range-reader.js';
import { confinePath } from './confine-path.js';
import { collapseDelimited, compareNames, joinPath, type Storage, type StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';
import { unxml } from './xml-text.js';

/** REST API version sent as `x-ms-version` (Shared Key with `x-ms-range`, SAS `sv` up to this). */
const VERSION = '2021-08-06';

/** The standard headers of the Shared Key string-to-sign, in order (blob service, version 2015-02-21+). */
const SIGNED_HEADERS = [
  'content-encoding',
  'content-language',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
];

/**
 * Shared Key signature ("Authorize with Shared Key", blob service, version 2015-02-21+): the verb,
 * the standard headers (Content-Length `0` as empty), the `x-ms-*` headers sorted, then
 * `/<account><url path>` and the query parameters (lower-cased names, sorted, values joined by `,`).
 * With an emulator endpoint the path starts with the account, which then appears twice, as required.
 */
export function azureSharedKeySignature(
  account: string,
  keyBase64: string,
  method: string,
  url: URL,
  headers: Record<string, string>,
): string {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) lower.set(k.toLowerCase(), v);
  const standard = SIGNED_HEADERS.map((n) => {
    const v = lower.get(n) ?? '';
    return n === 'content-length' && v === '0' ? '' : v;
  });
  const msHeaders = [...lower.keys()]
    .filter((k) => k.startsWith('x-ms-'))
    .sort()
    .map((k) => `${k}:${(lower.get(k) ?? '').replace(/\s+/g, ' ').trim()}\n`)
    .join('');
  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) {
    const n = k.toLowerCase();
    params.set(n, [...(params.get(n) ?? []), v]);
  }
  let resource = `/${account}${url.pathname}`;
  for (const n of [...params.keys()].sort()) resource += `\n${n}:${params.get(n)!.sort().join(',')}`;
  const toSign = [method.toUpperCase(), ...standard].join('\n') + `\n${msHeaders}${resource}`;
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(toSign, 'utf8').digest('base64');
}

/** The service's error code: `x-ms-error-code` header (also on HEAD), else `<Code>` of the body. */
function azureErrorCode(e: HttpStatusError): string | undefined {
  return e.headers?.get('x-ms-error-code') ?? /<Code>([^<]+)<\/Code>/.exec(e.body)?.[1] ?? undefined;
}

/** What to do about a 401/403, per credential kind. */
function denyHint(cfg: AzureConfig): string {
  switch (cfg.auth.kind) {
    case 'key':
      return `check AZURE_ACCOUNT_NAME and AZURE_ACCOUNT_KEY: the key must be key1 or key2 of account ${cfg.account}, percent-encoded in a URL (+ as %2B); also check the clock of this machine`;
    case 'sas':
      return `the SAS token must belong to account ${cfg.account} and container ${cfg.container}, be unexpired, and grant read (r) and list (l)`;
    case 'client':
      return `service principal ${cfg.auth.clientId} needs a data role such as "Storage Blob Data Reader" on account ${cfg.account} or container ${cfg.container}`;
    default: {
      const never: never = cfg.auth;
      return String(never);
    }
  }
}

/** One-line StorageError for a failed request on `where`, naming the account, credential and fix. */
export function azureError(e: unknown, cfg: AzureConfig, where: string, action: string): StorageError {
  const status = e instanceof HttpStatusError ? e : e instanceof StorageError && e.cause instanceof HttpStatusError ? e.cause : undefined;
  if (status) {
    const code = azureErrorCode(status);
    const tag = `HTTP ${status.status}${code ? ` ${code}` : ''}`;
    if (status.status === 401 || status.status === 403) {
      return new StorageError(
        `${where}: access denied by storage account ${cfg.account} for ${describeAzureAuth(cfg.auth)} (${tag})`,
        denyHint(cfg),
        { cause: status },
      );
    }
    if (status.status === 404 && code === 'ContainerNotFound') {
      return new StorageError(
        `${where}: container ${cfg.container} does not exist in storage account ${cfg.account} (${tag})`,
        'check the container (the URL host) and AZURE_ACCOUNT_NAME',
        { cause: status },
      );
    }
    if (status.status === 404 && code === 'ResourceNotFound') {
      return new StorageError(
        `${where}: storage account ${cfg.account} or container ${cfg.container} not found at ${cfg.endpoint} (${tag})`,
        'check AZURE_ACCOUNT_NAME, the container and AZURE_ENDPOINT',
        { cause: status },
      );
    }
    if (status.status === 416) {
      return new StorageError(
        `${where}: ${action} past the end of the blob (${tag})`,
        'the blob is shorter than the backup says: it is truncated',
        { cause: status },
      );
    }
  }
  return httpError(e, where, action, AZURE_HINT);
}

/** `azure://container/prefix`, `azure-blob://…`, `azure-storage://…` over the Blob REST API. */
export function azureStorage(url: StorageUrl, opts: StorageOptions): Storage {
  const cfg = resolveAzureConfig(url, opts, process.env);
  const scheme = /^[a-z-]+:\/\//.exec(url.redacted)?.[0] ?? 'azure://';
  const auth = cfg.auth;
  let bearer: Promise<string> | undefined;
  let bearerAt = 0;
  const ctx: HttpContext = {
    ...requestPolicy(opts),
    headers: async (method, u, extra) => {
      const base: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': VERSION };
      switch (auth.kind) {
        case 'key': {
          const sig = azureSharedKeySignature(cfg.account, auth.key, method, u, { ...extra, ...base });
          return { ...base, Authorization: `SharedKey ${cfg.account}:${sig}` };
        }
        case 'client': {
          if (!bearer || Date.now() - bearerAt > 45 * 60_000) {
            bearerAt = Date.now();
            bearer = fetchBearer(auth, `${scheme}${cfg.container}`);
            bearer.catch(() => (bearer = undefined));
          }
          return { ...base, Authorization: `Bearer ${await bearer}` };
        }
        case 'sas':
          return base; // the token is in the query string
        default: {
          const never: never = auth;
          throw new Error(`unreachable auth ${String(never)}`);
        }
      }
    },
  };
  return at(ctx, cfg, scheme, url.prefix, auth.kind === 'sas' ? auth.token : undefined);
}

/** OAuth2 client-credentials token for the storage audience, from the cloud's login endpoint. */
async function fetchBearer(auth: Extract<AzureAuth, { kind: 'client' }>, where: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${auth.login}/${encodeURIComponent(auth.tenantId)}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
        scope: 'https://storage.azure.com/.default',
      }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new StorageError(`${where}: cannot reach ${auth.login} for an Azure AD token`, 'check the network, or use AZURE_ACCOUNT_KEY', {
      cause: e,
    });
  }
  const j = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!res.ok || !j.access_token) {
    throw new StorageError(
      `${where}: Azure AD refused a token for service principal ${auth.clientId} in tenant ${auth.tenantId} (HTTP ${res.status}${j.error ? ` ${j.error}` : ''})`,
      'check AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID',
    );
  }
  return j.access_token;
}

function at(ctx: HttpContext, cfg: AzureConfig, scheme: string, prefix: string, sas: string | undefined): Storage {
  const { container, endpoint } = cfg;
  const name = `${scheme}${container}/${prefix}`;
  const where = (p: string): string => `${scheme}${container}/${joinPath(prefix, p)}`;
  const withSas = (u: URL): URL => {
    if (sas) for (const [k, v] of new URLSearchParams(sas)) u.searchParams.set(k, v);
    return u;
  };
  /** The blob's URL; `p` must have passed confinePath (an unconfined `..` would reach another container). */
  const blob = (p: string): URL =>
    withSas(new URL(`${endpoint}/${encodeURIComponent(container)}/${joinPath(prefix, p).split('/').map(encodeURIComponent).join('/')}`));
  const fail =
    (p: string, action: string) =>
    (e: unknown): never => {
      throw azureError(e, cfg, where(p), action);
    };
  /** List Blobs (hierarchy when `delimiter` is set), every page: full names of blobs and BlobPrefixes. */
  const listAll = async (full: string, delimiter: string | undefined): Promise<{ blobs: string[]; prefixes: string[] }> => {
    const blobs: string[] = [];
    const prefixes: string[] = [];
    let marker: string | undefined;
    do {
      const u = new URL(`${endpoint}/${encodeURIComponent(container)}`);
      u.searchParams.set('restype', 'container');
      u.searchParams.set('comp', 'list');
      if (full !== '') u.searchParams.set('prefix', full);
      if (delimiter) u.searchParams.set('delimiter', delimiter);
      if (marker) u.searchParams.set('marker', marker);
      const xml = await (await httpRequest(ctx, 'GET', withSas(u))).text();
      // <Blob><Name>…</Name>…</Blob> and <BlobPrefix><Name>…</Name></BlobPrefix>; names with
      // characters XML cannot carry come as <Name Encoded="true"> with percent-encoding.
      for (const m of xml.matchAll(/<(Blob|BlobPrefix)>\s*<Name( Encoded="true")?>([^<]*)<\/Name>/g)) {
        const raw = unxml(m[3]!);
        (m[1] === 'Blob' ? blobs : prefixes).push(m[2] ? decodeURIComponent(raw) : raw);
      }
      const next = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1];
      marker = next === undefined ? undefined : unxml(next);
    } while (marker);
    return { blobs, prefixes };
  };
  return {
    name,
    async list(given, lo) {
      const p = confinePath(name, given, { prefix: true });
      const full = prefix === '' ? p : `${prefix}/${p}`;
      const base = full.length - p.length;
      const delimiter = lo?.delimiter;
      const out: string[] = [];
      try {
        const first = await listAll(full, delimiter);
        out.push(...first.blobs);
        for (const bp of first.prefixes) {
          // Azure collapses names at a multi-character delimiter (CockroachDB lists with `data/`);
          // Azurite 3.x cuts the prefix one character after the delimiter's start instead. Such a
          // prefix is listed in full and collapsed here, so both give the same answer.
          if (delimiter && !bp.endsWith(delimiter)) out.push(...(await listAll(bp, undefined)).blobs);
          else out.push(bp);
        }
      } catch (e) {
        fail(p, 'list')(e);
      }
      const rel = out.map((n) => n.slice(base));
      rel.sort(compareNames);
      return collapseDelimited(rel, p, delimiter);
    },
    reader(given): RangeReader {
      const p = confinePath(name, given);
      const r = httpRangeReader(ctx, where(p), blob(p), AZURE_HINT, undefined, 'x-ms-range');
      return {
        name: r.name,
        size: () => r.size().catch(fail(p, 'size')),
        read: (start, end) => r.read(start, end).catch(fail(p, 'read')),
        close: async () => {},
      };
    },
    async exists(given) {
      const p = confinePath(name, given);
      try {
        await httpRequest(ctx, 'HEAD', blob(p));
        return true;
      } catch (e) {
        if (e instanceof HttpStatusError && e.status === 404 && azureErrorCode(e) !== 'ContainerNotFound') return false;
        return fail(p, 'head')(e);
      }
    },
    async readAll(given) {
      const p = confinePath(name, given);
      return readAllHttp(ctx, where(p), blob(p), AZURE_HINT).catch(fail(p, 'read'));
    },
    sub(given) {
      return at(ctx, cfg, scheme, joinPath(prefix, confinePath(name, given)), sas);
    },
    async close() {},
  };
}
