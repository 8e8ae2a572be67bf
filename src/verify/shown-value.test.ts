import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differingRowText, shownValue } from './verify-table.js';

test('a differing row never shows a secret-looking column, and cuts long values at 80 characters', () => {
  for (const column of ['password', 'user_password', 'api_key', 'apikey', 'access_token', 'client_secret', 'pwd', 'salt', 'private_key']) {
    assert.equal(shownValue(column, 'hunter2'), '(hidden: 7 characters; the column name suggests a secret)', column);
  }
  for (const column of ['title', 'passenger', 'salty_snack']) assert.equal(shownValue(column, 'hunter2'), 'hunter2', column);
  assert.equal(shownValue('password', null), null, 'NULL stays NULL');
  const long = 'é'.repeat(100);
  assert.equal(shownValue('body', long), `${'é'.repeat(80)}… (100 characters)`, 'cut by characters, not bytes');
  assert.equal(shownValue('body', 'x'.repeat(80)), 'x'.repeat(80));
});

test('the console line of a differing row: source and target per column, NULL unquoted, quotes doubled', () => {
  const line = differingRowText({ key: '10', status: 'differs', columns: [{ name: 'title', source: "Kirk's", target: null }] });
  assert.equal(line, "10 differs: title source 'Kirk''s' target NULL");
});
