import { quoteIdent } from '../../../lambdas/shared/core/catalogue';

describe('quoteIdent', () => {
  it('quotes a catalogue name', () => {
    expect(quoteIdent('fact_sales_order')).toBe('"fact_sales_order"');
    expect(quoteIdent('_x9')).toBe('"_x9"');
  });

  it.each([
    '',
    'Staff',
    '9lives',
    'a-b',
    'staff"; DROP TABLE staff; --',
    'staff ',
    ' staff',
    'sales order',
  ])('refuses %p, which is not a catalogue name', (name) => {
    expect(() => quoteIdent(name)).toThrow(
      `Refusing to quote identifier ${JSON.stringify(name)}: not a catalogue name`,
    );
  });
});
