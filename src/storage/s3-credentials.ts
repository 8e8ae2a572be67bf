import { readFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.js';
import { parseAwsKeysFile, type AwsStaticKeys } from './aws-keys-file.js';
import type { StorageOptions } from './storage.js';

/** How the S3 client authenticates: explicit keys, or the standard AWS chain (env, profile, SSO, instance role). */
export type S3Auth =
  | {
      readonly kind: 'static';
      readonly source: string;
      readonly keys: Required<Pick<AwsStaticKeys, 'accessKeyId' | 'secretAccessKey'>> & AwsStaticKeys;
    }
  | { readonly kind: 'chain'; readonly profile?: string };

/**
 * Resolves credentials in the order: URL parameters (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
 * [/`AWS_SESSION_TOKEN`], CockroachDB `AUTH=specified`), then `AUTH=implicit` (standard chain), then
 * the config keys, then the keys file, then the standard chain. Never puts a secret in a message.
 */
export function resolveS3Auth(params: ReadonlyMap<string, string>, opts: StorageOptions, where: string): S3Auth {
  const auth = (params.get('AUTH') ?? '').toLowerCase();
  if (auth !== '' && auth !== 'implicit' && auth !== 'specified') {
    throw new ConfigError(`${where}: unsupported AUTH=${params.get('AUTH')}`, 'use AUTH=implicit or AUTH=specified');
  }
  const urlKey = params.get('AWS_ACCESS_KEY_ID');
  // CockroachDB: secrets often contain '+', which a query string turns into a space.
  const urlSecret = params.get('AWS_SECRET_ACCESS_KEY')?.replace(/ /g, '+');
  const urlToken = params.get('AWS_SESSION_TOKEN');
  if (auth !== 'implicit' && (urlKey || urlSecret)) {
    if (!urlKey || !urlSecret) {
      throw new ConfigError(
        `${where}: ${urlKey ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is missing from the URL`,
        'give both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use AUTH=implicit',
      );
    }
    return {
      kind: 'static',
      source: 'URL parameters',
      keys: { accessKeyId: urlKey, secretAccessKey: urlSecret, ...(urlToken ? { sessionToken: urlToken } : {}) },
    };
  }
  if (auth === 'implicit') return { kind: 'chain', ...(opts.awsProfile ? { profile: opts.awsProfile } : {}) };
  if (opts.awsAccessKeyId || opts.awsSecretAccessKey) {
    if (!opts.awsAccessKeyId || !opts.awsSecretAccessKey) {
      throw new ConfigError(
        `${where}: ${opts.awsAccessKeyId ? 'aws_secret_access_key' : 'aws_access_key_id'} is not set`,
        'set both aws_access_key_id and aws_secret_access_key, or neither to use the standard AWS credential chain',
      );
    }
    return {
      kind: 'static',
      source: 'configuration',
      keys: {
        accessKeyId: opts.awsAccessKeyId,
        secretAccessKey: opts.awsSecretAccessKey,
        ...(opts.awsSessionToken ? { sessionToken: opts.awsSessionToken } : {}),
      },
    };
  }
  if (opts.awsKeysFile) {
    let text: string;
    try {
      text = readFileSync(opts.awsKeysFile, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read aws_keys_file ${opts.awsKeysFile}`, 'check the path and permissions', {
        cause: e,
      });
    }
    const k = parseAwsKeysFile(text);
    if (!k.accessKeyId || !k.secretAccessKey) {
      throw new ConfigError(
        `aws_keys_file ${opts.awsKeysFile} lacks ${k.accessKeyId ? 'AWS_SECRET_KEY' : 'AWS_ACCESS_KEY'}`,
        'write lines `export AWS_ACCESS_KEY=…` and `export AWS_SECRET_KEY=…`',
      );
    }
    return {
      kind: 'static',
      source: `aws_keys_file ${opts.awsKeysFile}`,
      keys: { ...k, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey },
    };
  }
  return { kind: 'chain', ...(opts.awsProfile ? { profile: opts.awsProfile } : {}) };
}

/** The help line used whenever the chain finds nothing. */
export const S3_CREDENTIALS_HINT =
  'give aws_access_key_id/aws_secret_access_key or aws_keys_file in the config, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the URL, or AUTH=implicit with an AWS profile, SSO login, environment variables or an instance role';
