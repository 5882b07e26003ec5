import { mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import type { S3Endpoint } from '../lambdas/shared/adapters/s3-object-store';
import { freePort } from './free-port';
import { recordServerFault } from './local-fault';

interface S3rverInstance {
  run(): Promise<unknown>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
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

/**
 * Starts an S3-compatible server on a free loopback port, keeping objects under `folder`, after
 * repairing what a killed write left there (repairObjectMetadata).
 */
export async function startS3(
  folder: string,
  buckets: readonly string[],
  notice: (line: string) => void = () => undefined,
): Promise<LocalS3> {
  await mkdir(folder, { recursive: true });
  await repairObjectMetadata(folder, notice);
  const port = await freePort();
  // s3rver ships no types and was last released in 2021: it stays behind this one module. It
  // is required here, not at the top, because every command imports this module (for the local
  // credentials), and s3rver with its Koa and winston was two thirds of the modules `status`
  // loaded (414 before, 131 after).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: folder,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  // A failed write (a full disk) reaches the client as a bare 500: keep its cause for the error line.
  server.on('error', recordServerFault);
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

/** s3rver keeps each object as `<key>._S3rver_object`, beside its metadata and checksum. */
const OBJECT = '._S3rver_object';
const METADATA = '._S3rver_metadata.json';
const CHECKSUM = '._S3rver_object.md5';

/** The content types the stages write, by the key's extension. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.parquet': 'application/vnd.apache.parquet',
};

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * Repairs the per-object files a process killed mid-write leaves unusable: s3rver writes an
 * object's data, then its checksum, then its metadata, each in place, and a metadata file cut
 * short makes every listing of its bucket fail. The data file is the truth: a metadata file
 * that is empty or not JSON is written again with the content type of the key's extension, a
 * checksum that is not one is removed (s3rver computes it again), and a metadata file whose
 * object is gone is removed. `notice` names each file repaired; no object's data is touched.
 */
export async function repairObjectMetadata(
  folder: string,
  notice: (line: string) => void,
): Promise<void> {
  const files = (await readdir(folder, { recursive: true })).map((file) => join(folder, file));
  for (const file of files) {
    if (file.endsWith(CHECKSUM)) {
      const text = await readFile(file, 'utf8');
      if (!/^[0-9a-f]{32}$/.test(text)) {
        await unlink(file);
        notice(`removed ${file}: not a checksum (a write was cut short); it is computed again`);
      }
      continue;
    }
    if (!file.endsWith(METADATA) || parses(await readFile(file, 'utf8'))) continue;
    const objectFile = file.slice(0, -METADATA.length) + OBJECT;
    const key = relative(folder, file.slice(0, -METADATA.length));
    const hasData = await stat(objectFile).then(
      (info) => info.isFile(),
      () => false,
    );
    if (hasData) {
      const type = CONTENT_TYPES[extname(key)] ?? 'application/octet-stream';
      await writeFile(file, JSON.stringify({ 'content-type': type }));
      notice(
        `repaired ${file} (cut short by a killed write): s3://${key} keeps its data, with content type ${type}`,
      );
    } else {
      await unlink(file);
      notice(`removed ${file} (cut short by a killed write): s3://${key} has no data file`);
    }
  }
}
