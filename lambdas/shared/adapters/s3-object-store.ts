import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MissingObjectError, type ObjectStore } from '../ports/object-store';
import { PipelineError, TransientError } from '../core/pipeline-error';
import { failFastClient } from './fail-fast-client';

// S3's minimum part size: an upload holds about three parts (two sending, one filling), and
// ingest uploads four tables at once, so the part size sets most of its peak memory.
const PART_SIZE = 5 * 1024 * 1024;

export interface S3Endpoint {
  /** An S3-compatible server's URL; omit in AWS. */
  url?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * A client for AWS, or for a local S3-compatible server when an endpoint is given, that gives up
 * on a silent network within seconds (`failFastClient`). The local
 * server corrupts streamed uploads that carry the SDK's default checksums, so those are only
 * sent when an operation requires them.
 */
export function createS3Client(endpoint: S3Endpoint = {}): S3Client {
  const config: S3ClientConfig = {
    region: endpoint.region ?? process.env.AWS_REGION ?? 'eu-west-2',
  };
  if (endpoint.url) {
    config.endpoint = endpoint.url;
    config.forcePathStyle = true;
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
    if (endpoint.credentials) config.credentials = endpoint.credentials;
  }
  return failFastClient('S3', (timeouts) => new S3Client({ ...config, ...timeouts }));
}

/**
 * An S3 failure that says where: the SDK's own messages ("Please reduce your request rate.")
 * name neither bucket nor key. The SDK error stays as the cause, its name is kept for callers
 * that tell throttling from the rest.
 */
export class ObjectStoreError extends PipelineError {
  readonly kind = 'transient';

  constructor(operation: string, where: string, cause: unknown) {
    const sdk = cause as { name?: string; message?: string };
    super(
      `S3 ${operation} ${where} failed: ${sdk.name ?? 'Error'}: ${sdk.message ?? String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'ObjectStoreError';
  }
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error as { name?: string }).name === 'NoSuchKey' ||
    (error as { name?: string }).name === 'NotFound'
  );
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  private where(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  private async attempt<T>(operation: string, key: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ObjectStoreError) throw error;
      if (isMissing(error)) throw new MissingObjectError(this.bucket, key, error);
      throw new ObjectStoreError(operation, this.where(key), error);
    }
  }

  async put(key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    await this.attempt('PutObject', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
      ),
    );
  }

  async upload(key: string, body: Readable, contentType?: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await this.attempt('multipart upload of', key, () => upload.done());
  }

  async get(key: string): Promise<Buffer> {
    return this.attempt('GetObject', key, async () => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      if (!response.Body) throw new TransientError('the response has no body');
      return Buffer.from(await response.Body.transformToByteArray());
    });
  }

  async getIfExists(key: string): Promise<Buffer | undefined> {
    try {
      return await this.get(key);
    } catch (error) {
      if (error instanceof MissingObjectError) return undefined;
      throw error;
    }
  }

  async stream(key: string): Promise<Readable> {
    return this.attempt('GetObject', key, async () => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      if (!response.Body) throw new TransientError('the response has no body');
      return response.Body as Readable;
    });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.attempt('HeadObject', key, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      return true;
    } catch (error) {
      if (error instanceof MissingObjectError) return false;
      throw error;
    }
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.attempt(`ListObjectsV2 (prefix ${prefix}) of`, '', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            StartAfter: startAfter,
            ContinuationToken: token,
          }),
        ),
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.attempt('DeleteObject', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }
}
