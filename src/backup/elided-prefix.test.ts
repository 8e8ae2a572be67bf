import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../util/bytes.js';
import { isDecodeError } from '../util/errors.js';
import { elidedPrefixLength } from './elided-prefix.js';

test('elided prefix length: None, Tenant and TenantAndTable over system-tenant and tenant span keys', () => {
  const system = fromHex('f089'); // /Table/104/1
  const tenant = fromHex('fe8df6c889'); // /Tenant/5/Table/200/1
  assert.equal(elidedPrefixLength(system, 0), 0);
  assert.equal(elidedPrefixLength(system, 1), 0);
  assert.equal(elidedPrefixLength(system, 2), 1);
  assert.equal(elidedPrefixLength(tenant, 0), 0);
  assert.equal(elidedPrefixLength(tenant, 1), 2);
  assert.equal(elidedPrefixLength(tenant, 2), 4);
  // A span that ends at the tenant prefix has no table id to elide.
  assert.equal(elidedPrefixLength(fromHex('fe8d'), 2), 2);
  assert.throws(
    () => elidedPrefixLength(fromHex('fef6'), 1),
    (e: unknown) => isDecodeError(e),
  );
});
