import { FACTS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toFactPurchaseOrder } from '../../../lambdas/transform/tables';
import { transformErrorFrom, without } from './helpers';

const order = {
  purchase_order_id: 5,
  created_at: '2023-12-31T23:59:59.999000Z',
  last_updated: '2024-01-01T00:00:00.001000Z',
  staff_id: 4,
  counterparty_id: 11,
  item_code: 'ZDOI5EA',
  item_quantity: 371,
  item_unit_price: '361.39',
  currency_id: 1,
  agreed_delivery_date: '2024-01-09',
  agreed_payment_date: '2024-01-10',
  agreed_delivery_location_id: 6,
};

describe('toFactPurchaseOrder', () => {
  it('shapes a purchase order in the catalogue column order', () => {
    const [row] = toFactPurchaseOrder([order]);
    expect(row).toEqual({
      purchase_order_id: 5,
      created_date: '2023-12-31',
      created_time: '23:59:59.999000',
      last_updated_date: '2024-01-01',
      last_updated_time: '00:00:00.001000',
      staff_id: 4,
      counterparty_id: 11,
      item_code: 'ZDOI5EA',
      item_quantity: 371,
      item_unit_price: '361.39',
      currency_id: 1,
      agreed_delivery_date: '2024-01-09',
      agreed_payment_date: '2024-01-10',
      agreed_delivery_location_id: 6,
    });
    expect(Object.keys(row ?? {})).toEqual(FACTS.fact_purchase_order.columns.map((c) => c.name));
  });

  it('writes an unscaled numeric price with two decimals', () => {
    const [row] = toFactPurchaseOrder([{ ...order, item_unit_price: '3.5' }]);
    expect(row?.item_unit_price).toBe('3.50');
  });

  it('keeps every version once, however often the overlap window re-read it', () => {
    const v2 = { ...order, item_quantity: 1, last_updated: '2024-01-02T08:00:00.000000Z' };
    expect(toFactPurchaseOrder([order, v2, { ...order }, { ...v2 }])).toHaveLength(2);
  });

  it('names the column of an item_quantity that is not an integer', () => {
    expect(
      transformErrorFrom(() => toFactPurchaseOrder([{ ...order, item_quantity: 3.5 }])),
    ).toMatchObject({
      table: 'purchase_order',
      key: 5,
      column: 'item_quantity',
    });
  });

  it.each(Object.keys(order))('names the missing column %s', (column) => {
    expect(transformErrorFrom(() => toFactPurchaseOrder([without(order, column)])).column).toBe(
      column,
    );
  });
});
