-- Revenue concentration by counterparty (a Pareto analysis).
-- Question: how dependent are we on a few customers? Which counterparties together make up the
--   first 80% of revenue in each currency?
-- Grain: one row per counterparty x currency with sales, latest version of each order.
-- Columns:
--   currency_code, counterparty_id, counterparty_legal_name, revenue
--   revenue_rank        1 = the biggest customer in that currency
--   cumulative_pct      running share of the currency's revenue, biggest customers first
--   in_top_80_pct       true while the customers ranked above this one hold less than 80%,
--                       i.e. this customer is needed to reach 80%
--   revenue_quartile    1 = top quarter of customers by revenue
WITH by_counterparty AS (
  SELECT
    c.currency_code,
    s.counterparty_id,
    cp.counterparty_legal_name,
    sum(s.revenue) AS revenue
  FROM analytics.current_sales_order s
  JOIN public.dim_counterparty cp ON cp.counterparty_id = s.counterparty_id
  JOIN public.dim_currency c ON c.currency_id = s.currency_id
  GROUP BY c.currency_code, s.counterparty_id, cp.counterparty_legal_name
),
running AS (
  SELECT
    *,
    rank() OVER w AS revenue_rank,
    -- ROWS, not the default RANGE: tied counterparties still accumulate one at a time.
    sum(revenue) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
    sum(revenue) OVER (PARTITION BY currency_code) AS total,
    ntile(4) OVER w AS revenue_quartile
  FROM by_counterparty
  WINDOW w AS (PARTITION BY currency_code ORDER BY revenue DESC, counterparty_id)
)
SELECT
  currency_code,
  counterparty_id,
  counterparty_legal_name,
  revenue,
  revenue_rank,
  round(100 * cumulative / nullif(total, 0), 1) AS cumulative_pct,
  (cumulative - revenue) < 0.8 * total AS in_top_80_pct,
  revenue_quartile
FROM running
ORDER BY currency_code, revenue_rank, counterparty_id;
