/**
 * SST scan throughput: opens each SST (default: the three largest fixture SSTs and the one with
 * the most keys), iterates every entry with checksums verified, best of 5, and prints KVs/s for
 * `entries()` (one promise per entry) and `entryBatches()` (one array per data block).
 *
 *   node --import tsx bench/sst-scan.ts [file.sst …]
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSst } from '../src/sst/reader.js';
import { localFileReader } from '../src/storage/local-file.js';

const STORES = fileURLToPath(new URL('../../shared/fixtures/crdb-stores/', import.meta.url));

function defaultFiles(): string[] {
  const all: Array<[string, number]> = [];
  for (const d of readdirSync(STORES)) {
    const dir = join(STORES, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.sst')) all.push([join(dir, f), statSync(join(dir, f)).size]);
  }
  all.sort((a, b) => b[1] - a[1]);
  return all
    .slice(0, 3)
    .map(([f]) => f)
    .concat(all.filter(([f]) => f.includes('movr-v19.2.4')).map(([f]) => f));
}

async function scan(file: string, batched: boolean): Promise<{ n: number; bytes: number; ms: number }> {
  let ms = Infinity;
  let n = 0;
  let bytes = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const sst = await openSst(localFileReader(file));
    n = 0;
    bytes = 0;
    if (batched && sst.entryBatches) {
      for await (const batch of sst.entryBatches()) {
        for (const kv of batch) {
          n++;
          bytes += kv.userKey.length + kv.value.length;
        }
      }
    } else {
      for await (const kv of sst.entries()) {
        n++;
        bytes += kv.userKey.length + kv.value.length;
      }
    }
    await sst.close();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { n, bytes, ms };
}

const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles();
for (const file of files) {
  const a = await scan(file, false);
  const b = await scan(file, true);
  const rate = (x: { n: number; ms: number }): string => Math.round(x.n / (x.ms / 1000)).toLocaleString('en-US');
  console.log(
    `${file.split('/').slice(-2).join('/')} (${(statSync(file).size / 1e6).toFixed(1)} MB, ${a.n} KVs, ` +
      `${(a.bytes / 1e6).toFixed(1)} MB keys+values): entries() ${rate(a)} KVs/s (${a.ms.toFixed(0)} ms), ` +
      `entryBatches() ${rate(b)} KVs/s (${b.ms.toFixed(0)} ms, ${(b.bytes / (b.ms / 1000) / 1e6).toFixed(0)} MB/s)`,
  );
}
