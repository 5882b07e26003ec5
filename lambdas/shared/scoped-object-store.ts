import type { Readable } from 'node:stream';
import {
  isDeclared,
  STORAGE_ACCESS,
  type AccessKind,
  type BucketRole,
  type StageName,
} from '../../contract/storage-access';
import type { ObjectStore } from './ports/object-store';
import { PipelineError } from './core/pipeline-error';

/** A call the stage's storage access does not declare, so the stack does not grant it. */
export class UndeclaredAccessError extends PipelineError {
  readonly kind = 'fatal';

  constructor(stage: StageName, role: BucketRole, kind: AccessKind, key: string) {
    super(
      `The ${stage} stage has no declared ${kind} access to ${key} in the ${role} bucket: ` +
        'declare it in contract/storage-access.ts, which is also what grants it in AWS',
    );
    this.name = 'UndeclaredAccessError';
  }
}

/**
 * One bucket as one stage may use it: each call is checked against the stage's declared access
 * before it reaches the store, here and in Lambda alike.
 */
export class ScopedObjectStore implements ObjectStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly stage: StageName,
    private readonly role: BucketRole,
  ) {}

  get bucket(): string {
    return this.store.bucket;
  }

  // The methods are async so that a refusal is a rejection, like any failure of the store.
  private check(kind: AccessKind, key: string): void {
    if (!isDeclared(STORAGE_ACCESS[this.stage][this.role], kind, key)) {
      throw new UndeclaredAccessError(this.stage, this.role, kind, key);
    }
  }

  async put(key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    this.check('write', key);
    return this.store.put(key, body, contentType);
  }

  async upload(key: string, body: Readable, contentType?: string): Promise<void> {
    this.check('write', key);
    return this.store.upload(key, body, contentType);
  }

  async get(key: string): Promise<Buffer> {
    this.check('read', key);
    return this.store.get(key);
  }

  async getIfExists(key: string): Promise<Buffer | undefined> {
    this.check('probe', key);
    return this.store.getIfExists(key);
  }

  async stream(key: string): Promise<Readable> {
    this.check('read', key);
    return this.store.stream(key);
  }

  async exists(key: string): Promise<boolean> {
    this.check('probe', key);
    return this.store.exists(key);
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    this.check('list', prefix);
    return this.store.list(prefix, startAfter);
  }

  async delete(key: string): Promise<void> {
    this.check('delete', key);
    return this.store.delete(key);
  }
}

/** Both buckets as `stage` may use them. */
export function stageStores(
  stage: StageName,
  stores: { readonly landing: ObjectStore; readonly processed: ObjectStore },
): { landing: ObjectStore; processed: ObjectStore } {
  return {
    landing: new ScopedObjectStore(stores.landing, stage, 'landing'),
    processed: new ScopedObjectStore(stores.processed, stage, 'processed'),
  };
}
