import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3ObjectStore, createS3Client } from '../../../lambdas/shared/adapters/s3-object-store';
import { LOCAL_S3_CREDENTIALS } from '../../../local/s3-server';

/** One S3 request as the proxy sees it: path-style, so the bucket is the first segment. */
export interface S3Request {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
}

export interface FaultyS3 {
  /** A real S3ObjectStore, with its own SDK client, talking to S3 through the proxy. */
  store(bucket: string): S3ObjectStore;
  /** Every request the proxy answered with the error, in order. */
  readonly refused: S3Request[];
  stop(): Promise<void>;
}

/** S3's throttling answer, as S3 sends it: the SDK reads name and message from the XML. */
const SLOW_DOWN = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>`;

/**
 * An HTTP proxy on loopback in front of the local S3 server that answers `503 SlowDown` to the
 * requests `fails` picks and forwards the rest untouched: the fault reaches the SDK as a real S3
 * error, below S3ObjectStore, through the SDK's own retries.
 */
export async function startFaultyS3(
  target: string,
  fails: (request: S3Request) => boolean,
): Promise<FaultyS3> {
  const upstream = new URL(target);
  const refused: S3Request[] = [];
  const server = createServer((incoming: IncomingMessage, answer: ServerResponse) => {
    const path = new URL(incoming.url ?? '/', 'http://proxy').pathname;
    const [bucket = '', ...key] = path.slice(1).split('/');
    const seen = {
      method: incoming.method ?? 'GET',
      bucket,
      key: decodeURIComponent(key.join('/')),
    };
    if (fails(seen)) {
      refused.push(seen);
      incoming.resume();
      answer.writeHead(503, { 'content-type': 'application/xml' }).end(SLOW_DOWN);
      return;
    }
    const forwarded = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forwarded.on('error', (error) => answer.destroy(error));
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = createS3Client({
    url: `http://127.0.0.1:${port}`,
    credentials: LOCAL_S3_CREDENTIALS,
  });
  return {
    store: (bucket) => new S3ObjectStore(client, bucket),
    refused,
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
