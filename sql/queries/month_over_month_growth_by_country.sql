-- Month-over-month revenue growth by delivery country.
-- Question: in which countries are sales growing or shrinking, and which country leads each
--   month? Built on analytics.sales_by_month_country, so each order counts once (its latest
--   version) in the month it was placed.
-- Grain: one row per month x country x currency with sales. Currencies are kept apart: growth
--   and ranks compare like with like.
-- Columns:
--   month, country, currency_code, revenue
--   previous_month_revenue  revenue of the calendar month before; null when that month had no
--                           sales (LAG alone would silently compare with an older month)
--   growth_pct              100 * (revenue - previous) / previous, 1 decimal; null without a
--                           previous month
--   share_of_month_pct      the country's share of the month's revenue in that currency
--   rank_in_month           1 = the country with the most revenue that month, in that currency
WITH monthly AS (
  SELECT
    month,
    country,
    currency_code,
    revenue,
    lag(month) OVER w AS previous_month,
    lag(revenue) OVER w AS previous_revenue
  FROM analytics.sales_by_month_country
  WINDOW w AS (PARTITION BY country, currency_code ORDER BY month)
),
compared AS (
  SELECT
    month,
    country,
    currency_code,
    revenue,
    CASE
      WHEN previous_month = (month - interval '1 month')::date THEN previous_revenue
    END AS previous_month_revenue
  FROM monthly
)
SELECT
  month,
  country,
  currency_code,
  revenue,
  previous_month_revenue,
  round(100 * (revenue - previous_month_revenue) / nullif(previous_month_revenue, 0), 1)
    AS growth_pct,
  round(100 * revenue / nullif(sum(revenue) OVER (PARTITION BY month, currency_code), 0), 1)
    AS share_of_month_pct,
  rank() OVER (PARTITION BY month, currency_code ORDER BY revenue DESC) AS rank_in_month
FROM compared
ORDER BY month, currency_code, rank_in_month, country;
