/**
 * Starts a real S3-protocol server (s3rver, a dev dependency) on 127.0.0.1 with a random port, for
 * tests only. Credentials are s3rver's fixed pair `S3RVER`/`S3RVER`.
 *
 * s3rver checks that the access key id exists but not a Signature Version 4 signature (its source:
 * "Signature version 4 calculation is unimplemented"), so a wrong secret or a badly canonicalized
 * key would pass unseen. The endpoint is therefore a loopback proxy that recomputes every signature
 * with the AWS SDK's own signer (@smithy/signature-v4, an implementation independent of `aws4`)
 * and answers 403 SignatureDoesNotMatch, as S3 does, when they differ.
 * @internal
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { startLoopbackProxy, type ProxyAnswer } from './http-proxy.js';

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  stop(): Promise<void>;
}

/** The signer's hash: SHA-256, or HMAC-SHA-256 when given a secret. */
class Sha256 {
  #h: Hash | Hmac;
  private readonly secret: Uint8Array | string | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined || typeof secret === 'string'
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret);
    this.#h = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: Uint8Array | string): void {
    this.#h.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#h.digest());
  }
  reset(): void {
    this.#h = this.#fresh();
  }
}

const s3ErrorXml = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/**
 * Recomputes the signature of a request signed with `accessKeyId`, over the headers it says it
 * signed, and answers SignatureDoesNotMatch when it differs. Other requests (unsigned, or another
 * key id, which s3rver itself refuses) pass.
 */
function signatureCheck(accessKeyId: string, secretAccessKey: string) {
  return async (method: string, url: string, headers: IncomingHttpHeaders): Promise<ProxyAnswer | undefined> => {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
        headers.authorization ?? '',
      );
    if (!auth || auth[1] !== accessKeyId) return undefined;
    const [, , region, signedHeaders, given] = auth as unknown as [string, string, string, string, string];
    const signedDate = String(headers['x-amz-date']);
    const signed: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) signed[name] = String(headers[name] ?? '');
    const u = new URL(url, 'http://127.0.0.1');
    const query: Record<string, string> = {};
    // S3 clients send the path encoded once, as it is canonicalized: compared as sent.
    for (const [k, v] of u.searchParams) query[k] = v;
    const signer = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey },
      region,
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const request = { method, protocol: 'http:', hostname: u.hostname, path: u.pathname, query, headers: signed };
    const date = new Date(
      `${signedDate.slice(0, 4)}-${signedDate.slice(4, 6)}-${signedDate.slice(6, 8)}T${signedDate.slice(9, 11)}:${signedDate.slice(11, 13)}:${signedDate.slice(13, 15)}Z`,
    );
    const expected = await signer.sign(request, {
      signingDate: date,
      signableHeaders: new Set(Object.keys(signed)),
      unsignableHeaders: new Set(),
    });
    const want = /Signature=([0-9a-f]+)/.exec(String(expected.headers.authorization ?? expected.headers.Authorization))?.[1];
    if (want === given) return undefined;
    return {
      status: 403,
      body: s3ErrorXml('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'),
    };
  };
}

/**
 * `checkSignatures: false` serves s3rver directly: the benchmark, which measures our CPU on the
 * same cores, does not pay for a second proxy hop a real S3 would not cost us.
 */
export async function startTestS3(bucket = 'backups', opts: { readonly checkSignatures?: boolean } = {}): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  // s3rver is CommonJS without types.
  const S3rver = createRequire(import.meta.url)('s3rver') as new (o: Record<string, unknown>) => {
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  };
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const direct = `http://127.0.0.1:${port}`;
  const checked =
    opts.checkSignatures === false ? undefined : await startLoopbackProxy(direct, { answer: signatureCheck('S3RVER', 'S3RVER') });
  const endpoint = checked?.endpoint ?? direct;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === 'string' ? body : Buffer.from(body) }));
    },
    async stop() {
      client.destroy();
      await checked?.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
