import type { Readable } from 'node:stream';

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
