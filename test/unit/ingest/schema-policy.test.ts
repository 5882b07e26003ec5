import { judgeChanges } from '../../../lambdas/ingest/schema-policy';
import type { FoundChange } from '../../../lambdas/ingest/live-columns';
import type { SourceTableName } from '../../../lambdas/shared/core/catalogue';

const EARLIER = '2026-12-01T00:00:00.000Z';
const NOW = '2026-12-05T12:00:00.000Z';
const added: FoundChange = {
  table: 'payment',
  column: 'note',
  change: 'added',
  before: null,
  after: 'text',
};
const retyped: FoundChange = {
  table: 'staff',
  column: 'email_address',
  change: 'retyped',
  before: 'text',
  after: 'bytea',
};
const found = (entries: [SourceTableName, FoundChange[]][]) => new Map(entries);
const evolve = { default: 'evolve', tables: {} } as const;

describe('judging the schema changes a run found', () => {
  it('stops a table at a retyped or dropped column whatever the policy, at a new one only under freeze', () => {
    const changes = found([
      ['payment', [added]],
      ['staff', [retyped]],
    ]);
    expect(judgeChanges(changes, evolve, [], NOW).map((c) => [c.column, c.stops])).toEqual([
      ['note', false],
      ['email_address', true],
    ]);
    const freeze = { default: 'evolve', tables: { payment: 'freeze' } } as const;
    expect(judgeChanges(changes, freeze, [], NOW).map((c) => c.stops)).toEqual([true, true]);
  });

  it('keeps when a change was first seen, and dates a new one now', () => {
    const previous = [{ ...added, firstSeen: EARLIER, stops: false }];
    const judged = judgeChanges(
      found([['payment', [added, { ...added, column: 'memo' }]]]),
      evolve,
      previous,
      NOW,
    );
    expect(judged.map((c) => [c.column, c.firstSeen])).toEqual([
      ['note', EARLIER],
      ['memo', NOW],
    ]);
    // The same column changed another way is another change.
    const retypedNote = { ...added, change: 'retyped', before: 'text', after: 'bytea' } as const;
    expect(
      judgeChanges(found([['payment', [retypedNote]]]), evolve, previous, NOW)[0]?.firstSeen,
    ).toBe(NOW);
  });

  it("clears a checked table that agrees again, and keeps an unchecked table's changes", () => {
    const previous = [
      { ...added, firstSeen: EARLIER, stops: false },
      { ...retyped, firstSeen: EARLIER, stops: true },
    ];
    expect(judgeChanges(found([['payment', []]]), evolve, previous, NOW)).toEqual([previous[1]]);
  });
});
