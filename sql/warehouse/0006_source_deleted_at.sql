-- When the source was seen without a row's key (contract/source-deletes.ts): NULL while the
-- source has it. Rows are kept, never deleted: a fact keeps every version, each marked with the
-- time its key was seen gone, and the analyst views leave marked rows out. Bookkeeping beside
-- the catalogue's columns, like source_updated_at; dim_date has no source row and none.
--
-- The load (lambdas/load/apply-deletes.ts) sets it, after the batch's upserts and in its
-- transaction, on the rows of each tombstoned key that are not marked yet and whose version is
-- not newer than the tombstone; a dimension's upsert of a newer version sets it back to NULL.
-- A timestamptz holding the tombstone's deletedAt, read on the source's clock like the version
-- stamps it is compared with (source_updated_at, a fact's last_updated date and time).

ALTER TABLE dim_staff ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE dim_location ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE dim_currency ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE dim_design ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE dim_counterparty ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE dim_transaction ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE dim_payment_type ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE fact_sales_order ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE fact_purchase_order ADD COLUMN source_deleted_at timestamptz;
ALTER TABLE fact_payment ADD COLUMN source_deleted_at timestamptz;
