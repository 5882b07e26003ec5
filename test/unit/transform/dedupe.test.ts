import { distinctVersions } from '../../../lambdas/transform/tables';

const version = (payment_id: number, last_updated: string, amount: string) => ({
  payment_id,
  last_updated,
  amount,
});

describe('distinctVersions', () => {
  // Keys are serials, so they index a typed array; these fall outside one and need the Map.
  it.each([
    ['a negative key', -5],
    ['a key far above the batch size', 1_000_000],
    ['a large key seen before a small one', 900],
  ])('keeps each version once, the later duplicate winning, for %s', (_, far) => {
    const rows = [
      version(far, '2024-01-01T00:00:00.000000Z', 'first'),
      version(3, '2024-01-01T00:00:00.000000Z', 'three'),
      version(far, '2024-01-01T00:00:00.000000Z', 'first again'),
      version(far, '2024-02-01T00:00:00.000000Z', 'second'),
      version(3, '2024-01-01T00:00:00.000000Z', 'three again'),
    ];
    expect(distinctVersions(rows, 'payment', 'payment_id')).toEqual([
      version(far, '2024-01-01T00:00:00.000000Z', 'first again'),
      version(3, '2024-01-01T00:00:00.000000Z', 'three again'),
      version(far, '2024-02-01T00:00:00.000000Z', 'second'),
    ]);
  });
});
