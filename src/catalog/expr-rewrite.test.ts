import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteExpr, type ExprNames } from './expr-rewrite.js';

const names: ExprNames = {
  relation: (id) => (id === 105 ? 'public.seq' : id === 106 ? `public."Odd'Seq"` : undefined),
  type: (id) => (id === 53 ? 'public.status' : undefined),
};

test('rewrites REGCLASS ids and type OIDs outside string literals', () => {
  assert.equal(rewriteExpr('nextval(105:::REGCLASS)', names), "nextval('public.seq'::REGCLASS)");
  assert.equal(rewriteExpr("'open':::@100053", names), "'open':::public.status");
  assert.equal(rewriteExpr("'@100053 and 105:::REGCLASS' || x", names), "'@100053 and 105:::REGCLASS' || x");
  assert.equal(rewriteExpr('nextval(106:::REGCLASS)', names), `nextval('public."Odd''Seq"'::REGCLASS)`);
  assert.equal(rewriteExpr('nextval(999:::REGCLASS) + @100999', names), 'nextval(999:::REGCLASS) + @100999');
  assert.equal(rewriteExpr("'it''s' = @100053", names), "'it''s' = public.status");
});
