import { applySchemaContract, judgeChanges, stopLine } from '../../../lambdas/ingest/schema-policy';
import {
  schemaChangeText,
  type PendingSchemaChange,
} from '../../../lambdas/shared/core/schema-changes';
import type { FoundChange } from '../../../lambdas/ingest/live-columns';
import { SOURCE_TABLES, type SourceTableName } from '../../../lambdas/shared/core/catalogue';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';
import { MemoryWatermarkStore } from '../../support/fakes/memory-watermark-store';
import { recordingLogger } from '../../support/fakes/recording-logger';

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

describe('applying the schema contract in a run', () => {
  const BATCH = '20261205T120000000Z-abcdef';
  const dropped: FoundChange = {
    table: 'staff',
    column: 'email_address',
    change: 'dropped',
    before: 'text',
    after: null,
  };
  /** An earlier run's change in a table this run does not check. */
  const unchecked: PendingSchemaChange = {
    table: 'currency',
    column: 'symbol',
    change: 'added',
    before: null,
    after: 'text',
    firstSeen: EARLIER,
    stops: false,
  };

  /** Counts the writes of the standing changes, which are kept only when they change. */
  class CountingStore extends MemoryWatermarkStore {
    changeWrites = 0;
    override setSchemaChanges(changes: readonly PendingSchemaChange[]): Promise<void> {
      this.changeWrites++;
      return super.setSchemaChanges(changes);
    }
  }

  const checked = (['currency', 'design', 'staff', 'sales_order', 'payment'] as const).map(
    (name) => SOURCE_TABLES[name],
  );
  const live = (changes: [SourceTableName, FoundChange[]][]) => ({
    database: 'totesys',
    drift: new Map(),
    changes: found(changes),
    precision: 6,
  });
  const apply = (store: MemoryWatermarkStore, log: StageLogger, changes: FoundChange[]) =>
    applySchemaContract(live(changes.map((c) => [c.table, [c]])), checked, evolve, store, log, {
      batchId: BATCH,
      now: NOW,
    });

  it('stops the table of a dropped column, holds the tables after it, and says each change once', async () => {
    const store = new CountingStore();
    await store.setSchemaChanges([unchecked]);
    const log = recordingLogger();

    const outcome = await apply(store, log, [widened, dropped, added]);

    expect(outcome.read.map((t) => t.name)).toEqual(['currency', 'design']);
    expect(outcome.stopped).toEqual(['staff']);
    expect(outcome.held).toEqual(['sales_order', 'payment']);
    expect(outcome.changes.map((c) => [c.table, c.column, c.stops])).toEqual([
      ['design', 'file_name', false],
      ['staff', 'email_address', true],
      ['payment', 'note', false],
    ]);
    const [, stopped] = outcome.changes;
    expect(log.lines).toEqual([
      [
        'warn',
        'Source column was resized within what the warehouse holds: kept, its values load as they are',
        { batchId: BATCH, ...widened, firstSeen: NOW },
      ],
      [
        'error',
        stopLine('totesys', stopped!, evolve, ['sales_order', 'payment']),
        { batchId: BATCH, ...dropped, firstSeen: NOW, held: ['sales_order', 'payment'] },
      ],
      [
        'warn',
        'Source table has columns the catalogue does not know: kept in landing, ignored downstream',
        { batchId: BATCH, table: 'payment', column: 'note', type: 'text' },
      ],
    ]);
    // The unchecked table's change is kept as it was, before this run's.
    expect((await store.schemaChanges()).map((c) => c.table)).toEqual([
      'currency',
      'design',
      'staff',
      'payment',
    ]);
    expect(store.changeWrites).toBe(2);

    await apply(store, recordingLogger(), [widened, dropped, added]);
    expect(store.changeWrites).toBe(2);
  });

  it('says how many standing changes do not fit the 4 KB, keeping those that stop a table', async () => {
    const store = new CountingStore();
    const log = recordingLogger();
    const many = Array.from({ length: 80 }, (_, i) => ({
      ...added,
      column: `a_rather_long_column_name_${i}`,
    }));

    await applySchemaContract(live([['payment', many]]), checked, evolve, store, log, {
      batchId: BATCH,
      now: NOW,
    });

    const kept = (await store.schemaChanges()).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(80);
    expect(log.lines[0]).toEqual([
      'warn',
      `${80 - kept} of 80 standing schema changes do not fit the 4 KB the ingest keeps between runs: those that stop a table are kept first, the others are found again each run (deliverance status lists only those kept; etl.schema_changes has them all)`,
      { batchId: BATCH, kept, left: 80 - kept },
    ]);
  });

  it('says a dropped column was dropped, and what to do, in its stop line', () => {
    expect(stopLine('totesys', { ...dropped, firstSeen: NOW, stops: true }, evolve, [])).toBe(
      'Source database totesys: staff.email_address was dropped (was text). staff is stopped (its watermark does not move, none of its rows land): restore the column as text, or change the catalogue and the warehouse to match (docs/extending.md); the next run after that catches up',
    );
    expect(
      stopLine('totesys', { ...dropped, firstSeen: NOW, stops: true }, evolve, [
        'sales_order',
        'payment',
      ]),
    ).toContain(
      'staff is stopped (its watermark does not move, none of its rows land) and the tables after it (sales_order, payment) wait:',
    );
    expect(stopLine('totesys', { ...retyped, firstSeen: NOW, stops: true }, evolve, [])).toBe(
      'Source database totesys: staff.email_address was retyped text → bytea. staff is stopped (its watermark does not move, none of its rows land): restore the column as text, or change the catalogue and the warehouse to match (docs/extending.md); the next run after that catches up',
    );
    const freeze = { default: 'freeze', tables: {} } as const;
    expect(stopLine('totesys', { ...added, firstSeen: NOW, stops: true }, freeze, [])).toBe(
      "Source database totesys: payment.note was added (text) and payment's schema contract is freeze. payment is stopped (its watermark does not move, none of its rows land): drop the column, take it into the catalogue (docs/extending.md), or set payment=evolve in DELIVERANCE_SCHEMA_CONTRACT / deliverance:schemaContract; the next run after that catches up",
    );
  });
});
