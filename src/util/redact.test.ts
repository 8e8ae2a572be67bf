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
    r.redact("s3://b/p?AWS_ACCESS_KEY_ID=AKIA1&AWS_SECRET_ACCESS_KEY=abc/def&AWS_REGION=us-east-1"),
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
