import { batchReconciler } from '../../../lambdas/load/reconciliation';
import type { ProcessedManifest } from '../../../lambdas/shared/core/manifest';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';
import { MemoryLoadLog } from '../../support/fakes/memory-load-log';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { recordingLogger } from '../../support/fakes/recording-logger';

const BATCH = '20261123T043451123Z-3f9a1c';
const SET_ASIDE = `quarantine/rows/sales_order/${BATCH}.jsonl`;

/** A batch of which landing held 10 sales orders: `read` passed on, `setAside` set aside. */
function manifest(read: number, setAside: number): ProcessedManifest {
  return {
    kind: 'processed',
    version: 1,
    batchId: BATCH,
    startedAt: '2026-11-23T04:34:51.123Z',
    finishedAt: '2026-11-23T04:35:01.000Z',
    sourceRows: { sales_order: read },
    tables: [],
    newestSourceChange: null,
    completeUpTo: null,
    quarantined: [],
    quarantinedRows:
      setAside > 0
        ? [{ table: 'sales_order', rows: setAside, quarantineKey: SET_ASIDE, first: [] }]
        : [],
    landed: {
      startedAt: '2026-11-23T04:34:51.123Z',
      tables: [{ table: 'sales_order', rows: 10, from: null, to: '2026-11-23T04:34:51.000000Z' }],
    },
  };
}

/** The reconciler over an empty processed bucket and a load log whose day answers `loaded`. */
function reconcilerWith(
  log: StageLogger,
  loaded: Promise<string[]>,
  processed = memoryObjectStore('processed'),
  onGaps?: (gaps: readonly unknown[]) => void,
) {
  const loadLog = new MemoryLoadLog();
  loadLog.loadedOn = () => loaded;
  return batchReconciler({ processed, loadLog, logger: log, onGaps });
}

describe('the load reconciles a batch before writing it', () => {
  it('passes a batch whose rows set aside make up the difference, warning with where they are kept', async () => {
    const log = recordingLogger();
    await reconcilerWith(log, Promise.resolve([]))(manifest(7, 3));
    expect(log.lines).toEqual([
      [
        'warn',
        'Rows set aside by the transform: landed = loaded + set aside',
        {
          batchId: BATCH,
          tables: [{ table: 'sales_order', rows: 3, quarantineKey: SET_ASIDE }],
        },
      ],
    ]);
  });

  it('refuses a batch whose rows do not add up, naming the table and the counts', async () => {
    const log = recordingLogger();
    await expect(reconcilerWith(log, Promise.resolve([]))(manifest(7, 2))).rejects.toThrow(
      /does not reconcile \(sales_order: landing holds 10 rows, transform read 7/,
    );
    expect(log.lines.map(([level, message]) => `${level} ${message}`)).toContain(
      'error Batch does not reconcile: nothing of it is loaded',
    );
  });

  it('loads a batch whose manifest carries no landing counts, and warns that it is not reconciled', async () => {
    const log = recordingLogger();
    await reconcilerWith(log, Promise.resolve([]))({ ...manifest(10, 0), landed: undefined });
    expect(log.lines).toEqual([
      [
        'warn',
        'The processed manifest carries no landing counts (it was written before they were): the batch loads without reconciliation',
        { batchId: BATCH },
      ],
    ]);
  });

  it('logs the mismatches of a batch it refuses', async () => {
    const log = recordingLogger();
    await expect(reconcilerWith(log, Promise.resolve([]))(manifest(7, 2))).rejects.toThrow();
    const [, , attributes] = log.lines.find(([level]) => level === 'error') ?? [];
    expect(attributes).toEqual({
      batchId: BATCH,
      mismatches: [expect.objectContaining({ table: 'sales_order' })],
    });
  });

  it('warns of an earlier batch of the day transformed and not loaded, never of a later one', async () => {
    const earlier = '20261123T040000000Z-aaaaaa';
    // A later batch loaded first leaves the one between it and this batch to its own load.
    const later = '20261123T050000000Z-bbbbbb';
    const latest = '20261123T060000000Z-cccccc';
    const processed = memoryObjectStore('processed');
    for (const id of [earlier, BATCH, later, latest]) {
      await processed.put(`manifests/${id}.json`, '{}');
    }
    const log = recordingLogger();
    const gapsTold: (readonly unknown[])[] = [];
    await reconcilerWith(
      log,
      Promise.resolve([latest]),
      processed,
      (gaps) => void gapsTold.push(gaps),
    )(manifest(10, 0));
    expect(log.lines).toEqual([
      [
        'warn',
        'Gap in the batch sequence: replay the batch',
        expect.objectContaining({ batchId: earlier }),
      ],
    ]);
    expect(gapsTold).toEqual([[expect.objectContaining({ batchId: earlier })]]);
  });

  it('loads the batch when the look for gaps fails, and warns that it could not look', async () => {
    const log = recordingLogger();
    await reconcilerWith(log, Promise.reject(new Error('warehouse gone')))(manifest(10, 0));
    expect(log.lines).toEqual([
      [
        'warn',
        'Could not look for gaps in the batch sequence',
        { batchId: BATCH, reason: 'warehouse gone' },
      ],
    ]);
  });
});
