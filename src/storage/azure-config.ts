/**
 * Where and how to reach an `azure://` / `azure-blob://` / `azure-storage://` location: account,
 * blob service endpoint and credentials, from the URL (CockroachDB's parameters, see
 * `pkg/cloud/azure/azure_storage.go` `parseAzureURL`), then StorageOptions, then the environment.
 * Pure: the environment is passed in.
 */
import { ConfigError } from '../util/errors.js';
import type { StorageOptions } from './storage.js';
import type { StorageUrl } from './storage-url.js';

/** Azurite's (and the old storage emulator's) fixed account; its key is published by Microsoft. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface AzureCloud {
  readonly blobSuffix: string;
  readonly login: string;
}

/** go-autorest `EnvironmentFromName` names (matched case-insensitively, as there). */
const CLOUDS: Record<string, AzureCloud> = {
  azurepubliccloud: { blobSuffix: 'blob.core.windows.net', login: 'https://login.microsoftonline.com' },
  azurechinacloud: { blobSuffix: 'blob.core.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn' },
  azureusgovernmentcloud: { blobSuffix: 'blob.core.usgovcloudapi.net', login: 'https://login.microsoftonline.us' },
  azuregermancloud: { blobSuffix: 'blob.core.cloudapi.de', login: 'https://login.microsoftonline.de' },
};

export type AzureAuth =
  | { readonly kind: 'key'; readonly key: string; readonly from: string }
  | { readonly kind: 'sas'; readonly token: string; readonly from: string }
  | {
      readonly kind: 'client';
      readonly clientId: string;
      readonly clientSecret: string;
      readonly tenantId: string;
      readonly from: string;
      /** Token endpoint base of the cloud (`https://login.microsoftonline.com`). */
      readonly login: string;
    };

export interface AzureConfig {
  readonly account: string;
  readonly container: string;
  /** Blob service base URL without trailing `/` (`https://acct.blob.core.windows.net`). */
  readonly endpoint: string;
  readonly auth: AzureAuth;
}

export const AZURE_HINT =
  'give AZURE_ACCOUNT_NAME plus AZURE_ACCOUNT_KEY (or AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID) in the URL, ' +
  'or set AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or AZURE_STORAGE_CONNECTION_STRING';

/**
 * Parses an Azure Storage connection string (`AccountName=…;AccountKey=…;BlobEndpoint=…`, or
 * `UseDevelopmentStorage=true`). Keys are case-insensitive; values may contain `=`.
 */
export function parseAzureConnectionString(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
  }
  if (out.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    const proxy = out.get('developmentstorageproxyuri')?.replace(/\/+$/, '') ?? 'http://127.0.0.1';
    out.set('accountname', AZURITE_ACCOUNT);
    out.set('accountkey', AZURITE_KEY);
    out.set('blobendpoint', `${proxy}:10000/${AZURITE_ACCOUNT}`);
  }
  return out;
}

function checkEndpoint(raw: string, where: string, from: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    throw new ConfigError(
      `${where}: ${from} ${JSON.stringify(raw)} is not a URL`,
      'write it as https://<account>.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1',
      { cause: e },
    );
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.search !== '' || u.username !== '') {
    throw new ConfigError(
      `${where}: ${from} must be a plain http(s) URL without query string or user`,
      'write it as https://<account>.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1',
    );
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

/** Shared keys are base64 of 64 bytes; a `+` left unencoded in a URL arrives as a space. */
function checkKey(raw: string, where: string, from: string): string {
  const key = raw.replace(/ /g, '+');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) {
    throw new ConfigError(
      `${where}: ${from} is not a base64 account key`,
      'copy key1 or key2 of the storage account; in a URL, percent-encode it (+ as %2B, / as %2F, = as %3D)',
    );
  }
  return key;
}

/** Resolves account, endpoint and credentials; throws a ConfigError naming the parameter at fault. */
export function resolveAzureConfig(url: StorageUrl, opts: StorageOptions, env: NodeJS.ProcessEnv): AzureConfig {
  const where = url.redacted;
  const p = (k: string): string | undefined => {
    const v = url.params.get(k);
    return v === undefined || v === '' ? undefined : v;
  };
  const authParam = (p('AUTH') ?? 'specified').toLowerCase();
  if (authParam !== 'specified' && authParam !== 'implicit') {
    throw new ConfigError(`${where}: unsupported value ${p('AUTH')} for AUTH`, 'use AUTH=specified (the default) or AUTH=implicit');
  }
  const urlKey = p('AZURE_ACCOUNT_KEY');
  const urlClient = ['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID'].filter((k) => p(k) !== undefined);
  if (authParam === 'implicit') {
    const bad = [...(urlKey ? ['AZURE_ACCOUNT_KEY'] : []), ...urlClient];
    if (bad.length > 0) {
      throw new ConfigError(
        `${where}: AUTH=implicit does not take ${bad.join(', ')} in the URL`,
        'drop AUTH=implicit, or the credential parameters',
      );
    }
  } else {
    if (urlKey && urlClient.length > 0) {
      throw new ConfigError(
        `${where}: give either AZURE_ACCOUNT_KEY or AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID, not both`,
        'keep one authentication method in the URL',
      );
    }
    if (urlClient.length > 0 && urlClient.length < 3) {
      const missing = ['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID'].filter((k) => !urlClient.includes(k));
      throw new ConfigError(
        `${where}: ${missing.join(' and ')} missing from the URL`,
        'a service principal needs all three of AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID',
      );
    }
  }

  const envConn = env.AZURE_STORAGE_CONNECTION_STRING ? parseAzureConnectionString(env.AZURE_STORAGE_CONNECTION_STRING) : undefined;
  const account = p('AZURE_ACCOUNT_NAME') ?? opts.azureAccountName ?? env.AZURE_STORAGE_ACCOUNT ?? envConn?.get('accountname');
  if (!account) throw new ConfigError(`${where}: no Azure storage account name (AZURE_ACCOUNT_NAME)`, AZURE_HINT);
  if (!/^[a-z0-9-]{1,63}$/i.test(account)) {
    throw new ConfigError(
      `${where}: AZURE_ACCOUNT_NAME ${JSON.stringify(account)} is not a storage account name`,
      'use the account name only (3-24 lower-case letters and digits), not a URL',
    );
  }

  const envName = p('AZURE_ENVIRONMENT') ?? 'AzurePublicCloud';
  const cloud = CLOUDS[envName.toLowerCase()];
  if (!cloud) {
    throw new ConfigError(
      `${where}: unknown AZURE_ENVIRONMENT ${envName}`,
      'use AzurePublicCloud, AzureChinaCloud, AzureUSGovernmentCloud or AzureGermanCloud',
    );
  }

  // Endpoint: URL parameter, option, connection string, then the cloud's default.
  let endpoint: string;
  const epParam = p('AZURE_ENDPOINT');
  if (epParam) endpoint = checkEndpoint(epParam, where, 'AZURE_ENDPOINT');
  else if (opts.azureEndpoint) endpoint = checkEndpoint(opts.azureEndpoint, where, 'the Azure endpoint option');
  else if (envConn?.get('blobendpoint') && envConn.get('accountname') === account) {
    endpoint = checkEndpoint(envConn.get('blobendpoint')!, where, 'BlobEndpoint of AZURE_STORAGE_CONNECTION_STRING');
  } else if (envConn?.get('endpointsuffix') && envConn.get('accountname') === account) {
    const proto = envConn.get('defaultendpointsprotocol') === 'http' ? 'http' : 'https';
    endpoint = `${proto}://${account}.blob.${envConn.get('endpointsuffix')}`;
  } else endpoint = `https://${account}.${cloud.blobSuffix}`;

  const container = url.bucket;
  const auth = ((): AzureAuth => {
    if (authParam === 'specified') {
      if (urlKey) return { kind: 'key', key: checkKey(urlKey, where, 'AZURE_ACCOUNT_KEY'), from: 'the URL' };
      if (urlClient.length === 3) {
        return {
          kind: 'client',
          clientId: p('AZURE_CLIENT_ID')!,
          clientSecret: p('AZURE_CLIENT_SECRET')!,
          tenantId: p('AZURE_TENANT_ID')!,
          from: 'the URL',
          login: cloud.login,
        };
      }
      if (opts.azureAccountKey)
        return { kind: 'key', key: checkKey(opts.azureAccountKey, where, 'the Azure account key option'), from: 'the options' };
      if (opts.azureSasToken) return { kind: 'sas', token: opts.azureSasToken.replace(/^\?/, ''), from: 'the options' };
    }
    if (env.AZURE_STORAGE_KEY)
      return { kind: 'key', key: checkKey(env.AZURE_STORAGE_KEY, where, 'AZURE_STORAGE_KEY'), from: 'AZURE_STORAGE_KEY' };
    if (env.AZURE_STORAGE_SAS_TOKEN)
      return { kind: 'sas', token: env.AZURE_STORAGE_SAS_TOKEN.replace(/^\?/, ''), from: 'AZURE_STORAGE_SAS_TOKEN' };
    if (env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET && env.AZURE_TENANT_ID) {
      return {
        kind: 'client',
        clientId: env.AZURE_CLIENT_ID,
        clientSecret: env.AZURE_CLIENT_SECRET,
        tenantId: env.AZURE_TENANT_ID,
        from: 'AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID',
        login: cloud.login,
      };
    }
    if (envConn && envConn.get('accountname') === account) {
      const k = envConn.get('accountkey');
      if (k)
        return {
          kind: 'key',
          key: checkKey(k, where, 'AccountKey of AZURE_STORAGE_CONNECTION_STRING'),
          from: 'AZURE_STORAGE_CONNECTION_STRING',
        };
      const s = envConn.get('sharedaccesssignature');
      if (s) return { kind: 'sas', token: s.replace(/^\?/, ''), from: 'AZURE_STORAGE_CONNECTION_STRING' };
    }
    const fix =
      authParam === 'implicit'
        ? 'AUTH=implicit reads AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN from the environment (managed identities are not supported)'
        : AZURE_HINT;
    throw new ConfigError(`${where}: no Azure credentials found for storage account ${account}`, fix);
  })();
  return { account, container, endpoint, auth };
}

/** How the credential is named in messages (never its value). */
export function describeAzureAuth(auth: AzureAuth): string {
  switch (auth.kind) {
    case 'key':
      return `the account key from ${auth.from}`;
    case 'sas':
      return `the SAS token from ${auth.from}`;
    case 'client':
      return `service principal ${auth.clientId} from ${auth.from}`;
    default: {
      const never: never = auth;
      return String(never);
    }
  }
}
