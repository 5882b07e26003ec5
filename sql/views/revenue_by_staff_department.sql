-- analytics.revenue_by_staff_department
-- Question: which departments' staff bring in the sales? An order counts for the department
--   its salesperson is in now (dimensions are SCD type 1: a transfer moves past sales too).
-- Grain: one row per department (name + location) x currency, latest version of each order.
-- Columns:
--   department_name  text
--   location         text    the department's location (may be null)
--   currency_code    text
--   staff            bigint  salespeople of the department with at least one order
--   orders           bigint  sales orders
--   units            bigint  units sold
--   revenue          numeric sum of units_sold * unit_price, in currency_code
CREATE OR REPLACE VIEW analytics.revenue_by_staff_department AS
SELECT
  st.department_name,
  st.location,
  c.currency_code,
  count(DISTINCT s.sales_staff_id) AS staff,
  count(*) AS orders,
  sum(s.units_sold) AS units,
  sum(s.revenue) AS revenue
FROM analytics.current_sales_order s
JOIN public.dim_staff st ON st.staff_id = s.sales_staff_id
JOIN public.dim_currency c ON c.currency_id = s.currency_id
GROUP BY st.department_name, st.location, c.currency_code;
