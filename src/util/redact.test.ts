import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor } from './redact.js';

test('masks registered secrets, raw and URL-encoded', () => {
  const r = new Redactor();
  r.add('s3cr3t/+=value');
  assert.equal(r.redact('key s3cr3t/+=value here'), 'key *** here');
  assert.equal(r.redact(`enc ${encodeURIComponent('s3cr3t/+=value')}`), 'enc ***');
});

test('masks credentials in URLs even when the value is unknown', () => {
  const r = new Redactor();
  assert.equal(r.redact('postgresql://bob:hunter22@db:5432/app'), 'postgresql://bob:***@db:5432/app');
  assert.equal(
    r.redact('s3://b/p?AWS_ACCESS_KEY_ID=AKIA1&AWS_SECRET_ACCESS_KEY=abc/def&AWS_REGION=us-east-1'),
    's3://b/p?AWS_ACCESS_KEY_ID=***&AWS_SECRET_ACCESS_KEY=***&AWS_REGION=us-east-1',
  );
  assert.equal(r.redact('export AWS_SECRET_KEY=zzz'), 'export AWS_SECRET_KEY=***');
  assert.equal(r.redact('https://x/y?X-Amz-Signature=deadbeef&a=1'), 'https://x/y?X-Amz-Signature=***&a=1');
});

test('leaves ordinary text alone', () => {
  const r = new Redactor();
  r.add('abc'); // too short to be masked safely
  assert.equal(r.redact('table abc has 3 rows; see https://example.com/docs'), 'table abc has 3 rows; see https://example.com/docs');
});

test('secrets from the environment are masked, including the parts of an Azure connection string and a SAS token', () => {
  const r = new Redactor();
  r.addFromEnv({
    AZURE_STORAGE_KEY: 'QXp1cmVLZXlGcm9tRW52MTIzNA==',
    AZURE_STORAGE_CONNECTION_STRING:
      'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=Q29ubktleVNlY3JldA==;BlobEndpoint=http://127.0.0.1:1/dev',
    AZURE_STORAGE_SAS_TOKEN: '?sv=2022-11-02&ss=b&sig=SAS%2Fsig%2Bvalue%3D',
    AZURE_CLIENT_SECRET: 'client-secret-value-9',
    PGPASSWORD: 'pg-env-pass',
    HOME: '/root',
  });
  const text = [
    'key QXp1cmVLZXlGcm9tRW52MTIzNA== used',
    'conn AccountKey=Q29ubktleVNlY3JldA==;',
    'sas sv=2022-11-02&ss=b&sig=SAS%2Fsig%2Bvalue%3D and decoded SAS/sig+value=',
    'client client-secret-value-9 pg pg-env-pass home /root',
  ].join('\n');
  const out = r.redact(text);
  for (const s of [
    'QXp1cmVLZXlGcm9tRW52MTIzNA==',
    'Q29ubktleVNlY3JldA==',
    'SAS%2Fsig%2Bvalue%3D',
    'SAS/sig+value=',
    'client-secret-value-9',
    'pg-env-pass',
  ]) {
    assert.equal(out.includes(s), false, `${s} leaked: ${out}`);
  }
  assert.ok(out.includes('/root'), 'non-secret environment values are left alone');
});

test('secret patterns are masked even when the value was never registered', () => {
  const r = new Redactor();
  assert.equal(
    r.redact('BlobEndpoint=http://h/;AccountName=a;AccountKey=abc/def+==;EndpointSuffix=x'),
    'BlobEndpoint=http://h/;AccountName=a;AccountKey=***;EndpointSuffix=x',
  );
  assert.equal(
    r.redact('azure://c/p?AZURE_ACCOUNT_NAME=a&AZURE_ACCOUNT_KEY=k3y%2B&x=1'),
    'azure://c/p?AZURE_ACCOUNT_NAME=a&AZURE_ACCOUNT_KEY=***&x=1',
  );
  assert.equal(r.redact('https://a.blob.core.windows.net/c?sv=1&sig=abc%3D'), 'https://a.blob.core.windows.net/c?sv=1&sig=***');
  assert.equal(r.redact('gs://b/p?CREDENTIALS=eyJhbGciOi&AUTH=specified'), 'gs://b/p?CREDENTIALS=***&AUTH=specified');
  assert.equal(r.redact('SharedAccessSignature=sv=1&sig=zz'), 'SharedAccessSignature=***&sig=***');
  // A message that only names a variable keeps its words.
  assert.equal(r.redact('AZURE_STORAGE_KEY: not valid base64'), 'AZURE_STORAGE_KEY: not valid base64');
});
