import type { Pool } from 'pg';
import type { PerTable, SchemaContract } from '../../contract/settings';
import { newBatchId } from '../shared/core/batch';
import {
  isSourceTableName,
  SOURCE_TABLE_NAMES,
  type SourceTableName,
} from '../shared/core/catalogue';
import { ConfigurationError } from '../shared/core/pipeline-error';
import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import type { ObjectStore } from '../shared/ports/object-store';
import type { SelfInvoker } from '../shared/ports/self-invoker';
import type { StageLogger } from '../shared/ports/stage-logger';
import type { WatermarkStore } from '../shared/ports/watermark-store';
import type { DeletesStateStore } from '../shared/ports/deletes-state-store';
import { DELETES_GUARD_PERCENT, DELETES_SCHEDULE, TUNINGS } from '../../contract/settings';
import { landedTables, recordStageRun } from '../shared/run-recording';
import { ScopedObjectStore } from '../shared/scoped-object-store';
import type { BatchKeys, StageReport } from '../shared/stage-report';
import { timed, type StageTiming } from '../shared/timed';
import { continueBacklog, type BacklogOutcome } from './backlog';
import type { DeletesOptions } from './deletes/reconcile-deletes';
import { runIngest, type IngestResult } from './ingest';
import { PostgresSource } from './postgres-source';

/** What ingest is invoked with: the schedule may name the tables it is for, else all are read. */
export interface IngestEvent {
  readonly tables?: readonly string[];
  /**
   * A deletes reconciliation asked for now (`deliverance deletes`) of these tables (all when
   * absent), `confirm` landing what the guard holds.
   */
  readonly deletes?: { readonly tables?: readonly string[]; readonly confirm?: boolean };
}

export interface IngestStageOptions {
  /** The landing bucket; the stage uses it only as its declared access allows. */
  readonly landing: ObjectStore;
  /**
   * The source database, opened inside the run so that a connection refused (or a secret not
   * readable) is the run's recorded failure.
   */
  readonly source: () => Promise<Pool>;
  readonly watermarks: WatermarkStore;
  readonly logger: StageLogger;
  /** Seconds re-read behind each watermark for late commits. */
  readonly overlapSeconds: number;
  /** Rows per source table per batch (see runIngest). Unbounded by default. */
  readonly maxBatchRows?: number;
  /** Seconds past the source's clock before a row is reported as future-stamped (see runIngest). */
  readonly futureToleranceSeconds?: number;
  /** What a table does at a new source column (see runIngest). Evolve everywhere by default. */
  readonly schemaContract?: SchemaContract;
  /**
   * The warehouse, read only to compare its keys with the source's, and where the deletes
   * reconciliation keeps its state: with both, ingest reconciles deletes when due.
   */
  readonly warehouse?: () => Promise<Pool>;
  readonly deletesState?: DeletesStateStore;
  /**
   * The deletes reconciliation's settings (contract/settings.ts): each table's schedule and guard,
   * and its tombstones per run; their defaults when absent.
   */
  readonly deletesSchedule?: PerTable<string>;
  readonly maxDeletesPerRun?: number;
  readonly deletesGuardPercent?: PerTable<number>;
  /**
   * Starts the next batch of a backlog at once (Lambda invokes itself). Without one, a capped
   * run leaves the rest to its caller (the local runner loops).
   */
  readonly continueWith?: SelfInvoker;
  /** Hears the batch as the run starts, e.g. to put its id on every log line. */
  readonly onBatch?: (batch: BatchKeys) => void;
  /** Hears the run that finished or failed (for its metrics). */
  readonly onReport?: (report: IngestReport) => void;
}

/** One ingest run: its result, how long it took, and what it did about a backlog. */
export type IngestRun = IngestResult &
  StageTiming & {
    readonly backlog?: BacklogOutcome;
  };

/** What ingest reports; `metricsOf` turns it into its metrics. */
export type IngestReport = StageReport<IngestRun>;

export interface IngestStage {
  /** One scheduled (or self-started) run: a batch under `batchId`, then the backlog continued. */
  handle(event?: IngestEvent, batchId?: string): Promise<IngestRun>;
}

/**
 * Ingest as both the Lambda and the local runner run it: one batch under a new batch id,
 * recorded in the landing bucket's run log, then the backlog continued.
 *
 * @example
 * const ingest = ingestStage({ landing, source: async () => pool, watermarks, logger, overlapSeconds: 300 });
 * const run = await ingest.handle({ tables: ['payment'] });
 */
export function ingestStage(options: IngestStageOptions): IngestStage {
  const landing = new ScopedObjectStore(options.landing, 'ingest', 'landing');
  const runLog = new ObjectStoreRunLog(landing);
  const report = (r: IngestReport) => options.onReport?.(r);
  const ingest = async (event: IngestEvent, batchId: string): Promise<IngestRun> => {
    const run = await recordStageRun(
      {
        runLog,
        logger: options.logger,
        batchId,
        stage: 'ingest',
        tablesOf: (r: IngestResult) => landedTables(r.manifest),
        futureStampedOf: (r: IngestResult) => r.futureStamped,
      },
      () =>
        timed(async () => {
          const tables = tablesOf(event);
          return runIngest({
            source: new PostgresSource(await options.source()),
            landing,
            watermarks: options.watermarks,
            logger: options.logger,
            overlapSeconds: options.overlapSeconds,
            maxBatchRows: options.maxBatchRows,
            futureToleranceSeconds: options.futureToleranceSeconds,
            schemaContract: options.schemaContract,
            tables,
            batchId,
            deletes: deletesOf(options, event),
          });
        }),
    );
    if (!options.continueWith) return run;
    return {
      ...run,
      backlog: await continueBacklog(run, event, options.continueWith, options.logger),
    };
  };
  return {
    async handle(event = {}, batchId = newBatchId(new Date())) {
      options.onBatch?.({ batchId });
      try {
        const run = await ingest(event, batchId);
        report({ kind: 'ran', run });
        return run;
      } catch (error) {
        report({ kind: 'failed', batchId, error });
        throw error;
      }
    },
  };
}

function deletesOf(options: IngestStageOptions, event: IngestEvent): DeletesOptions | undefined {
  if (!options.warehouse || !options.deletesState) return undefined;
  const request = event.deletes;
  const tables = request ? namedTables(request.tables) : undefined;
  return {
    warehouse: options.warehouse,
    state: options.deletesState,
    settings: {
      schedule: options.deletesSchedule ?? DELETES_SCHEDULE.default,
      maxPerRun: options.maxDeletesPerRun ?? TUNINGS.maxDeletesPerRun.default,
      guardPercent: options.deletesGuardPercent ?? DELETES_GUARD_PERCENT.default,
    },
    ...(request
      ? { request: { ...(tables ? { tables } : {}), confirm: request.confirm === true } }
      : {}),
  };
}

function tablesOf(event: IngestEvent): SourceTableName[] | undefined {
  return namedTables(event.tables);
}

function namedTables(names: readonly string[] | undefined): SourceTableName[] | undefined {
  if (!names) return undefined;
  const unknown = names.filter((t) => !isSourceTableName(t));
  if (unknown.length > 0)
    throw new ConfigurationError(
      `The ingest event names unknown tables: ${unknown.join(', ')}; name tables of ${SOURCE_TABLE_NAMES.join(', ')}`,
    );
  return names as SourceTableName[];
}
