-- analytics.current_purchase_order
-- Question: what does each purchase order look like now? (fact_purchase_order keeps every
--   version; see current_sales_order for why the views read this instead.)
-- Grain: one row per purchase_order_id, its latest version.
-- Columns: those of fact_purchase_order, plus cost = item_quantity * item_unit_price, in the
--   order's currency.
-- Deleted: a purchase_order_id the source no longer has is left out. Its versions are kept in
--   fact_purchase_order, marked with source_deleted_at; the current version is chosen first, so
--   a key deleted and re-inserted shows its new version (docs/guarantees.md, "Deletes").
CREATE OR REPLACE VIEW analytics.current_purchase_order AS
SELECT
  f.purchase_record_id,
  f.purchase_order_id,
  f.created_date,
  f.created_time,
  f.last_updated_date,
  f.last_updated_time,
  f.staff_id,
  f.counterparty_id,
  f.item_code,
  f.item_quantity,
  f.item_unit_price,
  f.currency_id,
  f.agreed_delivery_date,
  f.agreed_payment_date,
  f.agreed_delivery_location_id,
  f.item_quantity * f.item_unit_price AS cost
FROM (
  SELECT DISTINCT ON (f.purchase_order_id) *
  FROM public.fact_purchase_order f
  ORDER BY f.purchase_order_id, f.last_updated_date DESC, f.last_updated_time DESC
) f
WHERE f.source_deleted_at IS NULL;
