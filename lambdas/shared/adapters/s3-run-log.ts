import { RUNS_PREFIX, runRecordKey } from '../../../contract/key-layout';
import { daysBack, isBatchId } from '../core/batch';
import type { ObjectStore } from '../ports/object-store';
import type { PipelineStage, RunLog, RunRecord } from '../ports/run-log';

/**
 * The run log as small JSON objects beside the stage's own output: ingest's records in the
 * landing bucket, transform's and load's in the processed bucket. A stage that can write its
 * output can write its record, in AWS and locally alike.
 *
 * Listing walks back one day-prefix (`runs/20261123`) at a time, so each request stays under
 * 1,000 keys and needs no continuation token — the local S3 server cannot page on Node 20
 * without `--openssl-legacy-provider`.
 *
 * @example
 * const log = new ObjectStoreRunLog(landing);
 * await log.write({ batchId, stage: 'ingest', state: 'running', startedAt, finishedAt: null, tables: [], error: null });
 */
export class ObjectStoreRunLog implements RunLog {
  constructor(private readonly store: ObjectStore) {}

  async write(record: RunRecord): Promise<void> {
    await this.store.put(
      runRecordKey(record.batchId, record.stage),
      JSON.stringify(record, null, 2),
      'application/json',
    );
  }

  async read(batchId: string, stage: PipelineStage): Promise<RunRecord | undefined> {
    const body = await this.store.getIfExists(runRecordKey(batchId, stage));
    if (!body) return undefined;
    try {
      return JSON.parse(body.toString('utf8')) as RunRecord;
    } catch {
      // A torn or hand-edited record must not hide the rest of the log from `status`.
      return undefined;
    }
  }

  async recentBatchIds(atLeast: number, now: Date, lookBackDays = 31): Promise<string[]> {
    const found = new Set<string>();
    for (const day of daysBack(now, lookBackDays)) {
      if (found.size >= atLeast) break;
      for (const key of await this.store.list(`${RUNS_PREFIX}${day}`)) {
        const batchId = key.slice(RUNS_PREFIX.length).split('/')[0];
        if (batchId && isBatchId(batchId)) found.add(batchId);
      }
    }
    return [...found].sort().reverse();
  }
}
