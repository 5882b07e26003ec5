import type { StageName } from './stages';

/** The CloudWatch namespace of every metric the stages emit (docs/architecture.md, "Metrics"). */
export const METRICS_NAMESPACE = 'Deliverance';

/**
 * The one dimension of every metric: Powertools adds the service name, which is the stage, as
 * `service`; the alarms and the dashboard select by it.
 */
export const STAGE_DIMENSION = 'service';

/** CloudWatch units the metrics use (Powertools' `MetricUnit` values of the same names). */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'Seconds';

export interface MetricDeclaration {
  readonly unit: MetricUnitName;
  /** The stages that emit it: the `service` dimensions it has. */
  readonly stages: readonly StageName[];
}

/**
 * Every metric a stage emits, and which stages emit it. The handlers' `metricsOf` may only name
 * a metric of its own stage, and the alarms and dashboard read their names and dimensions from
 * here, so an alarm cannot watch a metric nobody emits.
 */
export const METRICS = {
  /** Rows landed by a run. */
  RowsIngested: { unit: 'Count', stages: ['ingest'] },
  /** 1 per run that landed its batch; its absence is the ingest-not-succeeding alarm. */
  IngestSucceeded: { unit: 'Count', stages: ['ingest'] },
  /** Table objects of earlier attempts that never wrote their manifest, removed. */
  UnfinishedObjectsRemoved: { unit: 'Count', stages: ['ingest'] },
  /** 1 when a capped run started the next batch of its backlog itself. */
  BacklogBatchStarted: { unit: 'Count', stages: ['ingest'] },
  /** Source rows stamped later than the source's clock, which no window reads yet (alarmed). */
  FutureStampedRows: { unit: 'Count', stages: ['ingest'] },
  /**
   * Seconds the source's TimeZone stepped back since a table was last read (0: none); the run
   * moved those windows back by the step (alarmed).
   */
  SourceClockStepBack: { unit: 'Seconds', stages: ['ingest'] },
  /**
   * Source tables a schema change stopped this run (0: none): a dropped or retyped catalogue
   * column, one resized past what the warehouse holds, or a new or resized column under
   * `freeze` (alarmed).
   */
  SchemaChangeStoppedTables: { unit: 'Count', stages: ['ingest'] },
  /** Keys the source no longer has, landed as tombstones by a deletes reconciliation. */
  TombstonesLanded: { unit: 'Count', stages: ['ingest'] },
  /**
   * A gauge, once per run that could reconcile deletes: the keys the guard holds across every
   * table until an operator confirms them (alarmed at 1 or more; status lists them).
   */
  DeletesHeld: { unit: 'Count', stages: ['ingest'] },
  /** Warehouse rows written to Parquet by a batch. */
  RowsTransformed: { unit: 'Count', stages: ['transform'] },
  /** Landing objects of a batch refused and set aside. */
  QuarantinedObjects: { unit: 'Count', stages: ['transform'] },
  /** Source rows of a batch set aside for a value the warehouse cannot hold. */
  QuarantinedRows: { unit: 'Count', stages: ['transform'] },
  /** Warehouse rows inserted or changed by a batch. */
  RowsLoaded: { unit: 'Count', stages: ['load'] },
  /** From the batch's landing to its load. */
  BatchLagSeconds: { unit: 'Seconds', stages: ['load'] },
  /** Age of the newest source time the warehouse is complete up to, once per invocation. */
  WarehouseFreshnessSeconds: { unit: 'Seconds', stages: ['load'] },
  /** 1 per batch refused because its counts do not agree from stage to stage (alarmed). */
  ReconciliationMismatch: { unit: 'Count', stages: ['load'] },
  /** Earlier batches of the day a stage skipped over (warned, not alarmed). */
  BatchSequenceGap: { unit: 'Count', stages: ['load'] },
  /**
   * A gauge, once per invocation: the batches parked at the stage for a missing object and
   * neither replayed nor purged (alarmed at 1 or more; status lists them).
   */
  ParkedBatches: { unit: 'Count', stages: ['transform', 'load'] },
  /**
   * 1 per invocation that stopped at a fatal error (a configuration or code fault): answered, not
   * retried nor dead-lettered; alarmed per stage.
   */
  FatalErrors: { unit: 'Count', stages: ['ingest', 'transform', 'load'] },
  /** One batch of the stage, start to finish. */
  StageDurationMs: { unit: 'Milliseconds', stages: ['ingest', 'transform', 'load'] },
} as const satisfies Record<string, MetricDeclaration>;

export type MetricName = keyof typeof METRICS;

/** The metrics `stage` emits. */
export type MetricOf<S extends StageName> = {
  [N in MetricName]: S extends (typeof METRICS)[N]['stages'][number] ? N : never;
}[MetricName];

/** One data point a stage emits; its unit is the metric's. */
export interface MetricPoint<S extends StageName> {
  readonly name: MetricOf<S>;
  readonly value: number;
}

/** Each stage's rows-moved metric, one line each on the dashboard. */
export const ROWS_MOVED: { readonly [S in StageName]: MetricOf<S> } = {
  ingest: 'RowsIngested',
  transform: 'RowsTransformed',
  load: 'RowsLoaded',
};
