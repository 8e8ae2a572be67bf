/*
 * Ground truth from a real PostgreSQL: pg-hash.ts must compute exactly what the server's
 * `hashtextextended` does, for every length around the 12-byte blocks and their 0–11-byte tails,
 * ASCII (the no-encoding path) and not, seed 0 (no perturbation) and seeds of both 32-bit halves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, withTempPostgres } from '../../test/support/pg.js';
import { hashOut, pgHashBytes, pgHashString } from './pg-hash.js';
import { checkServerHash, FingerprintSum, SourceRowHasher } from './row-hash.js';
import { sqlType } from '../model/sql-type.js';

const int64 = (): bigint => BigInt.asIntN(64, (BigInt(hashOut.hi) << 32n) | BigInt(hashOut.lo));

/** Deterministic pseudo-random strings: ASCII, Latin-1, BMP and astral characters, lengths 0–40. */
function strings(n: number): string[] {
  let x = 12345;
  const next = (m: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % m;
  };
  const alphabet = ['a', 'Z', '0', ' ', '\t', '\\', 'é', 'ÿ', '€', '\ufeff', '☃', '😀', '𝄞'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = i < 41 ? i : next(41);
    const ascii = i % 2 === 0;
    let s = '';
    for (let k = 0; k < len; k++) s += ascii ? String.fromCharCode(32 + next(95)) : alphabet[next(alphabet.length)]!;
    out.push(s);
  }
  return out;
}

test('pgHashString and pgHashBytes equal PostgreSQL hashtextextended (lengths 0–40, ASCII and not, seeds)', async (t) => {
  const server = await withTempPostgres();
  const { client } = await freshDatabase(server, t, 'pghash');
  const texts = strings(400);
  const seeds = ['0', '1', '7', '4294967295', '4294967296', '-1', '-9223372036854775808', '81985529216486895'];
  const inputs = texts.map((s, i) => ({ s, seed: seeds[i % seeds.length]! }));
  const r = await client.query<{ h: string[] }>(
    `SELECT array_agg(hashtextextended(p COLLATE "C", s)::text ORDER BY o) AS h FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS x(p, s, o)`,
    [inputs.map((x) => x.s), inputs.map((x) => x.seed)],
  );
  const theirs = r.rows[0]!.h;
  inputs.forEach(({ s, seed }, i) => {
    const sd = BigInt.asUintN(64, BigInt(seed));
    const hi = Number(sd >> 32n);
    const lo = Number(sd & 0xffffffffn);
    pgHashString(s, hi, lo);
    assert.equal(int64().toString(), theirs[i], `string ${JSON.stringify(s)} seed ${seed}`);
    const bytes = Buffer.from(`..${s}`, 'utf8');
    pgHashBytes(bytes, 2, bytes.length - 2, hi, lo);
    assert.equal(int64().toString(), theirs[i], `bytes of ${JSON.stringify(s)} seed ${seed}`);
  });
  await checkServerHash(client); // the probe check agrees with this server
});

test('FingerprintSum adds signed 64-bit row hashes exactly (past its 2^20-row flush)', () => {
  const sum = new FingerprintSum();
  let exact = 0n;
  const texts = strings(64);
  const text = sqlType('string', { oid: 25 });
  const hasher = new SourceRowHasher([
    { pgName: 'a', type: text },
    { pgName: 'b', type: text },
  ]);
  const str = (value: string) => ({ kind: 'string', value }) as const;
  for (let i = 0; i < (1 << 20) + 5000; i++) {
    const h = hasher.row([str(texts[i % 64]!), i % 3 === 0 ? null : str(String(i))]);
    exact += h;
    sum.addBigInt(h);
  }
  assert.equal(sum.total, exact);
});
