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
});
