-- analytics.outstanding_payments_by_counterparty
-- Question: which counterparties have payments not yet made, in which direction, and how much?
--   A payment is outstanding when its latest version has paid = false; an earlier unpaid
--   version of a payment since paid does not count.
-- Grain: one row per counterparty x payment type x currency with at least one outstanding
--   payment. Payment type gives the direction (SALES_RECEIPT: they owe us; PURCHASE_PAYMENT: we
--   owe them), so amounts of different types are never added together.
-- Columns:
--   counterparty_id, counterparty_legal_name, counterparty_legal_country
--   payment_type_name     text
--   currency_code         text
--   payments              bigint   outstanding payments
--   outstanding_amount    numeric  sum of payment_amount, in currency_code
--   earliest_payment_date date     the oldest agreed payment date among them
--   latest_payment_date   date     the newest agreed payment date among them
CREATE OR REPLACE VIEW analytics.outstanding_payments_by_counterparty AS
SELECT
  p.counterparty_id,
  cp.counterparty_legal_name,
  cp.counterparty_legal_country,
  pt.payment_type_name,
  c.currency_code,
  count(*) AS payments,
  sum(p.payment_amount) AS outstanding_amount,
  min(p.payment_date) AS earliest_payment_date,
  max(p.payment_date) AS latest_payment_date
FROM analytics.current_payment p
JOIN public.dim_counterparty cp ON cp.counterparty_id = p.counterparty_id
JOIN public.dim_payment_type pt ON pt.payment_type_id = p.payment_type_id
JOIN public.dim_currency c ON c.currency_id = p.currency_id
WHERE NOT p.paid
GROUP BY
  p.counterparty_id,
  cp.counterparty_legal_name,
  cp.counterparty_legal_country,
  pt.payment_type_name,
  c.currency_code;
