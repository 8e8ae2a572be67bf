import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, StorageError } from '../util/errors.js';
import { httpError, httpRangeReader, httpRequest, HttpStatusError, readAllHttp, type HttpContext, requestPolicy } from './http-fetch.js';
import { confinePath } from './confine-path.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from './timeouts.js';
import { collapseDelimited, joinPath, type Storage, type StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';

const API = 'https://storage.googleapis.com/storage/v1';
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

type TokenSource = () => Promise<string>;

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
      res = await fetch(
        'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
        { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(3000) },
      );
    } catch (e) {
      throw new StorageError(`${where}: no Google credentials found (no metadata server)`, HINT, { cause: e });
    }
    if (!res.ok) throw new StorageError(`${where}: metadata server refused a token (HTTP ${res.status})`, HINT);
    return ((await res.json()) as { access_token: string }).access_token;
  };
}

/** Resolves `gs://` credentials: BEARER_TOKEN, CREDENTIALS (base64 JSON), config file, env file, metadata server. */
export function resolveGcsToken(url: StorageUrl, opts: StorageOptions): TokenSource {
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

/** `gs://bucket/prefix` over the Cloud Storage JSON API (ranged media downloads). Not testable offline. */
export function gcsStorage(url: StorageUrl, opts: StorageOptions): Storage {
  const tokenSource = resolveGcsToken(url, opts);
  let token: { value: Promise<string>; at: number } | undefined;
  const ctx: HttpContext = {
    ...requestPolicy(opts),
    headers: async () => {
      if (!token || Date.now() - token.at > 45 * 60_000) token = { value: tokenSource(), at: Date.now() };
      try {
        return { Authorization: `Bearer ${await token.value}` };
      } catch (e) {
        token = undefined;
        throw e;
      }
    },
  };
  return at(ctx, url.bucket, url.prefix);
}

function at(ctx: HttpContext, bucket: string, prefix: string): Storage {
  const where = (p: string): string => `gs://${bucket}/${joinPath(prefix, p)}`;
  const meta = (p: string): URL => new URL(`${API}/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(joinPath(prefix, p))}`);
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
          const u = new URL(`${API}/b/${encodeURIComponent(bucket)}/o`);
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
        throw httpError(e, where(p), 'list', HINT);
      }
      out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return collapseDelimited(out, p, lo?.delimiter);
    },
    reader(given) {
      const p = confinePath(name, given);
      return httpRangeReader(ctx, where(p), media(p), HINT, async () => {
        const j = (await (await httpRequest(ctx, 'GET', meta(p))).json()) as { size?: string };
        return Number(j.size ?? 0);
      });
    },
    async exists(given) {
      const p = confinePath(name, given);
      try {
        await httpRequest(ctx, 'GET', meta(p));
        return true;
      } catch (e) {
        if (e instanceof HttpStatusError && e.status === 404) return false;
        throw httpError(e, where(p), 'stat', HINT);
      }
    },
    async readAll(given) {
      const p = confinePath(name, given);
      return readAllHttp(ctx, where(p), media(p), HINT);
    },
    sub(given) {
      return at(ctx, bucket, joinPath(prefix, confinePath(name, given)));
    },
    async close() {},
  };
}
