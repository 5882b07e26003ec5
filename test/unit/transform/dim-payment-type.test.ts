import { DIMENSIONS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimPaymentType } from '../../../lambdas/transform/tables';
import { expectEveryColumnChecked, transformErrorFrom } from './helpers';

const paymentType = (payment_type_id: number, payment_type_name: string, last_updated: string) => ({
  payment_type_id,
  payment_type_name,
  created_at: '2022-11-03T14:20:49.962000Z',
  last_updated,
});

describe('toDimPaymentType', () => {
  it('copies payment types, in the catalogue column order', () => {
    const rows = toDimPaymentType([
      paymentType(1, 'SALES_RECEIPT', '2022-11-03T14:20:49.962000Z'),
      paymentType(2, 'SALES_REFUND', '2022-11-03T14:20:49.962000Z'),
    ]);
    expect(rows[0]).toEqual({
      payment_type_id: 1,
      payment_type_name: 'SALES_RECEIPT',
      source_updated_at: '2022-11-03T14:20:49.962000Z',
    });
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      ...DIMENSIONS.dim_payment_type.columns.map((c) => c.name),
      'source_updated_at',
    ]);
  });

  it('keeps the newest version of a payment type', () => {
    const rows = toDimPaymentType([
      paymentType(3, 'PURCHASE_PAYMENT', '2024-01-01T00:00:00.000000Z'),
      paymentType(3, 'PURCHASE_PAYMNT', '2022-11-03T14:20:49.962000Z'),
    ]);
    expect(rows.map((r) => r.payment_type_name)).toEqual(['PURCHASE_PAYMENT']);
  });

  it('refuses a malformed last_updated, naming it', () => {
    expect(
      transformErrorFrom(() =>
        toDimPaymentType([paymentType(4, 'PURCHASE_REFUND', '2024-01-01 00:00:00')]),
      ),
    ).toMatchObject({ table: 'payment_type', key: 4, column: 'last_updated' });
  });

  it('checks and names every column it keeps', () => {
    expectEveryColumnChecked(
      paymentType(1, 'SALES_RECEIPT', '2022-11-03T14:20:49.962000Z'),
      { table: 'payment_type', keyColumn: 'payment_type_id', unread: ['created_at'] },
      (drifted) => toDimPaymentType([drifted]),
    );
  });
});
