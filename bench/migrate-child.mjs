/**
 * The measured `migrate()` of `npm run bench` (bench/run.ts spawns it): plain node on the built
 * package, as users run the CLI. The bench itself runs under tsx; a child of it would carry that
 * TypeScript loader into its own module loading and into every worker thread it starts (each
 * worker inherits the process's `--import` flags), costing the measured run work users never pay.
 *
 * Usage: node bench/migrate-child.mjs '<migration_config.json object as JSON>'
 * Prints one line `BENCH_RESULT {rows, wallSeconds, cpuSeconds, maxRssMB, extra}` and exits 0,
 * or exits 1 with the run's error. BENCH_LOG=1: log lines and per-table progress on stderr.
 */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const file = JSON.parse(process.argv[2] ?? '{}');
const w0 = performance.now();
const c0 = cpuNow();
const verbose = process.env.BENCH_LOG === '1';
const t = () => ((performance.now() - w0) / 1000).toFixed(2).padStart(7);
// Loaded inside the timed span: a user's run pays its module loading too.
const { migrate, resolveConfig, createLogger, silentLogger } = await import('../dist/index.js');
const report = await migrate({
  config: resolveConfig({ file, env: {} }).config,
  logger: verbose ? createLogger({ consoleLevel: 'debug' }) : silentLogger,
  ...(verbose
    ? { onProgress: (e) => (e.phase === 'chunk' ? undefined : console.error(`${t()} s ${e.phase} ${e.table} ${e.rows} rows`)) }
    : {}),
});
const wall = (performance.now() - w0) / 1000;
if (report.error) {
  console.error(`migrate failed: ${report.error}`);
  process.exit(1);
}
const result = {
  rows: report.tables.reduce((n, x) => n + x.rowsLoaded, 0),
  wallSeconds: wall,
  cpuSeconds: cpuNow() - c0,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  extra: {
    verdict: report.verdict,
    verifiedTables: report.tables.filter((x) => x.verification?.match).length,
    ...Object.fromEntries(report.phases.map((p) => [`phase:${p.name}`, p.seconds])),
  },
};
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
