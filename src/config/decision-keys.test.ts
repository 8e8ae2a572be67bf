/**
 * Decision texts (what was changed, why, and the fix) that name a configuration key name one that
 * exists: a fix pointing at an option the user cannot set (`extensions option`, the library's
 * `databaseMapping`) sends them looking for nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS } from './keys.js';

const SRC = fileURLToPath(new URL('../', import.meta.url));
/**
 * Ways a sentence names a key: `the extensions key`, `set rowid to "keep"`, `rowid: "drop"`,
 * `(extensions option)`, `option rowid=drop`, `--if-exists`, and a camelCase name in a quoted text
 * (the library's spelling, e.g. `databaseMapping`; texts about what "the library caller" asked
 * for are the library's own).
 */
const NAMING = [
  /\bthe (?!(?:primary|foreign|old|new|unique|partition|shard|sort) key)(\w+) key\b/g, // SQL prose ("the primary key") is not a config key
  /\b([a-z]+_\w+) key\b/g,
  /\bset (\w+) to\b/g,
  /\b(\w+): "/g,
  /\boption ([a-zA-Z_.]+)=/g,
  /\(([a-zA-Z_]+) option\)/g,
  /--([a-z][a-z-]*)/g,
];
/** camelCase words inside one plain quoted text (no code in it) that is not about the library caller. */
const CAMEL_IN_TEXT = /'(?![^'`$\n]*library caller)[^'`$\n]*?\b([a-z]+[A-Z][a-zA-Z]*)\b[^'`$\n]*'/g;

function decisionCalls(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const dir of ['ddl', 'show-create', 'pipeline', 'catalog', 'source']) {
    for (const f of readdirSync(join(SRC, dir))) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      const text = readFileSync(join(SRC, dir, f), 'utf8');
      for (const m of text.matchAll(/\.(?:changed|notConvertible)\(/g))
        out.push({ file: `${dir}/${f}`, text: callArguments(text, m.index + m[0].length) });
    }
  }
  return out;
}

/**
 * The text of a call's arguments from `start` (just after its opening parenthesis) to the matching
 * closing one: a call the formatter spread over several lines is read whole. Parentheses inside the
 * texts are balanced in every decision, so counting them is enough.
 */
function callArguments(source: string, start: number): string {
  let depth = 1;
  for (let i = start; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(start, i);
  }
  return source.slice(start);
}

test('every config key a decision names exists (src/config/keys.ts)', () => {
  const calls = decisionCalls();
  assert.ok(calls.length > 50, `found ${calls.length} decision calls`);
  const named: string[] = [];
  const wrong: string[] = [];
  for (const { file, text } of calls) {
    for (const re of [...NAMING, CAMEL_IN_TEXT]) {
      for (const m of text.matchAll(re)) {
        const key = m[1]!.replaceAll('-', '_');
        named.push(key);
        if (!Object.hasOwn(CONFIG_KEYS, key)) wrong.push(`${file}: "${m[0]}" in ${text.slice(0, 120)}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  for (const k of ['extensions', 'database_mapping', 'rowid']) assert.ok(named.includes(k), `a decision names ${k}`);
});
