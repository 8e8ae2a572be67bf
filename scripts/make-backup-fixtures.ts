/**
 * Rebuilds the backup fixture collections (test/fixtures/backups/) and the bundled sample backup
 * (sample/backup/) from the real CockroachDB stores in ../shared/fixtures/crdb-stores. Descriptor
 * bytes and row KVs are copied exactly as CockroachDB wrote them; only the backup containers
 * (SSTs, manifests, LATEST, encryption) are produced here. Deterministic output.
 *
 *   node --import tsx scripts/make-backup-fixtures.ts
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { extractStore } from '../src/backup/testing/store-extract.js';
import { FIXTURE_STORES } from '../src/backup/testing/fixture-bed.js';
import { GENERATIONS, LOCALITY_GENERATIONS, planFor, writeGeneration } from '../src/backup/testing/build-collection.js';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const stores = join(root, '..', 'shared', 'fixtures', 'crdb-stores');

/** Store → number of incremental layers (recipes has updates and deletes spread over six weeks). */

async function main(): Promise<void> {
  for (const [name, incs] of Object.entries(FIXTURE_STORES)) {
    const ex = await extractStore(join(stores, name), name);
    const plan = planFor(ex, incs);
    // Locality-aware variants (default/ + one folder per locality): every store gets the
    // incremental ones; the full-only `locality-aware` one stays with emails.
    const gens = [...GENERATIONS, ...LOCALITY_GENERATIONS.filter((g) => g !== 'locality-aware' || name === 'emails-v2.1.4')];
    for (const gen of gens) {
      const out = join(root, 'test', 'fixtures', 'backups', name, gen);
      await rm(out, { recursive: true, force: true });
      const files = await writeGeneration(out, ex, gen, plan);
      console.log(`${name}/${gen}: ${files.length} files`);
    }
  }
  const emails = await extractStore(join(stores, 'emails-v2.1.4'), 'emails-v2.1.4');
  const sample = join(root, 'sample', 'backup');
  await rm(sample, { recursive: true, force: true });
  const files = await writeGeneration(sample, emails, 'manifest-gzip', planFor(emails, 0));
  console.log(`sample/backup: ${files.length} files`);
}

await main();
