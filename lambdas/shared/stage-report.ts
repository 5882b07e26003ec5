/**
 * What a stage tells its caller as it goes, through its one `onReport` hook: each batch run that
 * finished, each that failed, and what only that stage has to say (`Extra`). Each stage's
 * `metricsOf` turns a report into its metrics; the handler adds them, the local runner ignores them.
 */
export type StageReport<Run, Extra = never> =
  | { readonly kind: 'ran'; readonly run: Run }
  | { readonly kind: 'failed'; readonly batchId?: string; readonly error: unknown }
  | Extra;

/**
 * What a stage run by manifests reports: a {@link StageReport}, and once an S3 event is handled
 * the batches parked at it, neither replayed nor purged (a gauge: its alarm stays on until none).
 */
export type ManifestStageReport<Run, Extra = never> = StageReport<
  Run,
  { readonly kind: 'parked'; readonly batchIds: readonly string[] } | Extra
>;

/** The hook a stage reports through. */
export type OnReport<Report> = (report: Report) => void;

/** The batch a run is for, as a stage's `onBatch` hears it as the run starts (e.g. to key every log line). */
export interface BatchKeys {
  readonly batchId?: string;
  /** The input manifest's key, for the stages an S3 event starts. */
  readonly manifestKey?: string;
}
