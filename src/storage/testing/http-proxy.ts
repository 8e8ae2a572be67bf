/**
 * A loopback HTTP proxy in front of a test server (s3rver, Azurite, the GCS emulator), for tests
 * and the benchmark: every request is logged, and may be held `delayMs` before it is passed on (the
 * round trip of real object storage), or answered by the proxy itself (`answer`: what the server
 * behind it does not check, such as S3 signatures).
 * @internal
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
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

/** A reply the proxy gives in place of the server's. */
export interface ProxyAnswer {
  readonly status: number;
  readonly body: string;
}

export interface LoopbackProxyOptions {
  readonly delayMs?: number;
  /** Looks at each request first; what it returns is the reply, and the request is not passed on. */
  readonly answer?: (method: string, url: string, headers: IncomingHttpHeaders) => Promise<ProxyAnswer | undefined>;
}

export async function startLoopbackProxy(target: string, opts: LoopbackProxyOptions = {}): Promise<LoopbackProxy> {
  const t = new URL(target);
  const seen: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const range = req.headers.range;
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(range ? { range } : {}) });
    void sleep(opts.delayMs ?? 0).then(async () => {
      const own = await opts.answer?.(req.method ?? '', req.url ?? '', req.headers);
      if (own) {
        req.resume();
        res.writeHead(own.status, { 'content-type': 'application/xml' }).end(own.body);
        return;
      }
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
