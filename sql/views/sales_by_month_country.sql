-- analytics.sales_by_month_country
-- Question: how much do we sell each month, and where to? Country is that of the agreed
--   delivery location (where the bags go), not the counterparty's legal address; month is the
--   month the order was placed (created_date).
-- Grain: one row per month x delivery country x currency. Revenue is never converted, so it is
--   split by currency; compare countries within one currency.
-- Columns:
--   month          date    first day of the month
--   country        text    dim_location.country of the delivery location
--   currency_code  text    e.g. GBP
--   orders         bigint  sales orders placed (latest version of each; updates don't count twice)
--   units          bigint  units sold
--   revenue        numeric sum of units_sold * unit_price, in currency_code
CREATE OR REPLACE VIEW analytics.sales_by_month_country AS
SELECT
  make_date(d.year, d.month, 1) AS month,
  l.country,
  c.currency_code,
  count(*) AS orders,
  sum(s.units_sold) AS units,
  sum(s.revenue) AS revenue
FROM analytics.current_sales_order s
JOIN public.dim_date d ON d.date_id = s.created_date
JOIN public.dim_location l ON l.location_id = s.agreed_delivery_location_id
JOIN public.dim_currency c ON c.currency_id = s.currency_id
GROUP BY make_date(d.year, d.month, 1), l.country, c.currency_code;
