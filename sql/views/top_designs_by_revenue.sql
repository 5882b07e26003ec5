-- analytics.top_designs_by_revenue
-- Question: which designs earn the most? Filter `WHERE revenue_rank <= 10` for a top ten: ten
--   designs whenever a currency has ten. Designs are told apart by design_id: totesys repeats
--   design names, so never group or rank by design_name.
-- Grain: one row per design x currency, over all time, from the latest version of each order.
-- Columns:
--   design_id, design_name
--   currency_code  text
--   orders         bigint  sales orders of the design
--   units          bigint  units sold
--   revenue        numeric sum of units_sold * unit_price, in currency_code
--   revenue_rank   bigint  1 = the design with the most revenue in that currency; designs with
--                          equal revenue are ranked by design_id, so every rank is one design
CREATE OR REPLACE VIEW analytics.top_designs_by_revenue AS
SELECT
  g.design_id,
  g.design_name,
  g.currency_code,
  g.orders,
  g.units,
  g.revenue,
  row_number() OVER (PARTITION BY g.currency_code ORDER BY g.revenue DESC, g.design_id)
    AS revenue_rank
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
