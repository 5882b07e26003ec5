import type { Readable } from 'node:stream';
import { PipelineError } from '../core/pipeline-error';

/** One bucket, seen through the few operations the stages need. */
export interface ObjectStore {
  readonly bucket: string;
  /** Writes a small object in one request. */
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** Streams a large object up in parts, holding at most a few parts in memory. */
  upload(key: string, body: Readable, contentType?: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** The object's bytes, or undefined when there is no such key. */
  getIfExists(key: string): Promise<Buffer | undefined>;
  stream(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Keys under `prefix` in key order, only those after `startAfter` when it is given. */
  list(prefix: string, startAfter?: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/**
 * The object a stage was told to read is not there (S3's NoSuchKey): a manifest names an object
 * that was deleted, or never finished uploading. Retrying will not bring it back; an operator
 * restores it (the buckets are versioned) or gives the batch up.
 */
export class MissingObjectError extends PipelineError {
  readonly kind = 'bad-data';

  constructor(
    readonly bucket: string,
    readonly key: string,
    cause?: unknown,
  ) {
    const sdk = cause as { name?: string; message?: string } | undefined;
    super(
      `s3://${bucket}/${key} does not exist${sdk?.message ? ` (${sdk.name ?? 'Error'}: ${sdk.message})` : ''}`,
      { cause },
    );
    this.name = 'MissingObjectError';
  }
}
