import { topologicalOrder } from '../../../contract/topological-order';

const graph =
  (edges: Record<string, string[]>) =>
  (name: string): string[] =>
    edges[name] ?? [];

describe('topologicalOrder', () => {
  it('keeps the listed order when it already puts every name after its dependencies', () => {
    expect(topologicalOrder(['a', 'b', 'c'], graph({ c: ['a'] }))).toEqual(['a', 'b', 'c']);
  });

  it('moves a name after the names it depends on, whatever the listed order', () => {
    const order = topologicalOrder(
      ['payment', 'transaction', 'sales_order', 'staff', 'department'],
      graph({
        payment: ['transaction'],
        transaction: ['sales_order'],
        sales_order: ['staff'],
        staff: ['department'],
      }),
    );
    expect(order).toEqual(['department', 'staff', 'sales_order', 'transaction', 'payment']);
  });

  it('among names free to go, takes the one listed first', () => {
    expect(topologicalOrder(['c', 'b', 'a'], graph({ c: ['a'] }))).toEqual(['b', 'a', 'c']);
  });

  it('lets a name refer to itself (a self-referencing foreign key)', () => {
    expect(topologicalOrder(['staff'], graph({ staff: ['staff'] }))).toEqual(['staff']);
  });

  it('refuses a dependency on a name it was not given, naming both', () => {
    expect(() => topologicalOrder(['staff'], graph({ staff: ['department'] }))).toThrow(
      'staff refers to unknown department',
    );
    expect(() => topologicalOrder(['staff'], graph({ staff: ['department', 'address'] }))).toThrow(
      'staff refers to unknown department, address',
    );
  });

  it('refuses a cycle, naming the names caught in it', () => {
    expect(() => topologicalOrder(['a', 'b', 'c'], graph({ b: ['c'], c: ['b'] }))).toThrow(
      'Foreign keys form a cycle among b, c',
    );
  });
});
