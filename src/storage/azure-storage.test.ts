import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startAzurite, type TestAzurite } from './testing/azurite-server.js';
import { isConfigError, isStorageError } from '../util/errors.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, parseAzureConnectionString, resolveAzureConfig } from './azure-config.js';
import { openStorage } from './open-storage.js';
import type { Storage, StorageOptions } from './storage.js';
import { parseStorageUrl } from './storage-url.js';

// Every case runs against Azurite (Microsoft's Blob service emulator) on 127.0.0.1.
const big = new Uint8Array(300_000).map((_, i) => (i * 7 + 3) & 0xff);
const files: Record<string, Uint8Array | string> = {
  'coll/LATEST': '/2024/05/01-120000.00',
  'coll/2024/05/01-120000.00/BACKUP_MANIFEST': 'manifest',
  'coll/2024/05/01-120000.00/data/1.sst': big,
  'coll/2024/05/01-120000.00/data/2.sst': 'two',
  'coll/2024/05/01-120000.00/20240501/130000.00/BACKUP_MANIFEST': 'inc',
  'coll/metadata/latest/LATEST-ab': 'x',
  'coll/names/a b+c%d.txt': 'odd name',
  'other/file': 'nope',
};
/** A second account whose key has `+` and `/`, as real keys often do. */
const OTHER = { name: 'backupacct', key: `${'a+b/'.repeat(21)}ab==` };

let az: TestAzurite;
before(async () => {
  az = await startAzurite([OTHER]);
  await az.createContainer('backups');
  for (const [k, v] of Object.entries(files)) await az.put('backups', k, v);
  await az.createContainer('crdb', OTHER.name);
  await az.put('crdb', 'coll/LATEST', 'other account', OTHER.name);
});
after(async () => {
  await az?.stop();
});

const enc = encodeURIComponent;
const keyUrl = (container: string, path: string, extra = ''): string =>
  `azure://${container}/${path}?AZURE_ACCOUNT_NAME=${az.account}&AZURE_ACCOUNT_KEY=${enc(az.key)}&AZURE_ENDPOINT=${enc(az.endpoint)}${extra}`;

/** Runs `fn` with only the given Azure variables in the environment. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('AZURE_')) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

const oneLine =
  (re: RegExp) =>
  (e: unknown): boolean => {
    const msg = (e as Error).message;
    assert.ok(isStorageError(e), `${(e as Error).name}: ${msg}`);
    assert.match(msg, re);
    assert.doesNotMatch(msg, /\n/);
    assert.ok(!msg.includes(az.key) && !msg.includes('sig='), `secret in message: ${msg}`);
    return true;
  };

const backends: Array<[string, () => Storage, Record<string, string>?]> = [
  ['azure:// with AZURE_ACCOUNT_KEY percent-encoded', () => openStorage(keyUrl('backups', 'coll'))],
  [
    'azure-blob:// with lower-case parameter names and a raw key',
    () =>
      openStorage(`azure-blob://backups/coll/?azure_account_name=${az.account}&azure_account_key=${az.key}&azure_endpoint=${az.endpoint}`),
  ],
  [
    'azure-storage:// with options',
    () =>
      openStorage('azure-storage://backups/coll', {
        azureAccountName: az.account,
        azureAccountKey: az.key,
        azureEndpoint: `${az.endpoint}/`,
      }),
  ],
  [
    'container SAS (rl) in the options',
    () =>
      openStorage('azure://backups/coll', {
        azureAccountName: az.account,
        azureSasToken: `?${az.containerSas('backups', 'rl')}`,
        azureEndpoint: az.endpoint,
      }),
  ],
  [
    'account SAS from AZURE_STORAGE_SAS_TOKEN',
    () => openStorage(`azure://backups/coll?AZURE_ENDPOINT=${enc(az.endpoint)}`),
    { AZURE_STORAGE_ACCOUNT: AZURITE_ACCOUNT, AZURE_STORAGE_SAS_TOKEN: 'placeholder' },
  ],
  [
    'AUTH=implicit with AZURE_STORAGE_KEY',
    () => openStorage(`azure-blob://backups/coll?AZURE_ACCOUNT_NAME=${az.account}&AUTH=implicit&AZURE_ENDPOINT=${enc(az.endpoint)}`),
    { AZURE_STORAGE_KEY: 'placeholder' },
  ],
  ['AZURE_STORAGE_CONNECTION_STRING', () => openStorage('azure-blob://backups/coll'), { AZURE_STORAGE_CONNECTION_STRING: 'placeholder' }],
];

/** Fills env placeholders once Azurite's port and SAS are known. */
function envFor(vars: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (k === 'AZURE_STORAGE_SAS_TOKEN') out[k] = az.accountSas('rl');
    else if (k === 'AZURE_STORAGE_KEY') out[k] = az.key;
    else if (k === 'AZURE_STORAGE_CONNECTION_STRING') {
      out[k] = `DefaultEndpointsProtocol=http;AccountName=${az.account};AccountKey=${az.key};BlobEndpoint=${az.endpoint};`;
    } else out[k] = v;
  }
  return out;
}

for (const [name, open, env] of backends) {
  test(`${name}: list with prefix, recursive and delimited`, () =>
    withEnv(envFor(env), async () => {
      const st = open();
      assert.deepEqual(await st.list('2024/05/01-120000.00/data/'), ['2024/05/01-120000.00/data/1.sst', '2024/05/01-120000.00/data/2.sst']);
      assert.deepEqual(await st.list('2024/05/01-120000.00/', { delimiter: 'data/' }), [
        '2024/05/01-120000.00/20240501/130000.00/BACKUP_MANIFEST',
        '2024/05/01-120000.00/BACKUP_MANIFEST',
        '2024/05/01-120000.00/data/',
      ]);
      assert.deepEqual(await st.list('', { delimiter: '/' }), ['2024/', 'LATEST', 'metadata/', 'names/']);
      assert.deepEqual(await st.list('metadata/latest/'), ['metadata/latest/LATEST-ab']);
      assert.deepEqual(await st.list('nothing-here/'), []);
      assert.deepEqual(await st.list('names/'), ['names/a b+c%d.txt']);
      await st.close();
    }));

  test(`${name}: ranged reads, size, exists, readAll, sub`, () =>
    withEnv(envFor(env), async () => {
      const st = open();
      const r = st.reader('2024/05/01-120000.00/data/1.sst');
      assert.equal(await r.size(), big.length);
      assert.deepEqual(await r.read(100, 110), big.subarray(100, 110));
      assert.deepEqual(await r.read(big.length - 5, big.length), big.subarray(big.length - 5));
      assert.deepEqual(await r.read(0, big.length), big);
      assert.equal((await r.read(7, 7)).length, 0);
      assert.equal(await st.exists('LATEST'), true);
      assert.equal(await st.exists('NOPE'), false);
      assert.equal(Buffer.from(await st.readAll('LATEST')).toString(), '/2024/05/01-120000.00');
      assert.equal(Buffer.from(await st.readAll('names/a b+c%d.txt')).toString(), 'odd name');
      const sub = st.sub('2024/05/01-120000.00');
      assert.equal(Buffer.from(await sub.readAll('data/2.sst')).toString(), 'two');
      assert.deepEqual(await sub.list('data/'), ['data/1.sst', 'data/2.sst']);
      assert.equal(await sub.reader('data/2.sst').size(), 3);
      await r.close?.();
      await st.close();
    }));

  test(`${name}: a missing object is one line naming it`, () =>
    withEnv(envFor(env), async () => {
      const st = open();
      await assert.rejects(
        () => st.readAll('2024/05/01-120000.00/data/9.sst'),
        oneLine(/^azure(-blob|-storage)?:\/\/backups\/coll\/2024\/05\/01-120000\.00\/data\/9\.sst: no such object; /),
      );
      await assert.rejects(() => st.reader('data/none.sst').read(0, 4), oneLine(/backups\/coll\/data\/none\.sst: no such object/));
      await assert.rejects(() => st.reader('data/none.sst').size(), oneLine(/backups\/coll\/data\/none\.sst: no such object/));
      await st.close();
    }));
}

test('a read past the end of a blob says so', async () => {
  const st = openStorage(keyUrl('backups', 'coll'));
  await assert.rejects(
    () => st.reader('2024/05/01-120000.00/data/2.sst').read(10, 20),
    oneLine(/data\/2\.sst: read past the end of the blob \(HTTP 416/),
  );
});

test('another account: AZURE_ACCOUNT_NAME picks it, a key with unencoded + and / still works', async () => {
  assert.ok(OTHER.key.includes('+') && OTHER.key.includes('/'));
  const url = `azure://crdb/coll?AZURE_ACCOUNT_NAME=${OTHER.name}&AZURE_ACCOUNT_KEY=${OTHER.key}&AZURE_ENDPOINT=${az.endpointOf(OTHER.name)}`;
  const st = openStorage(url);
  assert.equal(Buffer.from(await st.readAll('LATEST')).toString(), 'other account');
  assert.deepEqual(await st.list(''), ['LATEST']);
  // The right key for the wrong account is refused, naming the account and the parameters to fix.
  const wrong = openStorage(
    `azure://crdb/coll?AZURE_ACCOUNT_NAME=${OTHER.name}&AZURE_ACCOUNT_KEY=${enc(az.key)}&AZURE_ENDPOINT=${enc(az.endpointOf(OTHER.name))}`,
  );
  await assert.rejects(
    () => wrong.readAll('LATEST'),
    oneLine(/^azure:\/\/crdb\/coll\/LATEST: access denied by storage account backupacct .*AZURE_ACCOUNT_KEY/),
  );
});

test('wrong account key: one line naming the account, the credential and the fix', async () => {
  const badKey = Buffer.alloc(64, 7).toString('base64');
  const st = openStorage(
    `azure://backups/coll?AZURE_ACCOUNT_NAME=${az.account}&AZURE_ACCOUNT_KEY=${enc(badKey)}&AZURE_ENDPOINT=${enc(az.endpoint)}`,
    { maxAttempts: 1 },
  );
  const re =
    /^azure:\/\/backups\/coll(\/LATEST)?: access denied by storage account devstoreaccount1 for the account key from the URL \(HTTP 403 \w+\); check AZURE_ACCOUNT_NAME and AZURE_ACCOUNT_KEY/;
  await assert.rejects(() => st.readAll('LATEST'), oneLine(re));
  await assert.rejects(() => st.list(''), oneLine(re));
  await assert.rejects(() => st.exists('LATEST'), oneLine(re));
  await assert.rejects(() => st.reader('LATEST').size(), oneLine(re));
});

test('SAS tokens: read-only, expired and for another container are refused clearly', async () => {
  const open = (sas: string): Storage =>
    openStorage('azure://backups/coll', { azureAccountName: az.account, azureSasToken: sas, azureEndpoint: az.endpoint });
  const readOnly = open(az.containerSas('backups', 'r'));
  assert.equal(Buffer.from(await readOnly.readAll('LATEST')).toString(), '/2024/05/01-120000.00');
  await assert.rejects(
    () => readOnly.list(''),
    oneLine(
      /^azure:\/\/backups\/coll: access denied by storage account devstoreaccount1 for the SAS token from the options \(HTTP 403 \w+\); .*grant read \(r\) and list \(l\)/,
    ),
  );
  const expired = open(az.containerSas('backups', 'rl', new Date(Date.now() - 60_000)));
  await assert.rejects(() => expired.readAll('LATEST'), oneLine(/access denied .* SAS token/));
  const otherContainer = open(az.containerSas('elsewhere', 'rl'));
  await assert.rejects(() => otherContainer.list(''), oneLine(/access denied .* SAS token/));
  const forged = open(az.containerSas('backups', 'rl').replace(/sig=[^&]+/, `sig=${enc(Buffer.alloc(32).toString('base64'))}`));
  await assert.rejects(() => forged.readAll('LATEST'), oneLine(/access denied .* SAS token/));
});

test('a missing container is named, and is not taken for a missing object', async () => {
  const st = openStorage(keyUrl('nosuchcontainer', 'coll'));
  const re = /^azure:\/\/nosuchcontainer\/coll(\/LATEST)?: container nosuchcontainer does not exist in storage account devstoreaccount1/;
  await assert.rejects(() => st.list(''), oneLine(re));
  await assert.rejects(() => st.exists('LATEST'), oneLine(re));
  await assert.rejects(() => st.readAll('LATEST'), oneLine(re));
});

test('nothing listening at AZURE_ENDPOINT: one line with the reason, after the retries', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const st = openStorage(
    `azure://backups/coll?AZURE_ACCOUNT_NAME=${az.account}&AZURE_ACCOUNT_KEY=${enc(az.key)}&AZURE_ENDPOINT=http://127.0.0.1:${port}/x`,
    { maxAttempts: 2, retryBaseMs: 1 },
  );
  await assert.rejects(
    () => st.readAll('LATEST'),
    oneLine(new RegExp(`^azure://backups/coll/LATEST: read failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`)),
  );
});

// URL forms: CockroachDB's parameters (pkg/cloud/azure/azure_storage.go parseAzureURL) plus AZURE_ENDPOINT.
const cfg = (url: string, opts: StorageOptions = {}, env: NodeJS.ProcessEnv = {}) => resolveAzureConfig(parseStorageUrl(url), opts, env);

test('URL forms: endpoints per AZURE_ENVIRONMENT, AZURE_ENDPOINT, schemes', () => {
  const key = enc(AZURITE_KEY);
  assert.equal(cfg(`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${key}`).endpoint, 'https://acct.blob.core.windows.net');
  assert.equal(
    cfg(`azure-blob://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${key}&AZURE_ENVIRONMENT=AzureChinaCloud`).endpoint,
    'https://acct.blob.core.chinacloudapi.cn',
  );
  assert.equal(
    cfg(`azure-storage://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${key}&AZURE_ENVIRONMENT=AZUREUSGOVERNMENTCLOUD`).endpoint,
    'https://acct.blob.core.usgovcloudapi.net',
  );
  assert.equal(
    cfg(`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${key}&AZURE_ENVIRONMENT=AzureGermanCloud`).endpoint,
    'https://acct.blob.core.cloudapi.de',
  );
  assert.equal(
    cfg(
      `azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${key}&AZURE_ENDPOINT=${enc('https://acct.privatelink.blob.core.windows.net/')}`,
    ).endpoint,
    'https://acct.privatelink.blob.core.windows.net',
  );
  const c = cfg(
    `azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_CLIENT_ID=id&AZURE_CLIENT_SECRET=s&AZURE_TENANT_ID=t&AZURE_ENVIRONMENT=AzureChinaCloud`,
  );
  assert.equal(c.auth.kind, 'client');
  assert.equal(c.auth.kind === 'client' ? c.auth.login : '', 'https://login.chinacloudapi.cn');
  assert.equal(cfg(`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${key}&AUTH=specified`).auth.kind, 'key');
  const implicit = cfg(
    'azure://c/p?AZURE_ACCOUNT_NAME=acct&AUTH=implicit',
    {},
    { AZURE_CLIENT_ID: 'i', AZURE_CLIENT_SECRET: 's', AZURE_TENANT_ID: 't' },
  );
  assert.equal(implicit.auth.kind, 'client');
});

test('URL forms: connection strings, UseDevelopmentStorage', () => {
  const m = parseAzureConnectionString('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;EndpointSuffix=core.windows.net');
  assert.equal(m.get('accountkey'), 'k==');
  const dev = cfg('azure://c/p', {}, { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
  assert.equal(dev.account, AZURITE_ACCOUNT);
  assert.equal(dev.endpoint, `http://127.0.0.1:10000/${AZURITE_ACCOUNT}`);
  const suffix = cfg(
    'azure://c/p',
    {},
    {
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${AZURITE_KEY};EndpointSuffix=core.chinacloudapi.cn`,
    },
  );
  assert.equal(suffix.endpoint, 'https://acct.blob.core.chinacloudapi.cn');
  // A connection string for another account does not lend its key or endpoint.
  assert.throws(
    () =>
      cfg('azure://c/p?AZURE_ACCOUNT_NAME=mine', {}, { AZURE_STORAGE_CONNECTION_STRING: `AccountName=theirs;AccountKey=${AZURITE_KEY}` }),
    /no Azure credentials found for storage account mine/,
  );
});

test('URL forms: mistakes are config errors naming the parameter, never the secret', () => {
  const secret = 'c2VjcmV0LXZhbHVl';
  const bad: Array<[string, RegExp]> = [
    ['azure://c/p', /no Azure storage account name \(AZURE_ACCOUNT_NAME\)/],
    ['azure://c/p?AZURE_ACCOUNT_NAME=acct', /no Azure credentials found for storage account acct/],
    [`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${secret}&AZURE_ENVIRONMENT=Mars`, /unknown AZURE_ENVIRONMENT Mars/],
    [`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=not%20base64!`, /AZURE_ACCOUNT_KEY is not a base64 account key; .*%2B/],
    [`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${secret}&AZURE_CLIENT_ID=i`, /either AZURE_ACCOUNT_KEY or AZURE_CLIENT_ID/],
    ['azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_CLIENT_ID=i&AZURE_TENANT_ID=t', /AZURE_CLIENT_SECRET missing from the URL/],
    [`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${secret}&AUTH=implicit`, /AUTH=implicit does not take AZURE_ACCOUNT_KEY/],
    [`azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${secret}&AUTH=magic`, /unsupported value magic for AUTH/],
    [
      `azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${secret}&AZURE_ENDPOINT=ftp://x`,
      /AZURE_ENDPOINT must be a plain http\(s\) URL/,
    ],
    [
      `azure://c/p?AZURE_ACCOUNT_NAME=${enc('https://acct.blob.core.windows.net')}&AZURE_ACCOUNT_KEY=${secret}`,
      /is not a storage account name/,
    ],
    ['azure://c/p?AZURE_ACCOUNT_NAME=acct&AUTH=implicit', /AUTH=implicit reads AZURE_CLIENT_ID/],
  ];
  for (const [url, re] of bad) {
    assert.throws(
      () => cfg(url),
      (e: unknown) => {
        const msg = (e as Error).message;
        assert.ok(isConfigError(e), `${url}: ${msg}`);
        assert.match(msg, re, url);
        assert.doesNotMatch(msg, /\n/);
        assert.ok(!msg.includes(secret), msg);
        return true;
      },
    );
  }
  // openStorage reports them before any request is made.
  assert.throws(() => openStorage('azure://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=%%%'), /AZURE_ACCOUNT_KEY|cannot parse/);
});
