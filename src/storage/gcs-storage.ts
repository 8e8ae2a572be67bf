import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, StorageError } from '../util/errors.js';
import { httpError, httpRangeReader, httpRequest, HttpStatusError, readAllHttp, type HttpContext, requestPolicy } from './http-fetch.js';
import { confinePath } from './confine-path.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from './timeouts.js';
import { collapseDelimited, joinPath, type Storage, type StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';

/** Google's endpoint; `GCS_ENDPOINT`, `gcsEndpoint` or `STORAGE_EMULATOR_HOST` replace it. */
const DEFAULT_ENDPOINT = 'https://storage.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';
const HINT =
  'give CREDENTIALS=<base64 key JSON> or BEARER_TOKEN in the URL, gcs_credentials_file in the config, GOOGLE_APPLICATION_CREDENTIALS, or AUTH=implicit on a GCE/GKE host';

interface GoogleKey {
  readonly type?: string;
  readonly client_email?: string;
  readonly private_key?: string;
  readonly token_uri?: string;
  readonly client_id?: string;
  readonly client_secret?: string;
  readonly refresh_token?: string;
}

/** A bearer token, or undefined for anonymous requests (an emulator or a public bucket). */
type TokenSource = () => Promise<string | undefined>;

/**
 * The server root the JSON API (`<root>/storage/v1`) hangs off: the URL parameter `GCS_ENDPOINT`, then the option,
 * then `STORAGE_EMULATOR_HOST` (Google's client libraries' variable for the emulators, given as
 * `host:port` or a URL), else Google's. Undefined means Google's own endpoint.
 */
export function gcsEndpoint(url: StorageUrl, opts: StorageOptions): string | undefined {
  const given = url.params.get('GCS_ENDPOINT') ?? opts.gcsEndpoint ?? (process.env.STORAGE_EMULATOR_HOST || undefined);
  if (given === undefined) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch (e) {
    throw new ConfigError(`${url.redacted}: GCS endpoint ${given} is not a URL`, 'write it as http(s)://host:port', { cause: e });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ConfigError(`${url.redacted}: GCS endpoint ${given} is not http(s)`, 'write it as http(s)://host:port');
  }
  // Accept the API base as well as the server's root: both are written in the wild.
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/storage\/v1$/, '')}`;
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

function keyTokenSource(key: GoogleKey, where: string, timeoutMs: number): TokenSource {
  return async () => {
    const tokenUri = key.token_uri ?? 'https://oauth2.googleapis.com/token';
    let body: URLSearchParams;
    if (key.type === 'authorized_user') {
      body = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: key.client_id ?? '',
        client_secret: key.client_secret ?? '',
        refresh_token: key.refresh_token ?? '',
      });
    } else {
      if (!key.client_email || !key.private_key) {
        throw new ConfigError(`${where}: the Google key has no client_email/private_key`, HINT);
      }
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(
        JSON.stringify({ iss: key.client_email, scope: SCOPE, aud: tokenUri, iat: now, exp: now + 3600 }),
      )}`;
      const sig = createSign('RSA-SHA256').update(unsigned).sign(key.private_key);
      body = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: `${unsigned}.${b64url(sig)}`,
      });
    }
    const res = await fetch(tokenUri, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) }).catch((e: unknown) => {
      throw new StorageError(`${where}: no answer from ${tokenUri} within ${timeoutMs / 1000} s for a Google token`, HINT, { cause: e });
    });
    if (!res.ok) throw new StorageError(`${where}: Google token request failed with HTTP ${res.status}`, HINT);
    const j = (await res.json()) as { access_token?: string };
    if (!j.access_token) throw new StorageError(`${where}: Google token response had no access_token`, HINT);
    return j.access_token;
  };
}

function metadataTokenSource(where: string): TokenSource {
  return async () => {
    let res: Response;
    try {
      res = await fetch('http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token', {
        headers: { 'Metadata-Flavor': 'Google' },
        signal: AbortSignal.timeout(3000),
      });
    } catch (e) {
      throw new StorageError(`${where}: no Google credentials found (no metadata server)`, HINT, { cause: e });
    }
    if (!res.ok) throw new StorageError(`${where}: metadata server refused a token (HTTP ${res.status})`, HINT);
    return ((await res.json()) as { access_token: string }).access_token;
  };
}

/**
 * Resolves `gs://` credentials: BEARER_TOKEN, CREDENTIALS (base64 JSON), config file, env file,
 * metadata server. With a custom endpoint only credentials given for it (URL, options, or
 * `AUTH=implicit` for the usual chain) are sent; otherwise requests are anonymous, as emulators
 * expect — an ambient Google key is never sent to a host that is not Google's unless asked.
 */
export function resolveGcsToken(url: StorageUrl, opts: StorageOptions, customEndpoint = false): TokenSource {
  const where = url.redacted;
  const timeoutMs = (opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) + (opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  const bearer = url.params.get('BEARER_TOKEN') ?? opts.gcsBearerToken;
  if (bearer) return async () => bearer;
  const parse = (text: string, from: string): GoogleKey => {
    try {
      return JSON.parse(text) as GoogleKey;
    } catch (e) {
      throw new ConfigError(`${where}: the Google credentials from ${from} are not JSON`, HINT, { cause: e });
    }
  };
  const inline = url.params.get('CREDENTIALS');
  if (inline) return keyTokenSource(parse(Buffer.from(inline, 'base64').toString('utf8'), 'CREDENTIALS'), where, timeoutMs);
  const implicit = url.params.get('AUTH')?.toLowerCase() === 'implicit';
  if (customEndpoint && !implicit && !opts.gcsCredentialsFile) return async () => undefined;
  const file = opts.gcsCredentialsFile ?? process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read Google credentials file ${file}`, 'check the path', { cause: e });
    }
    return keyTokenSource(parse(text, file), where, timeoutMs);
  }
  return metadataTokenSource(where);
}

/**
 * A Google token is never sent in clear text to another machine: an endpoint that is `http://` and
 * not loopback (an emulator on another host, or a STORAGE_EMULATOR_HOST left in the shell) would
 * expose it to anyone on the path. Emulators on this machine are fine; elsewhere, use https.
 */
function refuseCleartextToken(url: StorageUrl, endpoint: string): void {
  const u = new URL(endpoint);
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  if (u.protocol === 'http:' && !loopback) {
    throw new ConfigError(
      `${url.redacted}: credentials would be sent in clear text to the GCS endpoint ${u.origin}`,
      'use an https:// endpoint, or leave the credentials out for an emulator (check GCS_ENDPOINT, gcs_endpoint and STORAGE_EMULATOR_HOST)',
    );
  }
}

/**
 * `gs://bucket/prefix` over the Cloud Storage JSON API (ranged media downloads, paged listing).
 * Tested against the Cloud Storage emulator of firebase-tools (src/storage/testing/gcs-emulator.ts).
 */
export function gcsStorage(url: StorageUrl, opts: StorageOptions): Storage {
  const endpoint = gcsEndpoint(url, opts);
  const tokenSource = resolveGcsToken(url, opts, endpoint !== undefined);
  let token: { value: Promise<string | undefined>; at: number } | undefined;
  const ctx: HttpContext = {
    ...requestPolicy(opts),
    headers: async (): Promise<Record<string, string>> => {
      if (!token || Date.now() - token.at > 45 * 60_000) token = { value: tokenSource(), at: Date.now() };
      try {
        const value = await token.value;
        if (value !== undefined && endpoint !== undefined) refuseCleartextToken(url, endpoint);
        return value === undefined ? {} : { Authorization: `Bearer ${value}` };
      } catch (e) {
        token = undefined;
        throw e;
      }
    },
  };
  return at(ctx, `${endpoint ?? DEFAULT_ENDPOINT}/storage/v1`, url.bucket, url.prefix);
}

/**
 * The one-line error for a failed request. Google answers 404 both for a missing object and for a
 * missing bucket; the body tells them apart, and a wrong bucket must not read as a missing file.
 */
function gcsError(e: unknown, bucket: string, where: string, action: string): StorageError {
  const status = e instanceof HttpStatusError ? e : e instanceof StorageError && e.cause instanceof HttpStatusError ? e.cause : undefined;
  if (status && noBucket(status)) {
    return new StorageError(
      `${where}: bucket ${bucket} does not exist (HTTP 404)`,
      'check the bucket name (the host of the gs:// URL) and, for an emulator or private endpoint, GCS_ENDPOINT',
      { cause: status },
    );
  }
  return httpError(e, where, action, HINT);
}

const noBucket = (e: HttpStatusError): boolean => e.status === 404 && /bucket does not exist/i.test(e.body);

function at(ctx: HttpContext, api: string, bucket: string, prefix: string): Storage {
  const where = (p: string): string => `gs://${bucket}/${joinPath(prefix, p)}`;
  const meta = (p: string): URL => new URL(`${api}/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(joinPath(prefix, p))}`);
  const media = (p: string): URL => {
    const u = meta(p);
    u.searchParams.set('alt', 'media');
    return u;
  };
  const name = `gs://${bucket}/${prefix}`;
  return {
    name,
    async list(given, lo) {
      const p = confinePath(name, given, { prefix: true });
      const full = prefix === '' ? p : `${prefix}/${p}`;
      const base = full.length - p.length;
      const out: string[] = [];
      let page: string | undefined;
      try {
        do {
          const u = new URL(`${api}/b/${encodeURIComponent(bucket)}/o`);
          u.searchParams.set('prefix', full);
          if (lo?.delimiter) u.searchParams.set('delimiter', lo.delimiter);
          if (page) u.searchParams.set('pageToken', page);
          const j = (await (await httpRequest(ctx, 'GET', u)).json()) as {
            items?: Array<{ name: string }>;
            prefixes?: string[];
            nextPageToken?: string;
          };
          for (const i of j.items ?? []) out.push(i.name.slice(base));
          for (const c of j.prefixes ?? []) out.push(c.slice(base));
          page = j.nextPageToken;
        } while (page);
      } catch (e) {
        throw gcsError(e, bucket, where(p), 'list');
      }
      out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return collapseDelimited(out, p, lo?.delimiter);
    },
    reader(given) {
      const p = confinePath(name, given);
      const r = httpRangeReader(ctx, where(p), media(p), HINT, async () => {
        const j = (await (await httpRequest(ctx, 'GET', meta(p))).json()) as { size?: string };
        return Number(j.size ?? 0);
      });
      const remap = (e: unknown): never => {
        throw gcsError(e, bucket, where(p), 'read');
      };
      return { ...r, size: () => r.size().catch(remap), read: (s, e) => r.read(s, e).catch(remap) };
    },
    async exists(given) {
      const p = confinePath(name, given);
      try {
        await httpRequest(ctx, 'GET', meta(p));
        return true;
      } catch (e) {
        if (e instanceof HttpStatusError && e.status === 404 && !noBucket(e)) return false;
        throw gcsError(e, bucket, where(p), 'stat');
      }
    },
    async readAll(given) {
      const p = confinePath(name, given);
      return readAllHttp(ctx, where(p), media(p), HINT).catch((e: unknown) => {
        throw gcsError(e, bucket, where(p), 'read');
      });
    },
    sub(given) {
      return at(ctx, api, bucket, joinPath(prefix, confinePath(name, given)));
    },
    async close() {},
  };
}
