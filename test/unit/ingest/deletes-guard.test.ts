import { guardLine, overGuard } from '../../../lambdas/ingest/deletes/deletes-guard';
import { parseDeletesGuard, tableSetting, type PerTable } from '../../../contract/settings';

describe('the deletes guard', () => {
  const guard = parseDeletesGuard('DELETES_GUARD_PERCENT', '5,payment=20') as PerTable<number>;

  it("holds a table at its own percentage: 20 % for payment, the default's 5 % for the rest", () => {
    expect(overGuard(20, 100, tableSetting(guard, 'payment'))).toBe(false);
    expect(overGuard(21, 100, tableSetting(guard, 'payment'))).toBe(true);
    expect(overGuard(6, 100, tableSetting(guard, 'staff'))).toBe(true);
    expect(overGuard(5, 100, tableSetting(guard, 'staff'))).toBe(false);
  });

  it('holds nothing when nothing is gone, even at 0 %', () => {
    expect(overGuard(0, 100, 0)).toBe(false);
    expect(overGuard(1, 100, 0)).toBe(true);
  });

  it("names the table's own limit in the line an operator reads", () => {
    const held = { keys: 30, share: 0.3, at: '2026-12-05T02:00:00.000Z' };
    expect(guardLine('payment', held, tableSetting(guard, 'payment'))).toMatch(
      /^Deletes of payment held by the guard: 30 keys \(30\.0% of the warehouse's, over its 20% limit\)/,
    );
  });
});
