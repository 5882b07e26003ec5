/**
 * Rows per source table per batch unless `deliverance:maxBatchRows` (CDK context) or
 * `DELIVERANCE_MAX_BATCH_ROWS` (local runs) says otherwise. At the measured rates (about 150k
 * rows/s per stage, docs/benchmarks.md, "Bounded batches") a batch of five tables at the cap is
 * 10M rows: about 70 s of a 5-minute load or ingest and 90 s of a 15-minute transform, about
 * 110 MB of Parquet in /tmp, with memory flat because every stage streams. It equals the
 * ingest's rows per landing object, so a capped table lands as one object.
 */
export const DEFAULT_MAX_BATCH_ROWS = 2_000_000;
