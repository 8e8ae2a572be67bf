/**
 * Databases load largest first (the smaller ones are created beside it and load after it), and
 * the report still lists them in the catalog's order. The MovR v19.2.4 store holds `bank` (one
 * row) before `movr` (thousands): a backup written from its real bytes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planFor, writeGeneration } from '../src/backup/testing/build-collection.js';
import { CRDB_STORES_DIR } from '../src/backup/testing/fixture-bed.js';
import { extractStore } from '../src/backup/testing/store-extract.js';
import { resolveConfig } from '../src/config/load-config.js';
import { migrate } from '../src/pipeline/migrate.js';
import { silentLogger } from '../src/util/logger.js';
import { targetKeys, withTempPostgres } from './support/pg.js';

test('the largest database loads first; the report keeps the catalog order', async () => {
  const server = await withTempPostgres();
  const ex = await extractStore(join(CRDB_STORES_DIR, 'movr-v19.2.4'), 'movr-v19.2.4');
  const dir = mkdtempSync(join(tmpdir(), 'cm-db-order-'));
  await writeGeneration(dir, ex, 'manifest-gzip', planFor(ex, 0));
  const { config } = resolveConfig({
    file: {
      source: { type: 'backup', url: dir },
      test_postgresql_import: false,
      ...targetKeys(server),
      if_exists: 'drop',
      log_file: '',
      report_dir: dir,
    },
    env: {},
  });
  const said: string[] = [];
  const report = await migrate({ config, logger: { ...silentLogger, info: (m) => void said.push(m) } });
  assert.equal(report.error, undefined, report.error);
  const loads = said.flatMap((m) => /^load (\w+) → target…$/.exec(m)?.slice(1) ?? []);
  assert.deepEqual(loads, ['movr', 'bank'], 'movr holds more bytes than bank: it loads first');
  const reported = [...new Set(report.tables.map((t) => t.source.split('.')[0]!))];
  assert.deepEqual(reported, ['bank', 'movr'], 'the report keeps the catalog order');
  assert.deepEqual(
    report.databases.map((d) => d.source).filter((d) => reported.includes(d)),
    reported,
  );
  for (const t of report.tables) assert.equal(t.verification?.match, true, t.source);
});
