-- analytics.current_payment
-- Question: what is the current state of each payment, in particular is it paid yet? In
--   totesys `paid` is the column that changes, so the history in fact_payment holds an unpaid
--   version of nearly every paid payment: only the latest version says whether it is settled.
-- Grain: one row per payment_id, its latest version.
-- Columns: those of fact_payment.
-- Deleted: a payment_id the source no longer has is left out. Its versions are kept in
--   fact_payment, marked with source_deleted_at; the current version is chosen first, so
--   a key deleted and re-inserted shows its new version (docs/guarantees.md, "Deletes").
CREATE OR REPLACE VIEW analytics.current_payment AS
SELECT
  f.payment_record_id,
  f.payment_id,
  f.created_date,
  f.created_time,
  f.last_updated_date,
  f.last_updated_time,
  f.transaction_id,
  f.counterparty_id,
  f.payment_amount,
  f.currency_id,
  f.payment_type_id,
  f.paid,
  f.payment_date
FROM (
  SELECT DISTINCT ON (f.payment_id) *
  FROM public.fact_payment f
  ORDER BY f.payment_id, f.last_updated_date DESC, f.last_updated_time DESC
) f
WHERE f.source_deleted_at IS NULL;
