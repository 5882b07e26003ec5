import { batchReconciler } from '../../../lambdas/load/reconciliation';
import { manifestKey } from '../../../lambdas/shared/core/batch';
import type { ProcessedManifest } from '../../../lambdas/shared/core/manifest';
import { ReconciliationError, type BatchGap } from '../../../lambdas/shared/core/reconcile';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { MemoryLoadLog } from '../../support/fakes/memory-load-log';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { staffManifest } from '../../support/fakes/staff-manifest';

const [B1, B2, B3] = [1, 2, 3].map((n) => `20261123T00000${n}000Z-00000${n}`) as [
  string,
  string,
  string,
];

/** A manifest of three staff rows, reconciling unless `change` says otherwise. */
const manifest = (batchId: string, change: Partial<ProcessedManifest> = {}) =>
  staffManifest(batchId, { rows: 3 }, change);

/** A reconciler over a processed bucket holding the manifests of `transformed`. */
async function reconciler(transformed: readonly string[], loaded: readonly string[] = []) {
  const processed = memoryObjectStore('processed');
  for (const id of transformed) await processed.put(manifestKey(id), '{}');
  const loadLog = new MemoryLoadLog();
  for (const id of loaded)
    await loadLog.record({ batchId: id, tables: [], newestSourceChange: null });
  const gaps: BatchGap[] = [];
  const reconcile = batchReconciler({
    processed,
    loadLog,
    logger: silentLogger,
    onGaps: (found) => gaps.push(...found),
  });
  return { reconcile, gaps, processed };
}

describe('reconciling a batch before it loads', () => {
  it('accepts a batch whose rows transformed and set aside add up to what landing held', async () => {
    const { reconcile } = await reconciler([B1]);
    await expect(reconcile(manifest(B1))).resolves.toBeUndefined();
    const setAside = { table: 'staff' as const, rows: 1, quarantineKey: 'q', first: [] };
    await expect(
      reconcile(manifest(B1, { sourceRows: { staff: 2 }, quarantinedRows: [setAside] })),
    ).resolves.toBeUndefined();
  });

  it('refuses a batch that lost rows between landing and transform, naming the table and counts', async () => {
    const { reconcile } = await reconciler([B1]);
    const refused = reconcile(manifest(B1, { sourceRows: { staff: 2 } }));
    await expect(refused).rejects.toBeInstanceOf(ReconciliationError);
    await expect(refused).rejects.toThrow(/staff/);
  });

  it('loads a batch whose manifest carries no landing counts, unreconciled', async () => {
    const { reconcile } = await reconciler([B1]);
    await expect(
      reconcile(manifest(B1, { landed: undefined, sourceRows: { staff: 99 } })),
    ).resolves.toBeUndefined();
  });

  it('reports the earlier batches of the day transformed but not loaded, and no others', async () => {
    const { reconcile, gaps } = await reconciler([B1, B2, B3], [B2]);
    await reconcile(manifest(B3));
    expect(gaps).toEqual([{ batchId: B1, missing: 'load', laterBatchId: B3 }]);
  });

  it('reports no gap for a batch parked for a missing object', async () => {
    const { reconcile, gaps, processed } = await reconciler([B1, B3]);
    await processed.put(`quarantine/manifests/${B1}.json.reason.json`, '{}');
    await reconcile(manifest(B3));
    expect(gaps).toEqual([]);
  });
});
