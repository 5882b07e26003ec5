import type { PipelineSettings } from '../local/pipeline-context';

export type StageName = 'ingest' | 'transform' | 'load';

export type StageRequest =
  | { stage: 'ingest'; pipeline: PipelineSettings; overlapSeconds: number }
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
}

export const RESULT_PREFIX = 'BENCH-RESULT ';
