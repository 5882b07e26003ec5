import { explainConnectionError } from '../../../lambdas/shared/adapters/database-pool';
import { ObjectStoreError } from '../../../lambdas/shared/adapters/s3-object-store';
import { LandingLineError } from '../../../lambdas/shared/core/json-lines';
import { ManifestError } from '../../../lambdas/shared/core/manifest';
import {
  ConfigurationError,
  errorKind,
  InvariantError,
  isBadData,
  isFatal,
  TransientError,
} from '../../../lambdas/shared/core/pipeline-error';
import { ReconciliationError } from '../../../lambdas/shared/core/reconcile';
import { ParquetFileError, ParquetValueError } from '../../../lambdas/shared/parquet';
import type { RunLog, RunRecord } from '../../../lambdas/shared/ports/run-log';
import { recordStageRun } from '../../../lambdas/shared/run-recording';
import { WatermarkError } from '../../../lambdas/ingest/window';
import { AnalystSecretError } from '../../../lambdas/load/analyst-role';
import { TransformError } from '../../../lambdas/transform/tables/errors';

const location = { bucket: 'landing', key: 'staff/b.jsonl', line: 3 };
const config = { host: 'db.example', port: 5432, database: 'warehouse', password: 'pw' };
const pgError = (code: string) => Object.assign(new Error(`server says ${code}`), { code });

describe('error kinds', () => {
  it.each([
    ['a landing line', new LandingLineError(location, 'staff', 'email_address', 'is not text')],
    ['a row the transform refuses', new TransformError('staff', 7, 'first_name', 'is empty')],
    ['a Parquet value', new ParquetValueError('dim_staff', 'staff_id', 0, 'x', 'an integer')],
    ['a Parquet file', new ParquetFileError('dim_staff/b.parquet', 'not a Parquet file')],
    ['a manifest', new ManifestError('s3://landing/manifests/b.json', 'no tables')],
  ])('%s is bad data: it is quarantined, the batch goes on', (_, error) => {
    expect(errorKind(error)).toBe('bad-data');
    expect(isBadData(error)).toBe(true);
  });

  it.each([
    ['a watermark ahead of the source', new WatermarkError('staff', 'ahead of now()')],
    ['a reconciliation mismatch', new ReconciliationError('counts differ')],
    ['a refused login', explainConnectionError(pgError('28P01'), config, 'warehouse')],
    ['an analyst secret of the wrong shape', new AnalystSecretError('analyst', 'has no password')],
    ['a missing setting', new ConfigurationError('MAX_BATCH_ROWS is not set')],
    ['a broken rule of the code', new InvariantError('writer closed')],
  ])('%s is fatal: retrying will not help', (_, error) => {
    expect(errorKind(error)).toBe('fatal');
    expect(isFatal(error)).toBe(true);
    expect(isBadData(error)).toBe(false);
  });

  it.each([
    ['an S3 failure', new ObjectStoreError('PutObject', 's3://landing/k', new Error('SlowDown'))],
    ['an unreachable database', explainConnectionError(pgError('ECONNREFUSED'), config, 'source')],
    ['an error Deliverance did not raise', new Error('socket hang up')],
    ['a thrown non-error', 'boom'],
    ['a failure said to be passing', new TransientError('the window grew while it was read')],
  ])('%s is transient: the stage is retried', (_, error) => {
    expect(errorKind(error)).toBe('transient');
    expect(isFatal(error)).toBe(false);
  });
});

describe('run records of failures', () => {
  it('say whether a retry can help', async () => {
    const written: RunRecord[] = [];
    const runLog: RunLog = {
      write: (record) => Promise.resolve(void written.push(record)),
      read: () => Promise.resolve(undefined),
      recentBatchIds: () => Promise.resolve([]),
    };
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const failing = recordStageRun(
      { runLog, logger, batchId: 'b1', stage: 'ingest', tablesOf: () => [] },
      () => Promise.reject(new WatermarkError('staff', 'ahead of now()')),
    );
    await expect(failing).rejects.toThrow('ahead of now()');
    expect(written.at(-1)).toMatchObject({ state: 'failure', errorKind: 'fatal' });
  });
});
