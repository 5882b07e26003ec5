import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { Pool, PoolClient } from 'pg';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';
import type { WatermarkStore } from '../../../lambdas/shared/ports/watermark-store';

/** The error every injected fault throws, so a test can tell it from a real failure. */
export class InjectedFault extends Error {
  constructor(readonly point: string) {
    super(`injected fault: ${point}`);
    this.name = 'InjectedFault';
  }
}

export type StoreOperation = 'put' | 'upload' | 'get' | 'stream' | 'exists' | 'list' | 'delete';

/**
 * Decides, before each call, whether it fails. `count` is how many earlier calls of the same
 * operation matched the same key prefix; answer a fault name to fail, undefined to pass.
 */
export type StoreFault = (operation: StoreOperation, key: string) => string | undefined;

export interface FaultyStoreOptions {
  /** Fails the call before it reaches the store. */
  readonly before?: StoreFault;
  /**
   * For upload and stream: let this many bytes through, then fail the stream (an upload cut
   * off mid-file, a download reset mid-object).
   */
  readonly midStream?: (operation: 'upload' | 'stream', key: string) => number | undefined;
  /** Every key written through the wrapper, in order. */
  readonly written?: string[];
}

/** Cuts a byte stream off after `limit` bytes with the fault's error. */
function cutAfter(limit: number, point: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) {
        done(new InjectedFault(point));
        return;
      }
      done(null, chunk);
    },
  });
}

/** An ObjectStore that fails where the options say, and otherwise is the store it wraps. */
export function faultyStore(store: ObjectStore, options: FaultyStoreOptions): ObjectStore {
  const check = (operation: StoreOperation, key: string) => {
    const point = options.before?.(operation, key);
    if (point) throw new InjectedFault(point);
  };
  return {
    bucket: store.bucket,
    async put(key, body, type) {
      check('put', key);
      await store.put(key, body, type);
      options.written?.push(key);
    },
    async upload(key, body, type) {
      check('upload', key);
      const limit = options.midStream?.('upload', key);
      if (limit !== undefined) {
        const cut = cutAfter(limit, `upload of ${key} cut off after ${limit} bytes`);
        body.on('error', (error) => cut.destroy(error));
        await store.upload(key, body.pipe(cut), type);
      } else {
        await store.upload(key, body, type);
      }
      options.written?.push(key);
    },
    async get(key) {
      check('get', key);
      return store.get(key);
    },
    async getIfExists(key) {
      check('get', key);
      return store.getIfExists(key);
    },
    async stream(key) {
      check('stream', key);
      const body = await store.stream(key);
      const limit = options.midStream?.('stream', key);
      if (limit === undefined) return body;
      const cut = cutAfter(limit, `download of ${key} reset after ${limit} bytes`);
      body.on('error', (error) => cut.destroy(error));
      return body.pipe(cut) as unknown as Readable;
    },
    async exists(key) {
      check('exists', key);
      return store.exists(key);
    },
    async list(prefix, startAfter) {
      check('list', prefix);
      return store.list(prefix, startAfter);
    },
    async delete(key) {
      check('delete', key);
      await store.delete(key);
    },
  };
}

/** Fails the n-th (1-based) call that `matches`, once. */
export function nth(
  n: number,
  point: string,
  matches: (operation: StoreOperation, key: string) => boolean,
): StoreFault {
  let seen = 0;
  return (operation, key) => {
    if (!matches(operation, key)) return undefined;
    seen++;
    return seen === n ? point : undefined;
  };
}

/** A watermark store whose n-th write fails (before it happens). */
export function faultyWatermarks(store: WatermarkStore, failWrite: number): WatermarkStore {
  let writes = 0;
  return {
    read: (table) => store.read(table),
    locate: (table) => store.locate(table),
    paused: () => store.paused(),
    zoneOffsets: () => store.zoneOffsets(),
    setZoneOffsets: (offsets) => store.setZoneOffsets(offsets),
    schemaChanges: () => store.schemaChanges(),
    setSchemaChanges: (changes) => store.setSchemaChanges(changes),
    async write(table, watermark) {
      if (++writes === failWrite) throw new InjectedFault(`watermark write ${failWrite}`);
      await store.write(table, watermark);
    },
  };
}

/**
 * What a statement sent on a wrapped connection does: 'before' fails it unsent, 'after' sends it
 * and fails once it succeeded (the commit happened, the caller never heard).
 */
export type QueryFault = (text: string) => { point: string; when: 'before' | 'after' } | undefined;

/** A pool whose connections fail the statements `fault` picks; once each fault fired, clean. */
export function faultyPool(pool: Pool, fault: QueryFault): Pool {
  const wrapped = Object.create(pool) as Pool;
  let fired = false;
  wrapped.connect = (async () => {
    const client = await pool.connect();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const proxy = Object.create(client) as PoolClient;
    proxy.query = ((...args: unknown[]) => {
      const first = args[0];
      const text =
        typeof first === 'string'
          ? first
          : typeof (first as { text?: unknown })?.text === 'string'
            ? (first as { text: string }).text
            : undefined;
      const hit = !fired && text !== undefined ? fault(text) : undefined;
      if (!hit) return query(...args);
      fired = true;
      if (hit.when === 'before') return Promise.reject(new InjectedFault(hit.point));
      return (query(...args) as Promise<unknown>).then(() => {
        throw new InjectedFault(hit.point);
      });
    }) as PoolClient['query'];
    proxy.release = (...args: Parameters<PoolClient['release']>) => client.release(...args);
    return proxy;
  }) as Pool['connect'];
  return wrapped;
}
