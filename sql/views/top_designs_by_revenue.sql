-- analytics.top_designs_by_revenue
-- Question: which designs earn the most? Filter `WHERE revenue_rank <= 10` for a top ten.
-- Grain: one row per design x currency, over all time, from the latest version of each order.
-- Columns:
--   design_id, design_name
--   currency_code  text
--   orders         bigint  sales orders of the design
--   units          bigint  units sold
--   revenue        numeric sum of units_sold * unit_price, in currency_code
--   revenue_rank   bigint  1 = the design with the most revenue in that currency (ties share a
--                          rank)
CREATE OR REPLACE VIEW analytics.top_designs_by_revenue AS
SELECT
  g.design_id,
  g.design_name,
  g.currency_code,
  g.orders,
  g.units,
  g.revenue,
  rank() OVER (PARTITION BY g.currency_code ORDER BY g.revenue DESC) AS revenue_rank
FROM (
  SELECT
    s.design_id,
    ds.design_name,
    c.currency_code,
    count(*) AS orders,
    sum(s.units_sold) AS units,
    sum(s.revenue) AS revenue
  FROM analytics.current_sales_order s
  JOIN public.dim_design ds ON ds.design_id = s.design_id
  JOIN public.dim_currency c ON c.currency_id = s.currency_id
  GROUP BY s.design_id, ds.design_name, c.currency_code
) g;
