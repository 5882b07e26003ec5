import { distinctVersions } from '../../../lambdas/transform/tables';

const version = (payment_id: number, last_updated: string, amount: string) => ({
  payment_id,
  last_updated,
  amount,
});

describe('distinctVersions', () => {
  // Keys are serials, so they index a typed array from the chunk's smallest key; keys spread
  // wider than the chunk need the Map.
  it.each([
    ['a negative key', -5, 3],
    ['a key far above the batch size', 1_000_000, 3],
    ['a large key seen before a small one', 900, 3],
    ['keys close together far above zero', 1_000_000, 999_997],
    ['keys close together below zero', -1_000_000, -999_997],
  ])('keeps each version once, the later duplicate winning, for %s', (_, far, near) => {
    const rows = [
      version(far, '2024-01-01T00:00:00.000000Z', 'first'),
      version(near, '2024-01-01T00:00:00.000000Z', 'three'),
      version(far, '2024-01-01T00:00:00.000000Z', 'first again'),
      version(far, '2024-02-01T00:00:00.000000Z', 'second'),
      version(near, '2024-01-01T00:00:00.000000Z', 'three again'),
    ];
    expect(distinctVersions(rows, 'payment', 'payment_id')).toEqual([
      version(far, '2024-01-01T00:00:00.000000Z', 'first again'),
      version(near, '2024-01-01T00:00:00.000000Z', 'three again'),
      version(far, '2024-02-01T00:00:00.000000Z', 'second'),
    ]);
  });
});
