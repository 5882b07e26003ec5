import {
  RUNS_PREFIX,
  runAttemptKey,
  runAttemptPrefix,
  runRecordKey,
} from '../../../contract/key-layout';
import { daysBack, isBatchId } from '../core/batch';
import type { ObjectStore } from '../ports/object-store';
import { PIPELINE_STAGES, type PipelineStage, type RunLog, type RunRecord } from '../ports/run-log';

/** A batch the run log holds, and the stages that ran it more than once (a replay, a retry). */
export interface RecentBatch {
  readonly batchId: string;
  readonly rerun: readonly PipelineStage[];
}

/**
 * The run log as small JSON objects beside the stage's own output: ingest's records in the
 * landing bucket, transform's and load's in the processed bucket. A stage that can write its
 * output can write its record, in AWS and locally alike.
 *
 * `runs/<batchId>/<stage>.json` is the stage's newest record for the batch (`running` while it
 * works); each finished run is also kept under its start (`runAttemptKey`), so a replay or a
 * retry adds a record beside the earlier ones instead of rewriting them.
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
    const body = JSON.stringify(record, null, 2);
    await this.store.put(runRecordKey(record.batchId, record.stage), body, 'application/json');
    if (record.state !== 'running') {
      await this.store.put(
        runAttemptKey(record.batchId, record.stage, record.startedAt),
        body,
        'application/json',
      );
    }
  }

  async read(batchId: string, stage: PipelineStage): Promise<RunRecord | undefined> {
    return this.readKey(runRecordKey(batchId, stage));
  }

  /**
   * Keeps the stage's newest finished record of the batch beside the others, for a record written
   * before every finished run was kept (a replay is about to add its own).
   */
  async keep(batchId: string, stage: PipelineStage): Promise<void> {
    const record = await this.read(batchId, stage);
    if (!record || record.state === 'running') return;
    const key = runAttemptKey(batchId, stage, record.startedAt);
    if (!(await this.store.exists(key))) {
      await this.store.put(key, JSON.stringify(record, null, 2), 'application/json');
    }
  }

  /** Every finished run of the stage for the batch, oldest first. */
  async attempts(batchId: string, stage: PipelineStage): Promise<RunRecord[]> {
    const newest = runRecordKey(batchId, stage);
    const keys = (await this.store.list(runAttemptPrefix(batchId, stage))).filter(
      (key) => key !== newest,
    );
    const records = await Promise.all(keys.map((key) => this.readKey(key)));
    return records
      .filter((r): r is RunRecord => r !== undefined)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async recentBatchIds(atLeast: number, now: Date, lookBackDays = 31): Promise<string[]> {
    return (await this.recentBatches(atLeast, now, lookBackDays)).map((b) => b.batchId);
  }

  /**
   * As `recentBatchIds`, with the stages each batch has more than one finished run of, read off
   * the same listing: only those need `attempts`.
   */
  async recentBatches(atLeast: number, now: Date, lookBackDays = 31): Promise<RecentBatch[]> {
    const found = new Map<string, Map<PipelineStage, number>>();
    for (const day of daysBack(now, lookBackDays)) {
      if (found.size >= atLeast) break;
      for (const key of await this.store.list(`${RUNS_PREFIX}${day}`)) {
        const [batchId, name] = key.slice(RUNS_PREFIX.length).split('/');
        if (!batchId || !isBatchId(batchId)) continue;
        const runs = found.get(batchId) ?? new Map<PipelineStage, number>();
        found.set(batchId, runs);
        const stage = PIPELINE_STAGES.find(
          (s) => name?.startsWith(`${s}.`) && name !== `${s}.json`,
        );
        if (stage) runs.set(stage, (runs.get(stage) ?? 0) + 1);
      }
    }
    return [...found]
      .sort(([a], [b]) => b.localeCompare(a))
      .map(([batchId, runs]) => ({
        batchId,
        rerun: [...runs].filter(([, n]) => n > 1).map(([stage]) => stage),
      }));
  }

  private async readKey(key: string): Promise<RunRecord | undefined> {
    const body = await this.store.getIfExists(key);
    if (!body) return undefined;
    try {
      return JSON.parse(body.toString('utf8')) as RunRecord;
    } catch {
      // A torn or hand-edited record must not hide the rest of the log from `status`.
      return undefined;
    }
  }
}
