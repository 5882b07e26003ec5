import { Readable } from 'node:stream';
import { MissingObjectError, type ObjectStore } from '../../../lambdas/shared/ports/object-store';

/** A bucket in memory, for the unit tests of the stages: the object store port and nothing else. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();

  constructor(readonly bucket: string) {}

  async put(key: string, body: string | Uint8Array): Promise<void> {
    this.objects.set(key, Buffer.from(body));
  }

  async upload(key: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    this.objects.set(key, Buffer.concat(chunks));
  }

  async get(key: string): Promise<Buffer> {
    const body = this.objects.get(key);
    if (!body) throw new MissingObjectError(this.bucket, key);
    return body;
  }

  async getIfExists(key: string): Promise<Buffer | undefined> {
    return this.objects.get(key);
  }

  async stream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    return [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort();
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
