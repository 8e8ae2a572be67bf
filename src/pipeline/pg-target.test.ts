import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../config/load-config.js';
import { onThisMachine, targetServer } from './pg-target.js';

test('onThisMachine: loopback addresses and Unix-socket folders are this machine; other hosts are not', () => {
  const on = (postgres_host: string): boolean => onThisMachine(targetServer(resolveConfig({ file: { postgres_host }, env: {} }).config));
  for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '/var/run/postgresql']) assert.equal(on(host), true, host);
  for (const host of ['db.example.com', '10.0.0.5', '127.0.0.1.example.com', '::ffff:10.0.0.1']) assert.equal(on(host), false, host);
});
