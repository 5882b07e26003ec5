import { mapWithConcurrency } from '../../../lambdas/shared/core/concurrency';

/** A task that resolves when the test says, recording how many ran at once. */
function gate() {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const task = async (item: number, index: number): Promise<string> => {
    started.push(index);
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 5 - (item % 3)));
    running -= 1;
    if (item < 0) throw new Error(`item ${item} failed`);
    return `done ${item}`;
  };
  return { task, started, most: () => most };
}

describe('mapWithConcurrency', () => {
  it('gives each result at its item’s index, running at most `limit` at once', async () => {
    const { task, most } = gate();
    const items = [1, 2, 3, 4, 5, 6, 7];
    expect(await mapWithConcurrency(items, 3, task)).toEqual(items.map((i) => `done ${i}`));
    expect(most()).toBe(3);
  });

  it('runs one at a time when the limit is below one, and nothing for no items', async () => {
    const { task, most } = gate();
    expect(await mapWithConcurrency([1, 2], 0, task)).toEqual(['done 1', 'done 2']);
    expect(most()).toBe(1);
    expect(await mapWithConcurrency([], 4, task)).toEqual([]);
  });

  it('starts no item after one fails, and throws the first failure', async () => {
    const { task, started } = gate();
    await expect(mapWithConcurrency([1, -2, 3, -4, 5, 6], 1, task)).rejects.toThrow(
      'item -2 failed',
    );
    expect(started).toEqual([0, 1]);
  });
});
