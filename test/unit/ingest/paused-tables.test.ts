import { pausedPlan } from '../../../lambdas/ingest/paused-tables';
import { SOURCE_TABLE_NAMES } from '../../../lambdas/shared/core/catalogue';

describe('pausedPlan', () => {
  it('reads every requested table when none is paused', () => {
    expect(pausedPlan(SOURCE_TABLE_NAMES, [])).toEqual({
      read: SOURCE_TABLE_NAMES,
      paused: [],
      held: [],
    });
  });

  it('leaves a paused table and holds the tables after it in foreign-key order', () => {
    expect(pausedPlan(SOURCE_TABLE_NAMES, ['sales_order'])).toEqual({
      read: [
        'address',
        'counterparty',
        'currency',
        'department',
        'design',
        'payment_type',
        'staff',
      ],
      paused: ['sales_order'],
      held: ['purchase_order', 'transaction', 'payment'],
    });
  });

  it('holds from the earliest paused table, whatever order they were paused in', () => {
    const plan = pausedPlan(['payment', 'staff', 'address'], ['payment', 'staff']);
    expect(plan).toEqual({ read: ['address'], paused: ['payment', 'staff'], held: [] });
  });

  it('ignores a paused name that is not a source table', () => {
    expect(pausedPlan(['staff'], ['no_such_table']).read).toEqual(['staff']);
  });
});
