-- The batch that brought each dimension row's current version: the tiebreak when two batches
-- bring the same source_updated_at with different values (a row changed twice within one
-- source timestamp). The later batch wins (batch ids sort by the time they were cut), whatever
-- order the batches are loaded in, so `replay --force` of an older batch cannot revert a
-- dimension. NULL: written before this migration; any batch wins a tie over it, as before.
--
-- The load's upsert (lambdas/load/upsert-sql.ts) overwrites a row only where
--   (d.source_updated_at, COALESCE(d.source_batch_id, '')) <= (excluded.source_updated_at, excluded.source_batch_id)
-- and a value or the version differs.

ALTER TABLE dim_staff ADD COLUMN source_batch_id text;
ALTER TABLE dim_location ADD COLUMN source_batch_id text;
ALTER TABLE dim_currency ADD COLUMN source_batch_id text;
ALTER TABLE dim_design ADD COLUMN source_batch_id text;
ALTER TABLE dim_counterparty ADD COLUMN source_batch_id text;
ALTER TABLE dim_transaction ADD COLUMN source_batch_id text;
ALTER TABLE dim_payment_type ADD COLUMN source_batch_id text;
