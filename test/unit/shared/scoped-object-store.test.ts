import { isDeclared, STORAGE_ACCESS } from '../../../contract/storage-access';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';
import {
  ScopedObjectStore,
  UndeclaredAccessError,
} from '../../../lambdas/shared/scoped-object-store';

/** A store that records what reached it. */
function recording(): ObjectStore & { calls: string[] } {
  const calls: string[] = [];
  const call = (name: string) => (key: string) => {
    calls.push(`${name} ${key}`);
    return Promise.resolve(undefined as never);
  };
  return {
    bucket: 'b',
    calls,
    put: call('put'),
    upload: call('upload'),
    get: call('get'),
    getIfExists: call('getIfExists'),
    stream: call('stream'),
    exists: call('exists'),
    list: (prefix: string, startAfter?: string) => call('list')(`${prefix} ${startAfter}`),
    delete: call('delete'),
  };
}

describe('a stage store checked against the declared storage access', () => {
  it('passes declared calls through', async () => {
    const inner = recording();
    const store = new ScopedObjectStore(inner, 'transform', 'processed');
    await store.exists('manifests/20261201T000000000Z-abcdef.json');
    await store.put('dim_staff/20261201T000000000Z-abcdef.parquet', 'x');
    await store.getIfExists('state/staff.jsonl');
    expect(inner.calls).toEqual([
      'exists manifests/20261201T000000000Z-abcdef.json',
      'put dim_staff/20261201T000000000Z-abcdef.parquet',
      'getIfExists state/staff.jsonl',
    ]);
  });

  it('refuses an undeclared call before it reaches S3, naming stage, kind, key and bucket', async () => {
    const inner = recording();
    const ingest = new ScopedObjectStore(inner, 'ingest', 'landing');
    await expect(ingest.get('manifests/x.json')).rejects.toThrow(UndeclaredAccessError);
    await expect(ingest.exists('address/x.jsonl')).rejects.toThrow(
      'The ingest stage has no declared probe access to address/x.jsonl in the landing bucket',
    );
    await expect(
      new ScopedObjectStore(inner, 'load', 'landing').put('manifests/x.json', ''),
    ).rejects.toThrow(/no declared write access/);
    await expect(
      new ScopedObjectStore(inner, 'load', 'processed').delete('runs/x'),
    ).rejects.toThrow(UndeclaredAccessError);
    expect(inner.calls).toEqual([]);
  });

  it('lets ingest delete landing table objects only, and list from a key on', async () => {
    const inner = recording();
    const ingest = new ScopedObjectStore(inner, 'ingest', 'landing');
    await ingest.delete('address/20261201T000000000Z-abcdef.jsonl');
    await ingest.list('address/', 'address/20261201T000000000Z-abcdef');
    await expect(ingest.delete('manifests/20261201T000000000Z-abcdef.json')).rejects.toThrow(
      'The ingest stage has no declared delete access to manifests/20261201T000000000Z-abcdef.json',
    );
    await expect(
      new ScopedObjectStore(inner, 'transform', 'landing').delete('address/x.jsonl'),
    ).rejects.toThrow(UndeclaredAccessError);
    expect(inner.calls).toEqual([
      'delete address/20261201T000000000Z-abcdef.jsonl',
      'list address/ address/20261201T000000000Z-abcdef',
    ]);
  });

  it('treats a probe of a key as a read of it, not the other way round', () => {
    const access = STORAGE_ACCESS.transform.processed;
    expect(isDeclared(access, 'read', 'state/staff.jsonl')).toBe(true);
    expect(isDeclared(access, 'probe', 'dim_staff/x.parquet')).toBe(false);
    expect(isDeclared(STORAGE_ACCESS.transform.landing, 'list', 'manifests/20261201')).toBe(true);
    expect(isDeclared(STORAGE_ACCESS.transform.landing, 'list', 'address/')).toBe(false);
  });

  it('gives load nothing of landing: what it reconciles against travels in its own input', () => {
    expect(STORAGE_ACCESS.load.landing).toBeUndefined();
    expect(isDeclared(STORAGE_ACCESS.load.landing, 'probe', 'manifests/x.json')).toBe(false);
  });
});
