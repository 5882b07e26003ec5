-- The star schema of SCHEMA.md, in schema public. Column names, types and nullability follow
-- lambdas/shared/core/warehouse-catalogue.ts exactly (the load stage builds its SQL from it and
-- test/integration/warehouse-schema.test.ts compares the two), so change both together, and
-- only through a new numbered migration: an applied file's checksum may never change.
--
-- Catalogue type -> PostgreSQL: integer -> int, text -> text, decimal -> numeric(10,2),
-- date -> date, time -> time(3) (the source keeps milliseconds), boolean -> boolean.

-- ---------------------------------------------------------------------------------------------
-- Dimensions: SCD type 1, one row per natural key.
--
-- Every dimension but dim_date carries source_updated_at: the newest source last_updated that
-- contributed to the row (for a denormalised row such as dim_staff, the newest of staff and
-- department). Batches can be loaded out of order (a re-run, a retried Lambda), so the load
-- stage must never let an older version overwrite a newer one. It upserts with
--
--   INSERT INTO dim_x (...) VALUES (...)
--   ON CONFLICT (x_id) DO UPDATE SET ... = excluded....
--   WHERE dim_x.source_updated_at < excluded.source_updated_at
--     AND (dim_x.col_1, ...) IS DISTINCT FROM (excluded.col_1, ...)
--
-- The first condition makes loads order-independent; the second skips no-op updates so a
-- replayed batch writes no dead tuples. dim_date is derived from the calendar alone and never
-- changes, so it needs no such column (ON CONFLICT DO NOTHING).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE dim_date (
  date_id date PRIMARY KEY,
  year int NOT NULL,
  month int NOT NULL CHECK (month BETWEEN 1 AND 12),
  day int NOT NULL CHECK (day BETWEEN 1 AND 31),
  -- ISO numbering (1 = Monday ... 7 = Sunday), as extract(isodow ...) gives it.
  day_of_week int NOT NULL CHECK (day_of_week BETWEEN 1 AND 7),
  day_name text NOT NULL,
  month_name text NOT NULL,
  quarter int NOT NULL CHECK (quarter BETWEEN 1 AND 4)
);

CREATE TABLE dim_staff (
  staff_id int PRIMARY KEY,
  first_name text NOT NULL,
  last_name text NOT NULL,
  department_name text NOT NULL,
  location text,
  email_address text NOT NULL,
  source_updated_at timestamp(3) NOT NULL
);

CREATE TABLE dim_location (
  location_id int PRIMARY KEY,
  address_line_1 text NOT NULL,
  address_line_2 text,
  district text,
  city text NOT NULL,
  postal_code text NOT NULL,
  country text NOT NULL,
  phone text NOT NULL,
  source_updated_at timestamp(3) NOT NULL
);

CREATE TABLE dim_currency (
  currency_id int PRIMARY KEY,
  currency_code text NOT NULL,
  currency_name text NOT NULL,
  source_updated_at timestamp(3) NOT NULL
);

CREATE TABLE dim_design (
  design_id int PRIMARY KEY,
  design_name text NOT NULL,
  file_location text NOT NULL,
  file_name text NOT NULL,
  source_updated_at timestamp(3) NOT NULL
);

CREATE TABLE dim_counterparty (
  counterparty_id int PRIMARY KEY,
  counterparty_legal_name text NOT NULL,
  counterparty_legal_address_line_1 text NOT NULL,
  counterparty_legal_address_line_2 text,
  counterparty_legal_district text,
  counterparty_legal_city text NOT NULL,
  counterparty_legal_postal_code text NOT NULL,
  counterparty_legal_country text NOT NULL,
  counterparty_legal_phone_number text NOT NULL,
  source_updated_at timestamp(3) NOT NULL
);

-- sales_order_id / purchase_order_id are deliberately not foreign keys: the facts are keyed by
-- version (record id), not by source id, so there is nothing unique to reference.
CREATE TABLE dim_transaction (
  transaction_id int PRIMARY KEY,
  transaction_type text NOT NULL,
  sales_order_id int,
  purchase_order_id int,
  source_updated_at timestamp(3) NOT NULL
);

CREATE TABLE dim_payment_type (
  payment_type_id int PRIMARY KEY,
  payment_type_name text NOT NULL,
  source_updated_at timestamp(3) NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Facts: history kept, one row per version of a source row. The UNIQUE version key is what the
-- load stage's ON CONFLICT DO NOTHING targets, so loading the same version twice adds nothing.
-- Its index leads with the source id, which also serves the analysts' "latest version"
-- queries (DISTINCT ON (source id) ORDER BY last_updated_date DESC, last_updated_time DESC)
-- with a backward index scan.
--
-- PostgreSQL does not index referencing columns by itself; the indexes below cover the
-- dimensions analysts slice by (see sql/views). Others are left out on purpose: each index
-- slows every load, and a small dimension such as dim_currency joins fine by hash.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE fact_sales_order (
  sales_record_id bigserial PRIMARY KEY,
  sales_order_id int NOT NULL,
  created_date date NOT NULL REFERENCES dim_date (date_id),
  created_time time(3) NOT NULL,
  last_updated_date date NOT NULL REFERENCES dim_date (date_id),
  last_updated_time time(3) NOT NULL,
  sales_staff_id int NOT NULL REFERENCES dim_staff (staff_id),
  counterparty_id int NOT NULL REFERENCES dim_counterparty (counterparty_id),
  units_sold int NOT NULL,
  unit_price numeric(10, 2) NOT NULL,
  currency_id int NOT NULL REFERENCES dim_currency (currency_id),
  design_id int NOT NULL REFERENCES dim_design (design_id),
  agreed_payment_date date NOT NULL REFERENCES dim_date (date_id),
  agreed_delivery_date date NOT NULL REFERENCES dim_date (date_id),
  agreed_delivery_location_id int NOT NULL REFERENCES dim_location (location_id),
  CONSTRAINT fact_sales_order_version_key
    UNIQUE (sales_order_id, last_updated_date, last_updated_time)
);

CREATE INDEX fact_sales_order_created_date_idx ON fact_sales_order (created_date);
CREATE INDEX fact_sales_order_sales_staff_id_idx ON fact_sales_order (sales_staff_id);
CREATE INDEX fact_sales_order_counterparty_id_idx ON fact_sales_order (counterparty_id);
CREATE INDEX fact_sales_order_design_id_idx ON fact_sales_order (design_id);
CREATE INDEX fact_sales_order_agreed_delivery_location_id_idx
  ON fact_sales_order (agreed_delivery_location_id);

CREATE TABLE fact_purchase_order (
  purchase_record_id bigserial PRIMARY KEY,
  purchase_order_id int NOT NULL,
  created_date date NOT NULL REFERENCES dim_date (date_id),
  created_time time(3) NOT NULL,
  last_updated_date date NOT NULL REFERENCES dim_date (date_id),
  last_updated_time time(3) NOT NULL,
  staff_id int NOT NULL REFERENCES dim_staff (staff_id),
  counterparty_id int NOT NULL REFERENCES dim_counterparty (counterparty_id),
  item_code text NOT NULL,
  item_quantity int NOT NULL,
  item_unit_price numeric(10, 2) NOT NULL,
  currency_id int NOT NULL REFERENCES dim_currency (currency_id),
  agreed_delivery_date date NOT NULL REFERENCES dim_date (date_id),
  agreed_payment_date date NOT NULL REFERENCES dim_date (date_id),
  agreed_delivery_location_id int NOT NULL REFERENCES dim_location (location_id),
  CONSTRAINT fact_purchase_order_version_key
    UNIQUE (purchase_order_id, last_updated_date, last_updated_time)
);

CREATE INDEX fact_purchase_order_created_date_idx ON fact_purchase_order (created_date);
CREATE INDEX fact_purchase_order_staff_id_idx ON fact_purchase_order (staff_id);
CREATE INDEX fact_purchase_order_counterparty_id_idx ON fact_purchase_order (counterparty_id);

CREATE TABLE fact_payment (
  payment_record_id bigserial PRIMARY KEY,
  payment_id int NOT NULL,
  created_date date NOT NULL REFERENCES dim_date (date_id),
  created_time time(3) NOT NULL,
  last_updated_date date NOT NULL REFERENCES dim_date (date_id),
  last_updated_time time(3) NOT NULL,
  transaction_id int NOT NULL REFERENCES dim_transaction (transaction_id),
  counterparty_id int NOT NULL REFERENCES dim_counterparty (counterparty_id),
  payment_amount numeric(10, 2) NOT NULL,
  currency_id int NOT NULL REFERENCES dim_currency (currency_id),
  payment_type_id int NOT NULL REFERENCES dim_payment_type (payment_type_id),
  paid boolean NOT NULL,
  payment_date date NOT NULL REFERENCES dim_date (date_id),
  CONSTRAINT fact_payment_version_key UNIQUE (payment_id, last_updated_date, last_updated_time)
);

CREATE INDEX fact_payment_transaction_id_idx ON fact_payment (transaction_id);
CREATE INDEX fact_payment_counterparty_id_idx ON fact_payment (counterparty_id);
CREATE INDEX fact_payment_payment_date_idx ON fact_payment (payment_date);

COMMENT ON TABLE fact_sales_order IS
  'One row per version of a totesys sales_order; use analytics.current_sales_order for the latest.';
COMMENT ON TABLE fact_purchase_order IS
  'One row per version of a totesys purchase_order; use analytics.current_purchase_order for the latest.';
COMMENT ON TABLE fact_payment IS
  'One row per version of a totesys payment; use analytics.current_payment for the latest.';

-- ---------------------------------------------------------------------------------------------
-- Pipeline bookkeeping. The load stage inserts its batch here in the same transaction as the
-- rows, so "is batch X loaded?" and "are its rows there?" can never disagree, and a re-delivered
-- event finds the batch id and does nothing. newest_source_change feeds the
-- WarehouseFreshnessSeconds metric and `deliverance status`.
-- ---------------------------------------------------------------------------------------------

CREATE SCHEMA IF NOT EXISTS etl;

CREATE TABLE etl.load_log (
  batch_id text PRIMARY KEY,
  loaded_at timestamptz NOT NULL DEFAULT now(),
  -- Rows written per warehouse table, e.g. {"dim_staff": 3, "fact_sales_order": 120}.
  rows jsonb NOT NULL,
  newest_source_change timestamp(3)
);
