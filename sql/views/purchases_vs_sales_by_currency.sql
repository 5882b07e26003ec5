-- analytics.purchases_vs_sales_by_currency
-- Question: per currency, do we sell more than we buy? A gross margin proxy before any
--   exchange-rate conversion, over all time, from the latest version of each order.
-- Grain: one row per currency with at least one sales or purchase order.
-- Columns:
--   currency_code, currency_name
--   sales_orders     bigint   sales orders (0 when none)
--   sales_revenue    numeric  sum of units_sold * unit_price (0 when none)
--   purchase_orders  bigint   purchase orders (0 when none)
--   purchase_cost    numeric  sum of item_quantity * item_unit_price (0 when none)
--   net              numeric  sales_revenue - purchase_cost
CREATE OR REPLACE VIEW analytics.purchases_vs_sales_by_currency AS
WITH sales AS (
  SELECT currency_id, count(*) AS orders, sum(revenue) AS revenue
  FROM analytics.current_sales_order
  GROUP BY currency_id
),
purchases AS (
  SELECT currency_id, count(*) AS orders, sum(cost) AS cost
  FROM analytics.current_purchase_order
  GROUP BY currency_id
)
SELECT
  c.currency_code,
  c.currency_name,
  coalesce(s.orders, 0) AS sales_orders,
  coalesce(s.revenue, 0) AS sales_revenue,
  coalesce(p.orders, 0) AS purchase_orders,
  coalesce(p.cost, 0) AS purchase_cost,
  coalesce(s.revenue, 0) - coalesce(p.cost, 0) AS net
FROM public.dim_currency c
LEFT JOIN sales s ON s.currency_id = c.currency_id
LEFT JOIN purchases p ON p.currency_id = c.currency_id
WHERE s.currency_id IS NOT NULL OR p.currency_id IS NOT NULL;
