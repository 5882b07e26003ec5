import { deletesKey } from '../../../contract/source-deletes';
import { processedDeletesKey, quarantinedTombstonesKey } from '../../../lambdas/shared/core/batch';
import type { LandedTable } from '../../../lambdas/shared/core/manifest';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { BatchSnapshots, snapshotKey } from '../../../lambdas/transform/snapshots';
import { BatchTombstones } from '../../../lambdas/transform/tombstones';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const BATCH = '20261205T120000000Z-abcdef';
const AT = '2026-12-05T12:00:00.000000Z';

function landed(table: LandedTable['table'], rows: number): LandedTable {
  return {
    table,
    keys: [],
    rows: 0,
    bytes: 0,
    from: AT,
    to: AT,
    newest: null,
    deletes: { key: deletesKey(table, BATCH), rows },
  };
}

const lines = (text: string[]) => Buffer.from(text.map((l) => `${l}\n`).join(''));

describe("a batch's tombstones in the transform", () => {
  it('hands the good lines on, sets each bad one aside with its object and line, and counts both', async () => {
    const landing = memoryObjectStore('landing');
    const processed = memoryObjectStore('processed');
    landing.objects.set(
      deletesKey('sales_order', BATCH),
      lines([
        JSON.stringify({ key: 7, deletedAt: AT }),
        'not json',
        JSON.stringify({ key: -1, deletedAt: AT }),
        JSON.stringify({ key: 8, deletedAt: '2026-12-05 12:00' }),
        JSON.stringify({ key: 9, deletedAt: '2026-12-05T12:00:00.123Z' }),
      ]),
    );
    const tombstones = new BatchTombstones(BATCH, landing, silentLogger);
    await tombstones.read(landed('sales_order', 5), await BatchSnapshots.read(processed));
    const entries = await tombstones.publish(processed);

    expect(entries).toEqual([
      {
        source: 'sales_order',
        table: 'fact_sales_order',
        key: processedDeletesKey('fact_sales_order', BATCH),
        rows: 2,
        setAside: 3,
        quarantineKey: quarantinedTombstonesKey('sales_order', BATCH),
      },
    ]);
    expect(processed.objects.get(processedDeletesKey('fact_sales_order', BATCH))?.toString()).toBe(
      `{"key":7,"deletedAt":"${AT}"}\n{"key":9,"deletedAt":"2026-12-05T12:00:00.123000Z"}\n`,
    );
    const setAside = landing.objects
      .get(quarantinedTombstonesKey('sales_order', BATCH))!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string; table: string });
    expect(setAside.map((l) => [l.table, l.line])).toEqual([
      ['sales_order', 2],
      ['sales_order', 3],
      ['sales_order', 4],
    ]);
    const where = `s3://landing/${deletesKey('sales_order', BATCH)}`;
    expect(setAside[0]!.reason).toMatch(`${where} line 2 (table sales_order): not JSON`);
    expect(setAside[1]!.reason).toMatch(`${where} line 3 column key (table sales_order)`);
    expect(setAside[2]!.reason).toMatch(`${where} line 4 column deletedAt (table sales_order)`);
  });

  it('sets aside every tombstone of a table no warehouse row holds (department)', async () => {
    const landing = memoryObjectStore('landing');
    const processed = memoryObjectStore('processed');
    landing.objects.set(
      deletesKey('department', BATCH),
      lines([JSON.stringify({ key: 3, deletedAt: AT })]),
    );
    const tombstones = new BatchTombstones(BATCH, landing, silentLogger);
    await tombstones.read(landed('department', 1), await BatchSnapshots.read(processed));
    expect(await tombstones.publish(processed)).toEqual([
      {
        source: 'department',
        rows: 0,
        setAside: 1,
        quarantineKey: quarantinedTombstonesKey('department', BATCH),
      },
    ]);
  });

  it("removes a deleted key from its table's snapshot, so no later join brings it back", async () => {
    const landing = memoryObjectStore('landing');
    const processed = memoryObjectStore('processed');
    const staff = (id: number) =>
      JSON.stringify({ staff_id: id, department_id: 1, last_updated: AT });
    processed.objects.set(snapshotKey('staff'), lines([staff(1), staff(2)]));
    landing.objects.set(
      deletesKey('staff', BATCH),
      lines([JSON.stringify({ key: 2, deletedAt: AT })]),
    );
    const snapshots = await BatchSnapshots.read(processed);
    const tombstones = new BatchTombstones(BATCH, landing, silentLogger);
    await tombstones.read(landed('staff', 1), snapshots);
    await snapshots.writeChanged(processed);
    expect(processed.objects.get(snapshotKey('staff'))?.toString()).toBe(`${staff(1)}\n`);
  });
});
