/**
 * Child process for the SIGKILL resumability test: loads the generated table (argv: JSON
 * {config, n, chunkSize, holdAt, oneTransaction}), printing `<phase> <rows>` after each committed chunk, and
 * `held <row>` when its source stops before row `holdAt` (inside a COPY) to wait for the kill.
 */
import pg from 'pg';
import { loadTable } from './load-table.js';
import { generatedPlan } from './generated-plan.js';

const arg = JSON.parse(process.argv[2]!) as {
  config: pg.ClientConfig;
  n: number;
  chunkSize: number;
  holdAt: number;
  oneTransaction: boolean;
};
const client = new pg.Client(arg.config);
await client.connect();
await loadTable(
  client,
  generatedPlan(arg.n, { oneTransaction: arg.oneTransaction, holdAt: arg.holdAt, onHold: (row) => process.stdout.write(`held ${row}\n`) }),
  {
    chunkSize: arg.chunkSize,
    onProgress: (e) => process.stdout.write(`${e.phase} ${e.rows}\n`),
  },
);
await client.end();
