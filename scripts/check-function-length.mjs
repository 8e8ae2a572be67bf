#!/usr/bin/env node
// The house rule "functions under ~120 lines" (docs/style.md), checked: parses every non-test .ts
// file of src/ with the TypeScript compiler and reports each function-like node (declarations,
// methods, accessors, constructors, function expressions, arrow functions) longer than the limit,
// counting the lines from its first to its last token. A nested function counts inside its parent
// too: splitting a long function means moving steps out of it, not wrapping them in a closure.
// Test files and test helpers (`testing/` folders, `*.fixture.ts`) are left out: they are never shipped.
//   node scripts/check-function-length.mjs              exit 1 and one line per function over 120 lines
//   node scripts/check-function-length.mjs --limit 80   another limit
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const src = join(root, 'src');
export const DEFAULT_LIMIT = 120;

const isTestOnly = (file) => file.endsWith('.test.ts') || file.endsWith('.fixture.ts') || file.split(sep).includes('testing');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** A readable name for a function-like node: its own name, or the variable/property it is assigned to. */
function nameOf(node, sourceFile) {
  if (node.name) return node.name.getText(sourceFile);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText(sourceFile);
  }
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(sourceFile).slice(0, 40)})`;
  return '(anonymous)';
}

/** Every function-like node with a body in `file`, with its 1-based start line and length in lines. */
export function functionLengths(file) {
  const text = readFileSync(file, 'utf8');
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
      const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node, sourceFile), file: relative(root, file), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** The functions of shipped src/ code longer than `limit` lines, longest first. */
export function longFunctions(limit = DEFAULT_LIMIT) {
  return walk(src)
    .filter((f) => !isTestOnly(f))
    .flatMap(functionLengths)
    .filter((f) => f.lines > limit)
    .sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--limit');
  const limit = at >= 0 ? Number(args[at + 1]) : DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit <= 0) {
    console.error(`check-function-length: --limit needs a positive whole number of lines, got ${args[at + 1]}`);
    process.exit(2);
  }
  const long = longFunctions(limit);
  for (const f of long) console.log(`${f.file}:${f.line} ${f.name} is ${f.lines} lines (limit ${limit}); split it into named steps`);
  if (long.length > 0) {
    console.error(`check-function-length: ${long.length} function(s) over ${limit} lines`);
    process.exit(1);
  }
  console.log(`check-function-length: every function of src/ is at most ${limit} lines`);
}
