import { judgeChanges, stopLine } from '../../../lambdas/ingest/schema-policy';
import { schemaChangeText } from '../../../lambdas/shared/core/schema-changes';
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
const widened: FoundChange = {
  table: 'design',
  column: 'file_name',
  change: 'resized',
  before: 'text',
  after: 'character varying(40)',
};
const rescaled: FoundChange = {
  table: 'sales_order',
  column: 'unit_price',
  change: 'resized',
  before: 'numeric(10,2)',
  after: 'numeric(12,4)',
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

  it('stops a table at a resized column the warehouse cannot hold whatever the policy, at one it holds only under freeze', () => {
    const changes = found([
      ['design', [widened]],
      ['sales_order', [rescaled]],
    ]);
    expect(judgeChanges(changes, evolve, [], NOW).map((c) => [c.column, c.stops])).toEqual([
      ['file_name', false],
      ['unit_price', true],
    ]);
    const freeze = { default: 'freeze', tables: {} } as const;
    expect(judgeChanges(changes, freeze, [], NOW).map((c) => c.stops)).toEqual([true, true]);
  });

  it('says why a resized column stops its table, and what to do', () => {
    const [kept, stopped] = judgeChanges(
      found([
        ['design', [widened]],
        ['sales_order', [rescaled]],
      ]),
      { default: 'evolve', tables: { design: 'freeze' } },
      [],
      NOW,
    );
    expect(stopLine('totesys', stopped!, evolve, ['transaction'])).toBe(
      'Source database totesys: sales_order.unit_price was resized numeric(10,2) → numeric(12,4) and the warehouse keeps it as fact_sales_order.unit_price numeric(10,2), which holds no more than 2 decimal places. sales_order is stopped (its watermark does not move, none of its rows land) and the tables after it (transaction) wait: restore the column as numeric(10,2), or change the catalogue and the warehouse to match (docs/extending.md); the next run after that catches up',
    );
    expect(
      stopLine('totesys', kept!, { default: 'evolve', tables: { design: 'freeze' } }, []),
    ).toBe(
      "Source database totesys: design.file_name was resized text → character varying(40) and design's schema contract is freeze. design is stopped (its watermark does not move, none of its rows land): restore the column as text, or set design=evolve in DELIVERANCE_SCHEMA_CONTRACT / deliverance:schemaContract; the next run after that catches up",
    );
    expect(schemaChangeText({ ...kept!, stops: false })).toBe(
      `design.file_name resized text → character varying(40), since ${NOW}: kept, its values reach the warehouse as they are`,
    );
  });
});
