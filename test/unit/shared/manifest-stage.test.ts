import { ObjectStoreRunLog } from '../../../lambdas/shared/adapters/s3-run-log';
import { manifestKey } from '../../../lambdas/shared/core/batch';
import { manifestStage } from '../../../lambdas/shared/manifest-stage';
import { ParkedBatchError, parkedReasonKey } from '../../../lambdas/shared/parked-batch';
import { MissingObjectError } from '../../../lambdas/shared/ports/object-store';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import type { ManifestStageReport } from '../../../lambdas/shared/stage-report';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const [B1, B2, B3] = [1, 2, 3].map((n) => `20261123T00000${n}000Z-00000${n}`) as [
  string,
  string,
  string,
];

interface Done {
  readonly batchId: string;
  readonly rows: number;
  readonly skipped: boolean;
}

/**
 * A stage over a bucket in memory whose work answers `rows` per batch, fails the `failing` one,
 * and finds the object of the `missing` one gone; `owed` are the batches still owed.
 */
function stageOver(options: { owed?: string[]; failing?: string; missing?: string } = {}) {
  const input = memoryObjectStore('processed');
  const runLog = new ObjectStoreRunLog(input);
  const worked: string[] = [];
  const reports: ManifestStageReport<Done & { seconds: number }>[] = [];
  const batches: unknown[] = [];
  const stage = manifestStage({
    stage: 'load',
    logger: silentLogger,
    runLog,
    input,
    record: {
      tablesOf: (r: Done) => [{ table: 'dim_staff', rows: r.rows }],
      skippedOf: (r) => r.skipped,
    },
    work: async (key) => {
      const batchId = key.slice('manifests/'.length, -'.json'.length);
      worked.push(batchId);
      if (batchId === options.failing) throw new Error(`the warehouse refused ${batchId}`);
      if (batchId === options.missing)
        throw new MissingObjectError('processed', `dim_staff/${batchId}.parquet`);
      return { batchId, rows: 3, skipped: false };
    },
    complete: (run) => run,
    pending: async (before) =>
      (options.owed ?? []).filter((id) => !before || id < before).map(manifestKey),
    onBatch: (keys) => batches.push(keys),
    onReport: (report) => reports.push(report),
  });
  return { stage, worked, reports, runLog, input, batches };
}

describe('the skeleton of a stage run by manifests', () => {
  it('records a batch running, then its success with its tables, and reports the run', async () => {
    const { stage, runLog, reports, batches } = stageOver();
    const run = await stage.batch(manifestKey(B1));
    expect(run).toMatchObject({ batchId: B1, rows: 3, seconds: expect.any(Number) });
    expect(await runLog.read(B1, 'load')).toMatchObject({
      state: 'success',
      tables: [{ table: 'dim_staff', rows: 3 }],
      error: null,
    });
    expect(reports).toEqual([{ kind: 'ran', run }]);
    expect(batches).toEqual([{ manifestKey: manifestKey(B1), batchId: B1 }]);
  });

  it('records a failure with its kind, reports it, and rethrows the error unchanged', async () => {
    const { stage, runLog, reports } = stageOver({ failing: B1 });
    await expect(stage.batch(manifestKey(B1))).rejects.toThrow(`the warehouse refused ${B1}`);
    expect(await runLog.read(B1, 'load')).toMatchObject({
      state: 'failure',
      error: `the warehouse refused ${B1}`,
      errorKind: 'transient',
    });
    expect(reports).toEqual([{ kind: 'failed', batchId: B1, error: expect.any(Error) }]);
  });

  it('parks a batch whose object is missing: its reason kept, the object named in its record', async () => {
    const { stage, runLog, input, reports } = stageOver({ missing: B1 });
    await expect(stage.batch(manifestKey(B1))).rejects.toBeInstanceOf(ParkedBatchError);
    expect(await input.exists(parkedReasonKey(B1))).toBe(true);
    expect(await runLog.read(B1, 'load')).toMatchObject({
      state: 'failure',
      missing: { bucket: 'processed', key: `dim_staff/${B1}.parquet` },
    });
    expect(reports[0]).toMatchObject({ kind: 'failed', error: expect.any(ParkedBatchError) });
  });

  it("handles an event's batches each after the batches owed before it, and answers with the event's", async () => {
    const { stage, worked } = stageOver({ owed: [B1, B2] });
    const runs = await stage.handle([manifestKey(B3)]);
    expect(worked).toEqual([B1, B2, B3]);
    expect(runs.map((r) => r.batchId)).toEqual([B3]);
  });

  it("goes on past a batch owed that was parked, and runs the event's batch after one that failed", async () => {
    const parked = stageOver({ owed: [B1, B2], missing: B1 });
    await parked.stage.handle([manifestKey(B3)]);
    expect(parked.worked).toEqual([B1, B2, B3]);
    const failed = stageOver({ owed: [B1, B2], failing: B1 });
    await failed.stage.handle([manifestKey(B3)]);
    expect(failed.worked).toEqual([B1, B3]);
  });

  it('answers an event whose own batch is parked without throwing, and gauges the parked batches', async () => {
    const { stage, reports } = stageOver({ missing: B2 });
    const runs = await stage.handle([manifestKey(B1), manifestKey(B2)]);
    expect(runs.map((r) => r.batchId)).toEqual([B1]);
    expect(reports.at(-1)).toEqual({ kind: 'parked', batchIds: [B2] });
    const healthy = stageOver();
    await healthy.stage.handle([manifestKey(B1)]);
    expect(healthy.reports.at(-1)).toEqual({ kind: 'parked', batchIds: [] });
  });

  it("still throws a failure that is not a parking from the event's own batch", async () => {
    const { stage } = stageOver({ failing: B1 });
    await expect(stage.handle([manifestKey(B1)])).rejects.toThrow(`the warehouse refused ${B1}`);
  });
});
