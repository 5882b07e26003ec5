import { FACTS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { toFactPayment } from '../../../lambdas/transform/tables';
import { transformErrorFrom, without } from './helpers';

const payment = {
  payment_id: 9,
  created_at: '2024-03-01T09:15:02.123000Z',
  last_updated: '2024-03-01T09:15:02.123000Z',
  transaction_id: 9,
  counterparty_id: 15,
  payment_amount: '1200',
  currency_id: 2,
  payment_type_id: 3,
  paid: false,
  payment_date: '2024-03-05',
  company_ac_number: 67305075,
  counterparty_ac_number: 31622269,
};

describe('toFactPayment', () => {
  it('shapes a payment in the catalogue column order, leaving out the account numbers', () => {
    const [row] = toFactPayment([payment]);
    expect(row).toEqual({
      payment_id: 9,
      created_date: '2024-03-01',
      created_time: '09:15:02.123000',
      last_updated_date: '2024-03-01',
      last_updated_time: '09:15:02.123000',
      transaction_id: 9,
      counterparty_id: 15,
      payment_amount: '1200.00',
      currency_id: 2,
      payment_type_id: 3,
      paid: false,
      payment_date: '2024-03-05',
    });
    expect(Object.keys(row ?? {})).toEqual(FACTS.fact_payment.columns.map((c) => c.name));
  });

  it('keeps a payment marked paid later as a second version', () => {
    const paid = { ...payment, paid: true, last_updated: '2024-03-05T16:00:00.000000Z' };
    expect(toFactPayment([payment, paid, paid]).map((r) => r.paid)).toEqual([false, true]);
  });

  it('names the column of a paid flag that is not a boolean', () => {
    expect(transformErrorFrom(() => toFactPayment([{ ...payment, paid: 'true' }]))).toMatchObject({
      table: 'payment',
      key: 9,
      column: 'paid',
    });
  });

  it('names the column of a malformed payment date', () => {
    expect(
      transformErrorFrom(() => toFactPayment([{ ...payment, payment_date: '05/03/2024' }])).column,
    ).toBe('payment_date');
  });

  it.each(Object.keys(payment).filter((c) => !c.endsWith('_ac_number')))(
    'names the missing column %s',
    (column) => {
      expect(transformErrorFrom(() => toFactPayment([without(payment, column)])).column).toBe(
        column,
      );
    },
  );

  it('does not need the account numbers it leaves out', () => {
    expect(
      toFactPayment([without(without(payment, 'company_ac_number'), 'counterparty_ac_number')]),
    ).toHaveLength(1);
  });
});
