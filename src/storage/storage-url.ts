import { ConfigError } from '../util/errors.js';

export type StorageScheme = 'local' | 's3' | 'gs' | 'azure' | 'http';

/** A parsed storage URL: where, and CockroachDB's query parameters (kept apart from the name). */
export interface StorageUrl {
  readonly scheme: StorageScheme;
  /** Bucket / container / host (empty for local). */
  readonly bucket: string;
  /** Key prefix inside the bucket, or the local folder, without leading/trailing `/` (local keeps it absolute). */
  readonly prefix: string;
  readonly params: ReadonlyMap<string, string>;
  /** The URL without query string or user info: safe for messages. */
  readonly redacted: string;
  /** For http(s): the origin (`https://host:port`). For nodelocal: the node ID. */
  readonly origin?: string;
  readonly nodelocal?: boolean;
}

const SCHEMES: Record<string, StorageScheme> = {
  's3:': 's3',
  'gs:': 'gs',
  'azure:': 'azure',
  'azure-blob:': 'azure',
  'azure-storage:': 'azure',
  'http:': 'http',
  'https:': 'http',
  'file:': 'local',
  'nodelocal:': 'local',
};

/**
 * Parses `s3://bucket/path?AWS_REGION=…`, `gs://`, `azure://` / `azure-blob://`, `http(s)://`,
 * `file:///abs/path`, `nodelocal://1/path` and plain paths. Query parameter names are case-sensitive
 * upper case in CockroachDB; we accept any case by upper-casing them.
 */
export function parseStorageUrl(url: string): StorageUrl {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (!m) {
    return { scheme: 'local', bucket: '', prefix: url, params: new Map(), redacted: url };
  }
  const proto = `${m[1]!.toLowerCase()}:`;
  const scheme = SCHEMES[proto];
  if (!scheme) {
    throw new ConfigError(
      `unsupported storage URL scheme ${m[1]}://`,
      'use s3://, gs://, azure://, azure-blob://, http(s)://, file://, nodelocal:// or a local path',
    );
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new ConfigError(`cannot parse storage URL ${url.split('?')[0]}`, 'check its spelling', { cause: e });
  }
  const params = new Map<string, string>();
  for (const [k, v] of u.searchParams) params.set(k.toUpperCase(), v);
  const path = decodeURIComponent(u.pathname);
  if (scheme === 'local') {
    if (proto === 'nodelocal:') {
      return {
        scheme,
        bucket: '',
        prefix: path.replace(/^\/+/, ''),
        params,
        redacted: `nodelocal://${u.host}${u.pathname}`,
        origin: u.host,
        nodelocal: true,
      };
    }
    return { scheme, bucket: '', prefix: path, params, redacted: `file://${u.pathname}` };
  }
  if (scheme === 'http') {
    return {
      scheme,
      bucket: u.host,
      prefix: path.replace(/^\/+/, '').replace(/\/+$/, ''),
      params,
      redacted: `${u.protocol}//${u.host}${u.pathname}`,
      origin: `${u.protocol}//${u.host}`,
    };
  }
  if (u.host === '') {
    throw new ConfigError(`storage URL ${m[1]}://${u.pathname} has no bucket`, `write it as ${m[1]}://<bucket>/<path>`);
  }
  return {
    scheme,
    bucket: u.host,
    prefix: path.replace(/^\/+/, '').replace(/\/+$/, ''),
    params,
    redacted: `${m[1]!.toLowerCase()}://${u.host}${u.pathname.replace(/\/+$/, '')}`,
  };
}
