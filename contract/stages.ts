/** The pipeline's stages, in the order a batch passes through them. */
export const STAGES = ['ingest', 'transform', 'load'] as const;

/** A stage: its function's Powertools service name, and its metrics' `service` dimension. */
export type StageName = (typeof STAGES)[number];
