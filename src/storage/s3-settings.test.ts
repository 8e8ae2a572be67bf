import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s3Settings } from './s3-storage.js';
import { parseStorageUrl } from './storage-url.js';

const keys = { awsAccessKeyId: 'AK', awsSecretAccessKey: 'SK' };

test('s3 settings: AWS endpoints by region, virtual-hosted unless the bucket is not one DNS label', () => {
  const plain = s3Settings(parseStorageUrl('s3://my-backups/x?AWS_REGION=eu-west-1'), keys);
  assert.equal(plain.endpoint, 'https://s3.eu-west-1.amazonaws.com');
  assert.equal(plain.forcePathStyle, false);
  // *.s3.amazonaws.com certificates cover one label: a dotted bucket would fail TLS as a host name.
  for (const bucket of ['backups.example.com', 'Upper', 'under_score']) {
    assert.equal(s3Settings(parseStorageUrl(`s3://${bucket}/x`), keys).forcePathStyle, true, bucket);
  }
  assert.equal(s3Settings(parseStorageUrl('s3://b.c/x?AWS_USE_PATH_STYLE=false'), keys).forcePathStyle, false);
  const custom = s3Settings(parseStorageUrl('s3://bkt/x?AWS_ENDPOINT=minio.local:9000/'), keys);
  assert.equal(custom.endpoint, 'https://minio.local:9000');
  assert.equal(custom.forcePathStyle, true);
});
