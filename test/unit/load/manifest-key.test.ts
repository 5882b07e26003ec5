import type { Pool } from 'pg';
import { runLoad } from '../../../lambdas/load/load';
import { PostgresWarehouseWriter } from '../../../lambdas/load/postgres-warehouse-writer';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { runTransform } from '../../../lambdas/transform/transform';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

/** A store every call of which fails: the refusal must come before any of them. */
const untouched = () => {
  const refuse = (call: string) => () => Promise.reject(new Error(`${call} was called`));
  return {
    ...memoryObjectStore('processed'),
    get: refuse('get'),
    stream: refuse('stream'),
    exists: refuse('exists'),
    list: refuse('list'),
    put: refuse('put'),
  };
};

describe('a stage given a key that names no batch refuses it before reading anything', () => {
  it('the load, as a fatal error naming the key', async () => {
    const refusal = runLoad({
      processed: untouched(),
      warehouse: new PostgresWarehouseWriter({} as Pool),
      logger: silentLogger,
      manifestKey: 'manifests/latest.json',
    });
    await expect(refusal).rejects.toThrow('manifests/latest.json is not a batch manifest key');
    await expect(refusal).rejects.toMatchObject({ kind: 'fatal' });
  });

  it('the transform, naming the key', async () => {
    await expect(
      runTransform({
        landing: untouched(),
        processed: untouched(),
        logger: silentLogger,
        manifestKey: 'manifests/latest.json',
        workDir: '/nonexistent',
      }),
    ).rejects.toThrow('The event names manifests/latest.json, which is not a batch manifest key');
  });
});

describe('the load refuses a processed manifest naming a table the warehouse does not have', () => {
  it('as bad data naming the manifest and the table, and writes nothing', async () => {
    const batchId = '20261123T043451123Z-3f9a1c';
    const key = `manifests/${batchId}.json`;
    const processed = memoryObjectStore('processed');
    await processed.put(
      key,
      JSON.stringify({
        kind: 'processed',
        version: 1,
        batchId,
        startedAt: '2026-11-23T04:34:51.123Z',
        finishedAt: '2026-11-23T04:35:01.000Z',
        sourceRows: {},
        tables: [{ table: 'widgets', key: `widgets/${batchId}.parquet`, rows: 1 }],
        newestSourceChange: null,
        completeUpTo: null,
        quarantined: [],
      }),
    );
    const statements: string[] = [];
    const client = {
      query: (text: string) => {
        statements.push(text.split(' ')[0]!);
        return Promise.resolve({ rows: [], rowCount: 0 });
      },
      release: () => undefined,
    };
    const warehouse = { connect: () => Promise.resolve(client) } as unknown as Pool;
    const refusal = runLoad({
      processed,
      warehouse: new PostgresWarehouseWriter(warehouse),
      logger: silentLogger,
      manifestKey: key,
    });
    await expect(refusal).rejects.toThrow(
      `s3://processed/${key} names unknown warehouse table widgets`,
    );
    await expect(refusal).rejects.toMatchObject({ kind: 'bad-data' });
    expect(statements).not.toContain('INSERT');
    expect(statements.at(-1)).toBe('ROLLBACK');
  });
});
