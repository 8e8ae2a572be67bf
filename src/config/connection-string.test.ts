import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../util/errors.js';
import { Redactor } from '../util/redact.js';
import { connectionStringKeys } from './connection-string.js';
import { resolveConfig } from './load-config.js';

test('a postgresql:// URI and a keyword/value string give the same postgres_* keys, sslmode included', () => {
  const want = {
    postgres_host: 'db.example.com',
    postgres_port: '6432',
    postgres_username: 'app user',
    postgres_password: "p@ss w'rd",
    postgres_database: 'app',
    postgres_sslmode: 'require',
    postgres_sslrootcert: '/etc/ca.pem',
  };
  assert.deepEqual(
    connectionStringKeys("postgresql://app%20user:p%40ss%20w'rd@db.example.com:6432/app?sslmode=require&sslrootcert=/etc/ca.pem"),
    want,
  );
  assert.deepEqual(
    connectionStringKeys(
      "host=db.example.com port = 6432 user='app user' password='p@ss w\\'rd' dbname=app sslmode=require sslrootcert=/etc/ca.pem",
    ),
    want,
  );
  assert.deepEqual(connectionStringKeys('postgres://%2Fvar%2Frun%2Fpostgresql/app'), {
    postgres_host: '/var/run/postgresql',
    postgres_database: 'app',
  });
});

test('resolveConfig: postgres_url wins over the separate keys; PGSSLMODE fills postgres_sslmode; bad parts are one line without the password', () => {
  const r = resolveConfig({
    file: { postgres_host: 'ignored', postgres_url: 'host=h1 user=u password=SECRET-kv-9 dbname=app' },
    env: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/ca.pem' },
  });
  assert.equal(r.config.postgres_host, 'h1');
  assert.equal(r.config.postgres_database, 'app');
  assert.equal(r.config.postgres_sslmode, 'verify-full');
  assert.equal(r.config.postgres_sslrootcert, '/ca.pem');
  assert.ok(r.secrets.includes('SECRET-kv-9'));
  assert.equal(resolveConfig({}).config.postgres_sslmode, 'prefer', 'libpq default');

  for (const [text, want] of [
    [
      'host=h password=SECRET-kv-9 sslmode=requir',
      /command line --target \(postgres_url\): key "postgres_sslmode" has value "requir"; expected one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full"/,
    ],
    ['host=h password=SECRET-kv-9 options=-cx', /command line --target: key "postgres_url" parameter "options" is not supported/],
    ['h password=SECRET-kv-9', /is neither a postgresql:\/\/ URI nor keyword=value pairs/],
    ['postgresql://u:SECRET-kv-9@h:99999/db', /key "postgres_url" is not a valid postgresql:\/\/ URI/],
    ['host=h port=0 password=SECRET-kv-9', /key "postgres_port" has value "0"; expected a number ≥ 1/],
  ] as const) {
    assert.throws(
      () => resolveConfig({ flags: { postgres_url: text } }),
      (e: unknown) =>
        e instanceof ConfigError && want.test(e.message) && !e.message.includes('SECRET-kv-9') && e.message.split('\n').length === 1,
      text,
    );
  }
});

test('keyword/value passwords are masked even when the value is not known', () => {
  const r = new Redactor();
  assert.equal(r.redact("host=db password='a b\\'c' sslmode=require"), 'host=db password=*** sslmode=require');
  assert.equal(r.redact('host=db password=plain sslpassword=k2 user=x'), 'host=db password=*** sslpassword=*** user=x');
});
