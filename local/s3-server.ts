import { mkdir } from 'node:fs/promises';
import type { S3Endpoint } from '../lambdas/shared/adapters/s3-object-store';
import { freePort } from './free-port';

// s3rver ships no types and was last released in 2021: it stays behind this one module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

interface S3rverInstance {
  run(): Promise<unknown>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
}

/** The part of an S3 event notification record the local runner reads. */
export interface S3Event {
  Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
}

export interface LocalS3 {
  readonly endpoint: S3Endpoint;
  onObjectCreated(listener: (bucket: string, key: string) => void): void;
  stop(): Promise<void>;
}

export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts an S3-compatible server on a free loopback port, keeping objects under `folder`. */
export async function startS3(folder: string, buckets: readonly string[]): Promise<LocalS3> {
  await mkdir(folder, { recursive: true });
  const port = await freePort();
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: folder,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  await server.run();
  return {
    endpoint: {
      url: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: LOCAL_S3_CREDENTIALS,
    },
    onObjectCreated(listener) {
      server.on('event', (event) => {
        for (const record of event.Records) {
          if (record.eventName.startsWith('ObjectCreated')) {
            listener(record.s3.bucket.name, record.s3.object.key);
          }
        }
      });
    },
    stop: () => server.close(),
  };
}
