import { createHmac } from 'node:crypto';
import { ConfigError, StorageError } from '../util/errors.js';
import { httpError, httpRangeReader, httpRequest, HttpStatusError, readAllHttp, type HttpContext } from './http-fetch.js';
import { Limiter } from './retry.js';
import { collapseDelimited, joinPath, type Storage, type StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';

const VERSION = '2021-08-06';
const HINT =
  'give AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY (or AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID) in the URL, or azure_account_name/azure_account_key/azure_sas_token in the config';

const SUFFIX: Record<string, string> = {
  azurepubliccloud: 'blob.core.windows.net',
  azurechinacloud: 'blob.core.chinacloudapi.cn',
  azureusgovernmentcloud: 'blob.core.usgovcloudapi.net',
  azuregermancloud: 'blob.core.cloudapi.de',
};

/** Shared Key signature (Azure Storage "Authorize with Shared Key", blob service, version 2015-02-21+). */
export function azureSharedKeySignature(
  account: string,
  keyBase64: string,
  method: string,
  url: URL,
  headers: Record<string, string>,
): string {
  const h = (n: string): string => headers[n] ?? '';
  const msHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .filter((k) => k.startsWith('x-ms-'))
    .sort()
    .map((k) => `${k}:${(headers[k] ?? '').trim()}\n`)
    .join('');
  const params = [...url.searchParams.keys()].map((k) => k.toLowerCase()).sort();
  let resource = `/${account}${url.pathname}`;
  for (const k of new Set(params)) {
    const values = url.searchParams.getAll(k).sort().join(',');
    resource += `\n${k}:${values}`;
  }
  const toSign = [method, '', '', '', '', '', '', '', '', '', '', h('Range'), `${msHeaders}${resource}`].join('\n');
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(toSign, 'utf8').digest('base64');
}

/** `azure://container/prefix` / `azure-blob://…` over the Blob REST API. Not testable offline. */
export function azureStorage(url: StorageUrl, opts: StorageOptions): Storage {
  const where = url.redacted;
  const account = url.params.get('AZURE_ACCOUNT_NAME') ?? opts.azureAccountName ?? process.env.AZURE_STORAGE_ACCOUNT;
  if (!account) throw new ConfigError(`${where}: no Azure storage account name`, HINT);
  const env = (url.params.get('AZURE_ENVIRONMENT') ?? 'AzurePublicCloud').toLowerCase();
  const suffix = SUFFIX[env];
  if (!suffix) throw new ConfigError(`${where}: unknown AZURE_ENVIRONMENT ${url.params.get('AZURE_ENVIRONMENT')}`, 'use AzurePublicCloud, AzureChinaCloud or AzureUSGovernmentCloud');
  const key = url.params.get('AZURE_ACCOUNT_KEY')?.replace(/ /g, '+') ?? opts.azureAccountKey ?? process.env.AZURE_STORAGE_KEY;
  const sas = opts.azureSasToken ?? process.env.AZURE_STORAGE_SAS_TOKEN;
  const clientId = url.params.get('AZURE_CLIENT_ID') ?? process.env.AZURE_CLIENT_ID;
  const clientSecret = url.params.get('AZURE_CLIENT_SECRET') ?? process.env.AZURE_CLIENT_SECRET;
  const tenant = url.params.get('AZURE_TENANT_ID') ?? process.env.AZURE_TENANT_ID;
  let bearer: { value: Promise<string>; at: number } | undefined;
  const getBearer = async (): Promise<string> => {
    const res = await fetch(`https://login.microsoftonline.com/${encodeURIComponent(tenant ?? '')}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId ?? '',
        client_secret: clientSecret ?? '',
        scope: 'https://storage.azure.com/.default',
      }),
    });
    if (!res.ok) throw new StorageError(`${where}: Azure AD token request failed with HTTP ${res.status}`, HINT);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  if (!key && !sas && !(clientId && clientSecret && tenant)) {
    throw new StorageError(`${where}: no Azure credentials found`, HINT);
  }
  const ctx: HttpContext = {
    limiter: new Limiter(opts.maxConcurrency ?? 16),
    maxAttempts: opts.maxAttempts ?? 6,
    baseMs: opts.retryBaseMs ?? 200,
    headers: async (method, u, extra) => {
      const base: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': VERSION };
      if (key) {
        const sig = azureSharedKeySignature(account, key, method, u, { ...extra, ...base });
        return { ...base, Authorization: `SharedKey ${account}:${sig}` };
      }
      if (clientId && clientSecret && tenant) {
        if (!bearer || Date.now() - bearer.at > 45 * 60_000) bearer = { value: getBearer(), at: Date.now() };
        return { ...base, Authorization: `Bearer ${await bearer.value}` };
      }
      return base; // SAS: the token is in the query string
    },
  };
  const origin = `https://${account}.${suffix}`;
  return at(ctx, origin, url.bucket, url.prefix, sas?.replace(/^\?/, ''));
}

function at(ctx: HttpContext, origin: string, container: string, prefix: string, sas: string | undefined): Storage {
  const where = (p: string): string => `azure://${container}/${joinPath(prefix, p)}`;
  const withSas = (u: URL): URL => {
    if (sas) for (const [k, v] of new URLSearchParams(sas)) u.searchParams.set(k, v);
    return u;
  };
  const blob = (p: string): URL =>
    withSas(new URL(`${origin}/${encodeURIComponent(container)}/${joinPath(prefix, p).split('/').map(encodeURIComponent).join('/')}`));
  return {
    name: `azure://${container}/${prefix}`,
    async list(p, lo) {
      const full = prefix === '' ? p : `${prefix}/${p}`;
      const base = full.length - p.length;
      const out: string[] = [];
      let marker: string | undefined;
      try {
        do {
          const u = withSas(new URL(`${origin}/${encodeURIComponent(container)}`));
          u.searchParams.set('restype', 'container');
          u.searchParams.set('comp', 'list');
          u.searchParams.set('prefix', full);
          if (lo?.delimiter) u.searchParams.set('delimiter', lo.delimiter);
          if (marker) u.searchParams.set('marker', marker);
          const xml = await (await httpRequest(ctx, 'GET', u)).text();
          for (const m of xml.matchAll(/<(Blob|BlobPrefix)>\s*<Name>([^<]*)<\/Name>/g)) out.push(unxml(m[2]!).slice(base));
          marker = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1];
        } while (marker);
      } catch (e) {
        throw httpError(e, where(p), 'list', HINT);
      }
      out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return collapseDelimited(out, p, lo?.delimiter);
    },
    reader(p) {
      return httpRangeReader(ctx, where(p), blob(p), HINT, undefined, 'x-ms-range');
    },
    async exists(p) {
      try {
        await httpRequest(ctx, 'HEAD', blob(p));
        return true;
      } catch (e) {
        if (e instanceof HttpStatusError && e.status === 404) return false;
        throw httpError(e, where(p), 'head', HINT);
      }
    },
    readAll(p) {
      return readAllHttp(ctx, where(p), blob(p), HINT);
    },
    sub(p) {
      return at(ctx, origin, container, joinPath(prefix, p), sas);
    },
    async close() {},
  };
}

function unxml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
