import { recordStageRun } from '../../../lambdas/shared/run-recording';
import type { RunLog, RunRecord } from '../../../lambdas/shared/ports/run-log';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';

const BATCH = '20261123T043451123Z-3f9a1c';

/** A run log in memory that keeps every write, in order. */
function memoryRunLog(existing: RunRecord[] = []): RunLog & { writes: RunRecord[] } {
  const records = new Map(existing.map((r) => [`${r.batchId}/${r.stage}`, r]));
  const writes: RunRecord[] = [];
  return {
    writes,
    write(record) {
      writes.push(record);
      records.set(`${record.batchId}/${record.stage}`, record);
      return Promise.resolve();
    },
    read: (batchId, stage) => Promise.resolve(records.get(`${batchId}/${stage}`)),
    recentBatchIds: () => Promise.resolve([]),
  };
}

function recordingLogger(): StageLogger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, info: none, error: none, warn: (message) => void warnings.push(message) };
}

const ORIGINAL: RunRecord = {
  batchId: BATCH,
  stage: 'load',
  state: 'success',
  startedAt: '2026-11-23T04:35:00.000Z',
  finishedAt: '2026-11-23T04:35:09.000Z',
  tables: [{ table: 'fact_payment', rows: 12, written: 12 }],
  error: null,
};

const clock = () => new Date('2026-11-24T09:00:00.000Z');

/** A load of BATCH that reports `skipped`, recorded over `runLog`. */
const loadOf = (runLog: RunLog, skipped: boolean, logger: StageLogger = recordingLogger()) =>
  recordStageRun(
    {
      runLog,
      logger,
      batchId: BATCH,
      stage: 'load',
      clock,
      tablesOf: () => [],
      skippedOf: (r: { skipped: boolean }) => r.skipped,
    },
    () => Promise.resolve({ skipped }),
  );

describe('recording a stage run', () => {
  it('a replay that finds its batch done leaves the record of the run that did it as it was', async () => {
    const runLog = memoryRunLog([ORIGINAL]);
    await loadOf(runLog, true);
    expect(await runLog.read(BATCH, 'load')).toEqual(ORIGINAL);
    expect(runLog.writes.at(-1)).toEqual(ORIGINAL);
  });

  it('a skipped run with no earlier success is recorded as a skipped success of its own', async () => {
    const runLog = memoryRunLog([{ ...ORIGINAL, state: 'failure', error: 'warehouse down' }]);
    await loadOf(runLog, true);
    expect(await runLog.read(BATCH, 'load')).toEqual({
      batchId: BATCH,
      stage: 'load',
      state: 'success',
      startedAt: clock().toISOString(),
      finishedAt: clock().toISOString(),
      tables: [],
      error: null,
      skipped: true,
    });
  });

  it('a run that did the work replaces the earlier record', async () => {
    const runLog = memoryRunLog([ORIGINAL]);
    await loadOf(runLog, false);
    expect((await runLog.read(BATCH, 'load'))?.startedAt).toBe(clock().toISOString());
  });

  it('a record that cannot be written is logged and does not fail the stage', async () => {
    const runLog = memoryRunLog();
    runLog.write = () => Promise.reject(new Error('AccessDenied'));
    const logger = recordingLogger();
    await expect(loadOf(runLog, false, logger)).resolves.toEqual({ skipped: false });
    expect(logger.warnings).toEqual([
      'Could not write the run record: status will not show this run',
      'Could not write the run record: status will not show this run',
    ]);
  });
});
