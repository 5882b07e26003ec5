import { FACTS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toFactSalesOrder } from '../../../lambdas/transform/tables';
import { transformErrorFrom, without } from './helpers';

const order = {
  sales_order_id: 2,
  created_at: '2024-03-01T09:15:02.123000Z',
  last_updated: '2024-03-01T09:15:02.123000Z',
  design_id: 3,
  staff_id: 19,
  counterparty_id: 8,
  units_sold: 42972,
  unit_price: '3.94',
  currency_id: 2,
  agreed_delivery_date: '2024-03-07',
  agreed_payment_date: '2024-03-08',
  agreed_delivery_location_id: 8,
};

describe('toFactSalesOrder', () => {
  it('splits timestamps, renames staff_id and keeps the catalogue column order', () => {
    const [row] = toFactSalesOrder([order]);
    expect(row).toEqual({
      sales_order_id: 2,
      created_date: '2024-03-01',
      created_time: '09:15:02.123000',
      last_updated_date: '2024-03-01',
      last_updated_time: '09:15:02.123000',
      sales_staff_id: 19,
      counterparty_id: 8,
      units_sold: 42972,
      unit_price: '3.94',
      currency_id: 2,
      design_id: 3,
      agreed_payment_date: '2024-03-08',
      agreed_delivery_date: '2024-03-07',
      agreed_delivery_location_id: 8,
    });
    expect(Object.keys(row ?? {})).toEqual(FACTS.fact_sales_order.columns.map((c) => c.name));
  });

  it('writes unscaled prices with two decimals', () => {
    const prices = toFactSalesOrder([
      { ...order, sales_order_id: 1, unit_price: '12.5' },
      { ...order, sales_order_id: 2, unit_price: '1200' },
      { ...order, sales_order_id: 3, unit_price: '0.010' },
    ]).map((r) => r.unit_price);
    expect(prices).toEqual(['12.50', '1200.00', '0.01']);
  });

  it('keeps one row per version: an order updated twice gives three rows, an exact duplicate none more', () => {
    const v1 = order;
    const v2 = { ...order, units_sold: 100, last_updated: '2024-03-02T10:00:00.000000Z' };
    const v3 = { ...order, units_sold: 200, last_updated: '2024-03-03T11:30:00.500000Z' };
    expect(toFactSalesOrder([v1, v2, v3])).toHaveLength(3);
    const rows = toFactSalesOrder([v1, v2, v3, { ...v2 }]);
    expect(rows.map((r) => [r.last_updated_date, r.last_updated_time, r.units_sold])).toEqual([
      ['2024-03-01', '09:15:02.123000', 42972],
      ['2024-03-02', '10:00:00.000000', 100],
      ['2024-03-03', '11:30:00.500000', 200],
    ]);
  });

  it('keeps the later occurrence of an exact duplicate', () => {
    const rows = toFactSalesOrder([order, { ...order, unit_price: '4.00' }]);
    expect(rows.map((r) => r.unit_price)).toEqual(['4.00']);
  });

  it('dedupes orders with sparse or large ids as well as dense ones', () => {
    const big = { ...order, sales_order_id: 2_000_000_000 };
    expect(toFactSalesOrder([big, order, { ...big }])).toHaveLength(2);
  });

  it('ignores columns it does not know', () => {
    const withExtra = { ...order, discount_code: 'SPRING' };
    const [row] = toFactSalesOrder([withExtra]);
    expect(row).not.toHaveProperty('discount_code');
  });

  it('names the column of a malformed agreed date', () => {
    const error = transformErrorFrom(() =>
      toFactSalesOrder([{ ...order, agreed_delivery_date: '2024-02-30' }]),
    );
    expect(error).toMatchObject({
      table: 'sales_order',
      key: 2,
      column: 'agreed_delivery_date',
    });
  });

  it('names the column of a value of the wrong type', () => {
    expect(
      transformErrorFrom(() => toFactSalesOrder([{ ...order, units_sold: 'abc' }])),
    ).toMatchObject({
      key: 2,
      column: 'units_sold',
    });
    expect(
      transformErrorFrom(() => toFactSalesOrder([{ ...order, unit_price: null }])).column,
    ).toBe('unit_price');
  });

  it.each(Object.keys(order))('names the missing column %s', (column) => {
    expect(transformErrorFrom(() => toFactSalesOrder([without(order, column)])).column).toBe(
      column,
    );
  });

  it('returns nothing for nothing', () => {
    expect(toFactSalesOrder([])).toEqual([]);
  });
});
