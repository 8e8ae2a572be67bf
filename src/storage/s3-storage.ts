/**
 * `s3://bucket/prefix` over the S3 REST API: requests through http-fetch.ts (node:http(s), our
 * retries, limiter and timeouts, as the GCS and Azure backends), signed with AWS Signature
 * Version 4 by `aws4`. Not the AWS SDK: loading @aws-sdk/client-s3 costs ≈ 0.1 s of the main
 * thread before the first request of every run, for four plain GET / HEAD / list calls. The SDK's
 * credential chain (profiles, SSO, instance roles) is still used, loaded only when no keys are given.
 */
import aws4 from 'aws4';
import { StorageError } from '../util/errors.js';
import { confinePath } from './confine-path.js';
import { HttpStatusError, httpError, httpRangeReader, httpRequest, readAllHttp, requestPolicy, type HttpContext } from './http-fetch.js';
import type { RangeReader } from './range-reader.js';
import { resolveS3Auth, S3_CREDENTIALS_HINT, type S3Auth } from './s3-credentials.js';
import { collapseDelimited, compareNames, joinPath, type ListOptions, type Storage, type StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';
import { unxml } from './xml-text.js';

const S3_ACCESS_HINT =
  'check aws_access_key_id / aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AUTH=specified in the URL) and that the bucket policy lets this key read the backup';

/** Where and how an S3 storage sends its requests, from the URL parameters and options. */
export interface S3Settings {
  readonly region: string;
  /** `https://s3.<region>.amazonaws.com` unless an endpoint is given; no trailing slash. */
  readonly endpoint: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint-host/key`. */
  readonly forcePathStyle: boolean;
  readonly auth: S3Auth;
}

/** The settings of an S3 storage (region, endpoint, path style, credentials); a credential mistake is a ConfigError here. */
export function s3Settings(url: StorageUrl, opts: StorageOptions): S3Settings {
  const auth = resolveS3Auth(url.params, opts, url.redacted);
  let endpoint = url.params.get('AWS_ENDPOINT') ?? opts.endpoint;
  if (endpoint && !/^https?:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
  const pathStyleParam = url.params.get('AWS_USE_PATH_STYLE');
  // A bucket name that is not one DNS label (dots, capitals, underscores) cannot be a virtual host
  // under the endpoint's TLS certificate (*.s3.amazonaws.com covers one label): path style, as the
  // AWS SDK does.
  const dnsLabel = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(url.bucket);
  const forcePathStyle =
    pathStyleParam !== undefined ? /^(1|t|true)$/i.test(pathStyleParam) : (opts.forcePathStyle ?? (endpoint !== undefined || !dnsLabel));
  const region = url.params.get('AWS_REGION') ?? opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return { region, endpoint: (endpoint ?? `https://s3.${region}.amazonaws.com`).replace(/\/+$/, ''), forcePathStyle, auth };
}

interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/**
 * The credentials to sign with: the given keys, or the standard AWS chain (environment, shared
 * config and credentials files with `profile`, SSO, web identity, container and instance roles)
 * through the SDK's own provider, asked again shortly before what it gave expires.
 */
function credentialSource(auth: S3Auth): () => Promise<AwsCredentials> {
  if (auth.kind === 'static') {
    const keys = Promise.resolve(auth.keys);
    return () => keys;
  }
  let current: { value: Promise<AwsCredentials>; until: number } | undefined;
  return () => {
    if (!current || Date.now() > current.until) {
      const value = import('@aws-sdk/credential-provider-node').then((m) =>
        m.defaultProvider(auth.profile ? { profile: auth.profile } : {})(),
      );
      const entry = { value, until: Number.POSITIVE_INFINITY };
      current = entry;
      value.then(
        (c) => (entry.until = c.expiration ? c.expiration.getTime() - 5 * 60_000 : Number.POSITIVE_INFINITY),
        () => {
          if (current === entry) current = undefined; // asked again by the next request
        },
      );
    }
    return current.value;
  };
}

function isCredentialsError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as { name?: unknown; message?: unknown };
  const name = typeof o.name === 'string' ? o.name : '';
  const msg = typeof o.message === 'string' ? o.message : '';
  return name === 'CredentialsProviderError' || /Could not load credentials/i.test(msg);
}

/** S3's error code from an error response body (`<Error><Code>NoSuchKey</Code>…`); HEAD answers have none. */
function s3ErrorCode(e: HttpStatusError): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(e.body)?.[1];
}

/**
 * What a 403 means, in words: S3 names the cause in the error code when the response has a body;
 * a HEAD request's 403 has none.
 */
function accessDeniedDetail(code: string | undefined, status: number): string {
  if (code === 'InvalidAccessKeyId') return 'access denied: the access key id is not known to this endpoint (InvalidAccessKeyId)';
  if (code === 'SignatureDoesNotMatch') return 'access denied: the secret key does not belong to the access key id (SignatureDoesNotMatch)';
  if (code === 'AccessDenied') return 'access denied: the key may not read this object (AccessDenied)';
  return `access denied (HTTP ${status})`;
}

/**
 * A failed request on `where` (`s3://bucket/key`, never a query string or secret) as one
 * StorageError line. http-fetch's readers wrap failures already; what S3 answered, or the
 * credential chain's failure, is looked at underneath.
 */
export function s3Error(wrapped: unknown, where: string, action: string): StorageError {
  const inner = wrapped instanceof StorageError ? wrapped.cause : undefined;
  const e = inner instanceof HttpStatusError || isCredentialsError(inner) ? inner : wrapped;
  if (isCredentialsError(e)) return new StorageError(`${where}: no AWS credentials found`, S3_CREDENTIALS_HINT, { cause: e });
  if (!(e instanceof HttpStatusError)) return httpError(e, where, action, S3_ACCESS_HINT);
  const code = s3ErrorCode(e);
  if (code === 'NoSuchBucket') return new StorageError(`${where}: no such bucket`, 'check the bucket name and region', { cause: e });
  if (e.status === 404) return new StorageError(`${where}: no such object`, 'the backup is incomplete or the path is wrong', { cause: e });
  if (e.status === 401 || e.status === 403) {
    return new StorageError(`${where}: ${accessDeniedDetail(code, e.status)}`, S3_ACCESS_HINT, { cause: e });
  }
  if (e.status === 301 || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed') {
    const region = e.headers?.get('x-amz-bucket-region');
    return new StorageError(
      `${where}: the bucket is in another region${region ? ` (${region})` : ''}`,
      'set AWS_REGION in the URL or `region` in the config',
      { cause: e },
    );
  }
  return new StorageError(`${where}: ${action} failed with HTTP ${e.status}${code ? ` (${code})` : ''}`, undefined, { cause: e });
}

/** RFC 3986 percent-encoding, as Signature Version 4 canonicalizes: everything but A–Z a–z 0–9 - _ . ~ */
const encodeRfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A Storage over `s3://bucket/prefix`. No request is made until the first call. */
export function s3Storage(url: StorageUrl, opts: StorageOptions): Storage {
  // Settings are resolved now, so that a credential mistake is reported when the storage is opened.
  const settings = s3Settings(url, opts);
  const credentials = credentialSource(settings.auth);
  const ctx: HttpContext = {
    ...requestPolicy(opts),
    async headers(method, u, extra) {
      const signed = aws4.sign(
        {
          host: u.host,
          path: `${u.pathname}${u.search}`,
          method,
          service: 's3',
          region: settings.region,
          headers: { ...extra, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        },
        await credentials(),
      );
      return signed.headers as Record<string, string>;
    },
  };
  const base = new URL(settings.endpoint);
  /** The URL of `key` (already confined below the storage), or of the bucket itself with `key` ''. */
  const objectUrl = (key: string, query = ''): URL => {
    const path = key.split('/').map(encodeRfc3986).join('/');
    const bucket = encodeRfc3986(url.bucket);
    return settings.forcePathStyle
      ? new URL(`${base.origin}${base.pathname.replace(/\/$/, '')}/${bucket}/${path}${query}`)
      : new URL(`${base.protocol}//${bucket}.${base.host}${base.pathname.replace(/\/$/, '')}/${path}${query}`);
  };
  return s3At(ctx, url.bucket, url.prefix, objectUrl);
}

/** Every key below `full` (S3's own order), page after page, as keys and common prefixes. */
async function listKeys(ctx: HttpContext, objectUrl: (key: string, query?: string) => URL, full: string, delimiter: string | undefined) {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const q: Array<[string, string]> = [
      ['list-type', '2'],
      ['prefix', full],
    ];
    if (delimiter) q.push(['delimiter', delimiter]);
    if (token) q.push(['continuation-token', token]);
    const query = `?${q.map(([k, v]) => `${k}=${encodeRfc3986(v)}`).join('&')}`;
    const xml = await (await httpRequest(ctx, 'GET', objectUrl('', query))).text();
    for (const m of xml.matchAll(/<Contents>[\s\S]*?<Key>([^<]*)<\/Key>[\s\S]*?<\/Contents>/g)) out.push(unxml(m[1]!));
    for (const m of xml.matchAll(/<CommonPrefixes>\s*<Prefix>([^<]*)<\/Prefix>/g)) out.push(unxml(m[1]!));
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    const next = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1];
    token = truncated && next !== undefined ? unxml(next) : undefined;
  } while (token);
  return out;
}

function s3At(ctx: HttpContext, bucket: string, prefix: string, objectUrl: (key: string, query?: string) => URL): Storage {
  const where = (path: string): string => `s3://${bucket}/${joinPath(prefix, path)}`;
  const fail =
    (p: string, action: string) =>
    (e: unknown): never => {
      throw s3Error(e, where(p), action);
    };
  const name = `s3://${bucket}/${prefix}`;
  return {
    name,
    async list(given: string, lo?: ListOptions) {
      const p = confinePath(name, given, { prefix: true });
      const full = prefix === '' ? p : `${prefix}/${p}`;
      const base = full.length - p.length;
      // Multi-character delimiters are applied here: not every S3-compatible server supports them.
      const delimiter = lo?.delimiter?.length === 1 ? lo.delimiter : undefined;
      const keys = await listKeys(ctx, objectUrl, full, delimiter).catch(fail(p, 'list'));
      const rel = keys.map((k) => k.slice(base));
      rel.sort(compareNames);
      return collapseDelimited(rel, p, lo?.delimiter);
    },
    reader(given: string): RangeReader {
      const p = confinePath(name, given);
      const r = httpRangeReader(ctx, where(p), objectUrl(joinPath(prefix, p)), S3_ACCESS_HINT);
      return {
        name: r.name,
        size: () => r.size().catch(fail(p, 'head')),
        read: (start, end) => r.read(start, end).catch(fail(p, 'read')),
        close: async () => {},
      };
    },
    async exists(given: string) {
      const p = confinePath(name, given);
      try {
        await httpRequest(ctx, 'HEAD', objectUrl(joinPath(prefix, p)));
        return true;
      } catch (e) {
        if (e instanceof HttpStatusError && e.status === 404) return false;
        return fail(p, 'head')(e);
      }
    },
    async readAll(given: string) {
      const p = confinePath(name, given);
      return readAllHttp(ctx, where(p), objectUrl(joinPath(prefix, p)), S3_ACCESS_HINT).catch(fail(p, 'read'));
    },
    sub(path: string) {
      return s3At(ctx, bucket, joinPath(prefix, confinePath(name, path)), objectUrl);
    },
    async close() {},
  };
}
