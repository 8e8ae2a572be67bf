// The report rendering test (test/report-browser.test.ts) opens report.html in a real headless
// Chromium. Browsers downloaded by test tools cannot be fetched here, so the test uses the
// system's Chromium: found on PATH's usual places, or — as root with apt — Debian's `chromium`
// package installed once (about 20 s). Elsewhere the test is skipped and says why.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** CHROMIUM_PATH when it exists, else the first Chromium in the usual places; undefined when there is none. */
export function findChromium() {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : undefined;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p));
}

/** The path of a Chromium binary, installing Debian's package when possible; undefined otherwise (with the reason printed). */
export function ensureChromium() {
  const given = process.env.CHROMIUM_PATH;
  if (given && !existsSync(given)) return (console.error(`run-tests: CHROMIUM_PATH=${given} does not exist`), undefined);
  const found = findChromium();
  if (found) return found;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (process.getuid?.() !== 0 || apt.status !== 0) {
    console.error(
      'run-tests: no Chromium found and cannot install one (needs root and apt-get); the report rendering test will be skipped. Install chromium or set CHROMIUM_PATH.',
    );
    return undefined;
  }
  console.error("run-tests: installing Debian's chromium package for the report rendering test (once)…");
  const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0 || !existsSync('/usr/bin/chromium')) {
    console.error('run-tests: installing chromium failed; the report rendering test will be skipped');
    return undefined;
  }
  return '/usr/bin/chromium';
}
