-- analytics.current_sales_order
-- Question: what does each sales order look like now? fact_sales_order keeps every version of
--   an order (history), so summing it directly counts an updated order more than once; every
--   sales view builds on this one instead.
-- Grain: one row per sales_order_id, its latest version (greatest last_updated date + time).
-- Columns: those of fact_sales_order, plus revenue = units_sold * unit_price, in the order's
--   currency (never add revenue across currencies).
-- Deleted: a sales_order_id the source no longer has is left out. Its versions are kept in
--   fact_sales_order, marked with source_deleted_at; the current version is chosen first, so
--   a key deleted and re-inserted shows its new version (docs/guarantees.md, "Deletes").
CREATE OR REPLACE VIEW analytics.current_sales_order AS
SELECT
  f.sales_record_id,
  f.sales_order_id,
  f.created_date,
  f.created_time,
  f.last_updated_date,
  f.last_updated_time,
  f.sales_staff_id,
  f.counterparty_id,
  f.units_sold,
  f.unit_price,
  f.currency_id,
  f.design_id,
  f.agreed_payment_date,
  f.agreed_delivery_date,
  f.agreed_delivery_location_id,
  f.units_sold * f.unit_price AS revenue
FROM (
  SELECT DISTINCT ON (f.sales_order_id) *
  FROM public.fact_sales_order f
  ORDER BY f.sales_order_id, f.last_updated_date DESC, f.last_updated_time DESC
) f
WHERE f.source_deleted_at IS NULL;
