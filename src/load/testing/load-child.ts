/**
 * Child process for the SIGKILL resumability test: loads the generated table (argv: JSON
 * {config, n, chunkSize}) slowly, printing `rows <n>` after each committed chunk, until killed.
 */
import pg from 'pg';
import { loadTable } from './load-table.js';
import { generatedPlan } from './generated-plan.js';

const arg = JSON.parse(process.argv[2]!) as { config: pg.ClientConfig; n: number; chunkSize: number };
const client = new pg.Client(arg.config);
await client.connect();
await loadTable(client, generatedPlan(arg.n, { pauseEvery: 50, pauseMs: 1 }), {
  chunkSize: arg.chunkSize,
  onProgress: (e) => process.stdout.write(`${e.phase} ${e.rows}\n`),
});
await client.end();
