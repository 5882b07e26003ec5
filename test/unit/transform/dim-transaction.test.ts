import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimTransaction } from '../../../lambdas/transform/tables';
import { expectEveryColumnChecked, transformErrorFrom, without } from './helpers';

const sale = {
  transaction_id: 1,
  transaction_type: 'SALE',
  sales_order_id: 2,
  purchase_order_id: null,
  created_at: '2022-11-03T14:20:52.186000Z',
  last_updated: '2022-11-03T14:20:52.186000Z',
};

describe('toDimTransaction', () => {
  it('keeps the null order id of the other kind, in the catalogue column order', () => {
    const purchase = {
      ...sale,
      transaction_id: 2,
      transaction_type: 'PURCHASE',
      sales_order_id: null,
      purchase_order_id: 5,
    };
    const rows = toDimTransaction([sale, purchase]);
    expect(rows).toEqual([
      {
        transaction_id: 1,
        transaction_type: 'SALE',
        sales_order_id: 2,
        purchase_order_id: null,
        source_updated_at: '2022-11-03T14:20:52.186000Z',
      },
      {
        transaction_id: 2,
        transaction_type: 'PURCHASE',
        sales_order_id: null,
        purchase_order_id: 5,
        source_updated_at: '2022-11-03T14:20:52.186000Z',
      },
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      ...DIMENSIONS.dim_transaction.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('refuses an order id that is not an integer', () => {
    expect(
      transformErrorFrom(() => toDimTransaction([{ ...sale, sales_order_id: '2' }])),
    ).toMatchObject({
      table: 'transaction',
      key: 1,
      column: 'sales_order_id',
    });
  });

  it('refuses a missing nullable column rather than guessing null', () => {
    expect(
      transformErrorFrom(() => toDimTransaction([without(sale, 'purchase_order_id')])).column,
    ).toBe('purchase_order_id');
  });

  it('checks and names every column it keeps', () => {
    expectEveryColumnChecked(
      sale,
      { table: 'transaction', keyColumn: 'transaction_id', unread: ['created_at'] },
      (drifted) => toDimTransaction([drifted]),
    );
  });
});
