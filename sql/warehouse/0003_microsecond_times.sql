-- Times and versions at the source's full precision. PostgreSQL keeps microseconds, and a source
-- whose columns are plain `timestamp` (not totesys's `timestamp(3)`) uses them: at milliseconds
-- the warehouse would differ from the source, and two versions of a row less than a millisecond
-- apart would collapse into one fact version. Widening loses nothing: every time(3) value is a
-- time(6) value.
--
-- Catalogue type time -> PostgreSQL time (microseconds); source_updated_at -> timestamp.
--
-- The current_* views read the fact times: they are dropped here (with the views built on them)
-- and the migration runner re-creates every view from sql/views after this migration.

DROP VIEW IF EXISTS analytics.current_sales_order CASCADE;
DROP VIEW IF EXISTS analytics.current_purchase_order CASCADE;
DROP VIEW IF EXISTS analytics.current_payment CASCADE;

ALTER TABLE fact_sales_order
  ALTER COLUMN created_time TYPE time,
  ALTER COLUMN last_updated_time TYPE time;
ALTER TABLE fact_purchase_order
  ALTER COLUMN created_time TYPE time,
  ALTER COLUMN last_updated_time TYPE time;
ALTER TABLE fact_payment
  ALTER COLUMN created_time TYPE time,
  ALTER COLUMN last_updated_time TYPE time;

ALTER TABLE dim_staff ALTER COLUMN source_updated_at TYPE timestamp;
ALTER TABLE dim_location ALTER COLUMN source_updated_at TYPE timestamp;
ALTER TABLE dim_currency ALTER COLUMN source_updated_at TYPE timestamp;
ALTER TABLE dim_design ALTER COLUMN source_updated_at TYPE timestamp;
ALTER TABLE dim_counterparty ALTER COLUMN source_updated_at TYPE timestamp;
ALTER TABLE dim_transaction ALTER COLUMN source_updated_at TYPE timestamp;
ALTER TABLE dim_payment_type ALTER COLUMN source_updated_at TYPE timestamp;

ALTER TABLE etl.load_log ALTER COLUMN newest_source_change TYPE timestamp;
