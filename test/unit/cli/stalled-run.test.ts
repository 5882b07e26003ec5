import { collectStatus } from '../../../cli/status/pipeline-status';
import { formatStatusText } from '../../../cli/status/format-status-text';
import { ObjectStoreRunLog } from '../../../lambdas/shared/adapters/s3-run-log';
import { newBatchId } from '../../../lambdas/shared/core/batch';
import type { RunRecord } from '../../../lambdas/shared/ports/run-log';
import type { WatermarkStore } from '../../../lambdas/shared/ports/watermark-store';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const watermarks: WatermarkStore = {
  read: () => Promise.resolve(undefined),
  write: () => Promise.resolve(),
  locate: (table) => table,
  paused: () => Promise.resolve([]),
  zoneOffsets: () => Promise.resolve({}),
  setZoneOffsets: () => Promise.resolve(),
  schemaChanges: () => Promise.resolve([]),
  setSchemaChanges: () => Promise.resolve(),
};

const STARTED = new Date('2026-11-23T04:34:51.123Z');
const BATCH = newBatchId(STARTED, () => 0.5);

/** Status at `minutesLater`, of one batch landed and transformed whose load record says running. */
async function statusOfRunningLoad(minutesLater: number) {
  const landing = memoryObjectStore('landing');
  const processed = memoryObjectStore('processed');
  const record = (stage: RunRecord['stage'], state: RunRecord['state']): RunRecord => ({
    batchId: BATCH,
    stage,
    state,
    startedAt: STARTED.toISOString(),
    finishedAt: state === 'running' ? null : STARTED.toISOString(),
    tables: [],
    error: null,
  });
  await new ObjectStoreRunLog(landing).write(record('ingest', 'success'));
  await new ObjectStoreRunLog(processed).write(record('transform', 'success'));
  await new ObjectStoreRunLog(processed).write(record('load', 'running'));
  const now = new Date(STARTED.getTime() + minutesLater * 60_000);
  return collectStatus({ landing, processed, watermarks }, { now });
}

describe('a run stuck in "running"', () => {
  it('is reported as stalled once it has run longer than any Lambda can, naming its batch and stage', async () => {
    const status = await statusOfRunningLoad(20);
    expect(status.failures).toEqual([
      {
        batchId: BATCH,
        stage: 'load',
        at: STARTED.toISOString(),
        error:
          'still "running" 20 minutes after it started: the run died without a word (timeout or out of memory?); see the function\'s logs for the batch id',
        resolvedAt: null,
        resolvedBy: null,
      },
    ]);
    expect(formatStatusText(status)).toContain(`still "running" 20 minutes after it started`);
  });

  it('is a run in progress, not a failure, for as long as a Lambda may still be running it', async () => {
    const status = await statusOfRunningLoad(14);
    expect(status.failures).toEqual([]);
    expect(status.runs[0]?.stages.load.state).toBe('running');
  });
});
