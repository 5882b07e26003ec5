/**
 * Rows per source table per batch unless `deliverance:maxBatchRows` (CDK context) or
 * `DELIVERANCE_MAX_BATCH_ROWS` (local runs) says otherwise. Sized by the slowest path a batch
 * can take: after a backfill's first batch the warehouse tables are no longer empty, so the load
 * upserts through staging and `INSERT … ON CONFLICT`, measured at 8–25k rows/s here (a 500,000-row
 * batch took up to 61 s, a fifth of the 5-minute load; docs/benchmarks.md, "Bounded batches").
 * Memory is flat whatever the cap, because every stage streams.
 */
export const DEFAULT_MAX_BATCH_ROWS = 500_000;

/**
 * How far past the source's clock a row's `last_updated` may be before ingest reports it as
 * future-stamped, unless `deliverance:futureToleranceSeconds` says otherwise: a commit's own
 * `now()` is never past the clock, so anything beyond is a wrong stamp; five minutes leaves room
 * for a writer's clock a little ahead without crying wolf.
 */
export const DEFAULT_FUTURE_TOLERANCE_SECONDS = 300;
