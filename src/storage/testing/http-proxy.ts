/**
 * A loopback HTTP proxy in front of a test server (s3rver, Azurite, the GCS emulator), for tests
 * and the benchmark: every request is logged, and may be held `delayMs` before it is passed on (the
 * round trip of real object storage).
 * @internal
 */
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query string, as sent. */
  readonly url: string;
  /** The Range header of a ranged read. */
  readonly range?: string;
}

export interface LoopbackProxy {
  /** `http://127.0.0.1:<port>`: give it as the storage endpoint. */
  readonly endpoint: string;
  /** Every request so far, in arrival order. */
  requests(): readonly ProxiedRequest[];
  close(): Promise<void>;
}

export async function startLoopbackProxy(target: string, opts: { readonly delayMs?: number } = {}): Promise<LoopbackProxy> {
  const t = new URL(target);
  const seen: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const range = req.headers.range;
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(range ? { range } : {}) });
    void sleep(opts.delayMs ?? 0).then(() => {
      const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', (e) => res.destroy(e));
      req.pipe(up);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
