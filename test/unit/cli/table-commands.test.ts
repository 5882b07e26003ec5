import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pauseCommand, resumeCommand } from '../../../cli/commands/pause';
import { resyncCommand } from '../../../cli/commands/resync';
import { pausedPlan } from '../../../lambdas/ingest/paused-tables';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../../../lambdas/shared/core/catalogue';
import { localWatermarkStore } from '../../../local/pipeline-context';

let stateDir: string;
let printed: string[];
const savedStateDir = process.env.DELIVERANCE_STATE_DIR;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'dlv-table-commands-'));
  process.env.DELIVERANCE_STATE_DIR = stateDir;
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
});
afterEach(async () => {
  jest.restoreAllMocks();
  process.env.DELIVERANCE_STATE_DIR = savedStateDir;
  await rm(stateDir, { recursive: true, force: true });
});

const store = () => localWatermarkStore(stateDir);
const WATERMARK = '2026-11-23T04:30:00.000000Z';

/** Every order of `items`. */
function orders<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * What ingest must leave while `paused` are paused, worked out apart from pausedPlan: every
 * table from the first paused one on in foreign-key order.
 */
function leftAlone(paused: readonly string[]): SourceTableName[] {
  const first = Math.min(...paused.map((t) => SOURCE_TABLE_NAMES.indexOf(t as SourceTableName)));
  return SOURCE_TABLE_NAMES.filter((_, i) => i >= first);
}

/** Pauses `pauseOrder`, then resumes `resumeOrder`, checking after each step what ingest reads. */
async function pauseThenResume(pauseOrder: string[], resumeOrder: string[]): Promise<void> {
  for (const table of pauseOrder) await store().write(table, WATERMARK);
  const expectReads = async (paused: string[]) => {
    expect([...(await store().paused())].sort()).toEqual([...paused].sort());
    const plan = pausedPlan(SOURCE_TABLE_NAMES, await store().paused());
    const alone = paused.length === 0 ? [] : leftAlone(paused);
    expect(plan.read).toEqual(SOURCE_TABLE_NAMES.filter((t) => !alone.includes(t)));
    expect([...plan.paused, ...plan.held].sort()).toEqual([...alone].sort());
  };
  const paused: string[] = [];
  for (const table of pauseOrder) {
    expect(await pauseCommand({ env: undefined, table })).toBe(0);
    paused.push(table);
    await expectReads(paused);
    const held = leftAlone(paused).filter((t) => !paused.includes(t));
    expect(printed.at(-1)).toBe(
      `${table} is paused: ingest leaves it and its watermark (${WATERMARK}) as they are` +
        `${held.length > 0 ? `, and holds the tables after it in foreign-key order (${held.join(', ')})` : ''}` +
        ` until deliverance resume --table ${table}`,
    );
  }
  for (const table of resumeOrder) {
    expect(await resumeCommand({ env: undefined, table })).toBe(0);
    paused.splice(paused.indexOf(table), 1);
    await expectReads(paused);
    const stillHeld = paused.length > 0 && leftAlone(paused).includes(table as SourceTableName);
    expect(printed.at(-1)).toBe(
      `${table} is resumed: the next ingest reads it from its watermark (${WATERMARK})` +
        `${stillHeld ? `, once the tables it follows are resumed too (paused: ${paused.join(', ')})` : ''}`,
    );
  }
  expect(await store().paused()).toEqual([]);
  for (const table of pauseOrder) expect(await store().read(table)).toBe(WATERMARK);
}

describe('pause and resume with several tables', () => {
  // Far apart in foreign-key order, so each holds tables of its own and the later ones follow.
  const two = ['staff', 'payment'];
  const three = ['address', 'sales_order', 'payment'];

  it.each(orders(two).flatMap((p) => orders(two).map((r) => [p.join(' '), r.join(' ')])))(
    'two tables paused (%s) and resumed (%s): ingest leaves exactly the paused and those after the first, and reads all once resumed',
    (pause, resume) => pauseThenResume(pause.split(' '), resume.split(' ')),
  );

  it.each(orders(three).flatMap((p) => orders(three).map((r) => [p.join(' '), r.join(' ')])))(
    'three tables paused (%s) and resumed (%s): ingest leaves exactly the paused and those after the first, and reads all once resumed',
    (pause, resume) => pauseThenResume(pause.split(' '), resume.split(' ')),
  );

  it('pausing a paused table changes nothing; resuming one not paused says so', async () => {
    await pauseCommand({ env: undefined, table: 'staff' });
    await pauseCommand({ env: undefined, table: 'staff' });
    expect(await store().paused()).toEqual(['staff']);
    expect(await resumeCommand({ env: undefined, table: 'payment' })).toBe(0);
    expect(printed.at(-1)).toBe('payment was not paused (paused: staff)');
    expect(await store().paused()).toEqual(['staff']);
  });
});

describe('resync on the local state folder refuses what would lose rows', () => {
  it('refuses a table that is not paused, and leaves its watermark', async () => {
    await store().write('staff', WATERMARK);
    await expect(
      resyncCommand({ env: undefined, table: 'staff', from: undefined }),
    ).rejects.toThrow(
      'Pause staff first (deliverance pause --table staff): no ingest may move its watermark while resync sets it back; resume it afterwards',
    );
    expect(await store().read('staff')).toBe(WATERMARK);
  });

  it.each([
    ['a complete watermark', WATERMARK, WATERMARK],
    [
      'a backfill under way',
      JSON.stringify({
        through: null,
        until: '2026-11-24T00:00:00.000000Z',
        after: { lastUpdated: WATERMARK, key: 7 },
      }),
      WATERMARK,
    ],
  ])(
    'refuses --from later than where the table has been read (%s): it would skip rows',
    async (_name, stored, position) => {
      await store().write('staff', stored);
      await pauseCommand({ env: undefined, table: 'staff' });
      await expect(
        resyncCommand({ env: undefined, table: 'staff', from: '2026-11-23T04:30:01Z' }),
      ).rejects.toThrow(
        `resync --from 2026-11-23T04:30:01.000000Z is later than where staff has been read (${position}): resync only re-reads, it never skips rows`,
      );
      expect(await store().read('staff')).toBe(stored);
    },
  );

  it('sets a paused table back to --from at or before its position, and forgets it without --from', async () => {
    await store().write('staff', WATERMARK);
    await pauseCommand({ env: undefined, table: 'staff' });
    expect(
      await resyncCommand({ env: undefined, table: 'staff', from: '2026-11-23T04:30:00Z' }),
    ).toBe(0);
    expect(await store().read('staff')).toBe(WATERMARK);
    await resyncCommand({ env: undefined, table: 'staff', from: '2026-01-01T00:00:00Z' });
    expect(await store().read('staff')).toBe('2026-01-01T00:00:00.000000Z');
    await resyncCommand({ env: undefined, table: 'staff', from: undefined });
    expect(await store().read('staff')).toBeUndefined();
  });
});
