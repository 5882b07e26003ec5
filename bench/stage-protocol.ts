import type { PipelineSettings } from '../local/pipeline-context';

export type StageName = 'ingest' | 'transform' | 'load';

export type StageRequest =
  | {
      stage: 'ingest';
      pipeline: PipelineSettings;
      overlapSeconds: number;
      /** Rows per source table per batch (runIngest's maxBatchRows). */
      maxBatchRows: number;
    }
  | { stage: 'transform' | 'load'; pipeline: PipelineSettings; manifestKey: string };

export interface StageResult {
  readonly stage: StageName;
  readonly seconds: number;
  readonly rows: number;
  readonly peakRssMb: number;
  /** Milliseconds per phase, as the stage's phase-timer hook recorded them. */
  readonly phases: Record<string, number>;
  /** The manifest the stage wrote (ingest, transform) or read (load). */
  readonly manifestKey: string;
  readonly extra: Record<string, number>;
  /** Ingest only: IngestResult.caughtUp, false while a backlog is left for the next batch. */
  readonly caughtUp?: boolean;
}

export const RESULT_PREFIX = 'BENCH-RESULT ';
