import { errorKind } from '../../../lambdas/shared/core/pipeline-error';
import type { PendingSchemaChange } from '../../../lambdas/shared/core/schema-changes';
import {
  fitSchemaChanges,
  refuseOversizedState,
  STANDARD_PARAMETER_BYTES,
} from '../../../lambdas/shared/core/state-size';

const where = 'SSM parameter /deliverance/test/deletes';

describe('the state size rule', () => {
  it('lets through a value of up to 4 KB', () => {
    expect(STANDARD_PARAMETER_BYTES).toBe(4096);
    expect(() => refuseOversizedState(where, 'x'.repeat(4096), 'delete it')).not.toThrow();
  });

  it('refuses a byte more as a fatal fault, in one line naming where, the size and what to do', () => {
    const failure = (() => {
      try {
        return refuseOversizedState(where, 'x'.repeat(4097), 'delete it');
      } catch (error) {
        return error;
      }
    })();
    expect(errorKind(failure)).toBe('fatal');
    expect((failure as Error).message).toBe(
      'SSM parameter /deliverance/test/deletes would hold 4097 bytes, more than the 4096 an SSM Standard parameter holds, so nothing was written: delete it',
    );
  });

  it('counts bytes, not characters: a column name of accented letters takes two each', () => {
    expect(() => refuseOversizedState(where, 'é'.repeat(2048), 'delete it')).not.toThrow();
    expect(() => refuseOversizedState(where, 'é'.repeat(2049), 'delete it')).toThrow(
      /would hold 4098 bytes/,
    );
  });
});

describe('the pending schema changes kept between runs', () => {
  /** A new column of staff seen on day `day` of December; about 150 bytes as JSON. */
  const added = (n: number, day: number, stops = false): PendingSchemaChange => ({
    table: 'staff',
    column: `extra_${String(n).padStart(3, '0')}`,
    change: 'added',
    before: null,
    after: 'text',
    firstSeen: `2026-12-${String(day).padStart(2, '0')}T00:00:00.000Z`,
    stops,
  });
  const bytes = (changes: readonly PendingSchemaChange[]) =>
    new TextEncoder().encode(JSON.stringify(changes)).length;

  it('keeps them all when they fit', () => {
    const changes = [added(1, 2), added(2, 1)];
    expect(fitSchemaChanges(changes)).toEqual({ kept: changes, left: 0 });
  });

  it('keeps those that stop a table first, then the oldest, in their order, within 4 KB', () => {
    const changes = Array.from({ length: 40 }, (_, n) => added(n, 28 - (n % 28), n === 39));
    expect(bytes(changes)).toBeGreaterThan(STANDARD_PARAMETER_BYTES);
    const { kept, left } = fitSchemaChanges(changes);
    expect(bytes(kept)).toBeLessThanOrEqual(STANDARD_PARAMETER_BYTES);
    expect(left).toBe(changes.length - kept.length);
    expect(left).toBeGreaterThan(0);
    // The last change stops its table: kept although it comes last and is not the oldest.
    expect(kept).toContain(changes[39]);
    // Of the others, none left out is older than one kept.
    const newestKept = Math.max(
      ...kept.filter((c) => !c.stops).map((c) => Date.parse(c.firstSeen)),
    );
    const leftOut = changes.filter((c) => !kept.includes(c));
    expect(leftOut.every((c) => Date.parse(c.firstSeen) >= newestKept)).toBe(true);
    // The order they stood in is kept.
    expect(kept).toEqual(changes.filter((c) => kept.includes(c)));
    // And nothing that would fit is left out: one more of those left would not.
    expect(bytes([...kept, leftOut[0]!])).toBeGreaterThan(STANDARD_PARAMETER_BYTES);
  });

  /** Two changes, the first the oldest, padded by the column name so the list is `total` bytes. */
  function listOf(total: number): PendingSchemaChange[] {
    const pair = [added(1, 1), added(2, 2)];
    const padded = { ...pair[0]!, column: pair[0]!.column + 'x'.repeat(total - bytes(pair)) };
    return [padded, pair[1]!];
  }

  it('keeps a list of exactly 4 KB whole, counting the brackets and the comma between', () => {
    const exact = listOf(STANDARD_PARAMETER_BYTES);
    expect(bytes(exact)).toBe(STANDARD_PARAMETER_BYTES);
    expect(fitSchemaChanges(exact)).toEqual({ kept: exact, left: 0 });
    // With a newer third change that cannot fit too, the two that fill 4 KB exactly are kept.
    const third = added(3, 3);
    expect(fitSchemaChanges([...exact, third])).toEqual({ kept: exact, left: 1 });
  });

  it('leaves out the newer of two changes a byte over 4 KB together', () => {
    const over = listOf(STANDARD_PARAMETER_BYTES + 1);
    expect(fitSchemaChanges(over)).toEqual({ kept: [over[0]], left: 1 });
  });

  it('counts a comma before each change but the first, however many there are', () => {
    const three = [...listOf(STANDARD_PARAMETER_BYTES - 200), added(3, 3)];
    const pad = STANDARD_PARAMETER_BYTES + 1 - bytes(three);
    const over = [{ ...three[0]!, column: three[0]!.column + 'y'.repeat(pad) }, ...three.slice(1)];
    expect(bytes(over)).toBe(STANDARD_PARAMETER_BYTES + 1);
    expect(fitSchemaChanges(over)).toEqual({ kept: over.slice(0, 2), left: 1 });
  });
});

describe('a state too large', () => {
  it('is a StateTooLargeError by name', () => {
    try {
      refuseOversizedState(where, 'x'.repeat(4097), 'delete it');
    } catch (error) {
      expect((error as Error).name).toBe('StateTooLargeError');
      return;
    }
    throw new TypeError('expected a refusal');
  });
});
