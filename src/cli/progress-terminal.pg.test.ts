/**
 * The CLI on a real (pseudo-)terminal, its bytes played into a terminal emulator, the final screen
 * read as a person would: the live progress line never shows cli-progress's "INF", every log line
 * stands intact on its own line, the summary lines stay readable at the end, and Ctrl-C says one
 * "interrupted — …" line last.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { canRunOnTerminal, runCliOnTerminal, screenLines } from './testing/terminal.js';

const COLS = 100;
const skip = canRunOnTerminal ? false : 'needs util-linux script (a pseudo-terminal)';

/** migration.log's lines as the console shows them: the message, with the console's level prefix. */
function consoleLinesOfLog(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - (DEBUG|INFO|WARN|ERROR) - (.*)$/.exec(l);
      assert.ok(m, `log line: ${l}`);
      return (m[1] === 'WARN' ? 'warning: ' : m[1] === 'ERROR' ? 'error: ' : '') + m[2]!;
    });
}

const STATUS = /^(test instance|target): \d+\/\d+ tables \| [\d,]+ rows \| [\d,]+ rows\/s \| [\d.]+ MB\/s( \| ETA \S+)?$/;

test(
  'demo on a terminal: no INF, every log line whole on its own line, one final progress line per server, the summary last',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-term-'));
    try {
      const run = await runCliOnTerminal(['--verbose', 'demo'], { cwd: dir, cols: COLS });
      const screen = await screenLines(run.output, COLS);
      assert.equal(run.code, 0, screen.join('\n'));
      assert.doesNotMatch(screen.join('\n'), /INF/);
      // What is not a log line is exactly one final progress line per server, 7 of 7 tables done.
      const status = screen.filter((l) => STATUS.test(l));
      assert.deepEqual(
        status.map((l) => l.replace(/ \| [\d,]+ rows\/s .*$/, '')),
        ['test instance: 7/7 tables | 28 rows', 'target: 7/7 tables | 28 rows'],
        screen.join('\n'),
      );
      // Every line written to migration.log (all levels: --verbose) is on the screen, whole, in order.
      assert.deepEqual(
        screen.filter((l) => !STATUS.test(l)),
        consoleLinesOfLog(join(dir, 'migration.log')),
      );
      assert.equal(
        screen.at(-2),
        'Migration completed: 7 tables, 28 rows; verified identical: 7/7 in the target, 7/7 in the test instance',
      );
      assert.match(screen.at(-1)!, /^Reports: .*validation_report\.txt, .*report\.json, .*report\.html$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('Ctrl-C on a terminal: exit 130, the last line says "interrupted — …" and what a rerun does', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-term-int-'));
  try {
    const run = await runCliOnTerminal(['demo'], {
      cwd: dir,
      cols: COLS,
      whenOutput: (text) => text.includes('load emails → test instance'),
    });
    const screen = await screenLines(run.output, COLS);
    assert.equal(run.code, 130, screen.join('\n'));
    const said = screen.filter((l) => l.includes('interrupted'));
    assert.deepEqual(
      said,
      ['interrupted — the demo stops and removes its PostgreSQL; `cockroach-migrate demo` starts again from the beginning'],
      screen.join('\n'),
    );
    assert.equal(screen.at(-1), said[0]);
    assert.match(readFileSync(join(dir, 'migration.log'), 'utf8'), / - INFO - interrupted — the demo stops/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
