import {
  loadStageOver,
  type LoadReport,
  type LoadWarehouse,
} from '../../../lambdas/load/load-stage';
import { metricsOf } from '../../../lambdas/load/metrics';
import { batchIdFromManifestKey, manifestKey } from '../../../lambdas/shared/core/batch';
import {
  parseProcessedManifest,
  type ProcessedManifest,
} from '../../../lambdas/shared/core/manifest';
import { readManifest } from '../../../lambdas/shared/manifest-reader';
import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';
import { MemoryLoadLog } from '../../support/fakes/memory-load-log';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { staffManifest } from '../../support/fakes/staff-manifest';

// Batch ids of today, so the catch-up's look back of a few days finds them.
const DAY = new Date().toISOString().slice(0, 10).replace(/-/g, '');
const batch = (second: number) => `${DAY}T00000${second}000Z-00000${second}`;
const [B1, B2, B3, B4] = [1, 2, 3, 4].map(batch) as [string, string, string, string];
const NOW = new Date(Date.now() + 60_000);

/** A processed manifest of one dim_staff row that reconciles with what landing held. */
const manifest = (batchId: string, completeUpTo: string, landedRows = 1) =>
  staffManifest(batchId, { completeUpTo, landedRows });

/** A logger that keeps what it was told, to read the warnings back. */
function recordingLogger() {
  const lines: { level: string; message: string; attributes?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    lines.push({ level, message, ...(attributes ? { attributes } : {}) });
  const logger: StageLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/**
 * The load stage as the Lambda handler runs it — an invocation with time to spare, reports
 * turned into metrics — over a processed bucket and a warehouse in memory. `failing` batches
 * fail in the warehouse; `busy` is another load holding the catch-up lock.
 */
async function lambdaLoad(options: {
  manifests: readonly ProcessedManifest[];
  loaded?: readonly string[];
  failing?: readonly string[];
  busy?: boolean;
  /** What the invocation has left after its first answer. @default 600 s throughout */
  remainingMs?: number;
}) {
  const processed = memoryObjectStore('processed');
  for (const m of options.manifests) {
    await processed.put(manifestKey(m.batchId), JSON.stringify(m));
  }
  const loadLog = new MemoryLoadLog();
  for (const id of options.loaded ?? []) {
    await loadLog.record({ batchId: id, tables: [], newestSourceChange: null });
  }
  const loads: string[] = [];
  const warehouse: LoadWarehouse = {
    loadLog,
    async load({ processed: store, manifestKey: key, reconcile, force }) {
      const batchId = batchIdFromManifestKey(key) as string;
      const m = await readManifest(store, key, parseProcessedManifest);
      await reconcile?.(m);
      const done = { batchId, newestSourceChange: null, completeUpTo: m.completeUpTo };
      if (!force && (await loadLog.has(batchId))) return { ...done, skipped: true, tables: [] };
      loads.push(batchId);
      if (options.failing?.includes(batchId)) throw new Error(`warehouse refused ${batchId}`);
      const tables = m.tables.map((t) => ({ table: t.table, staged: t.rows, written: t.rows }));
      await loadLog.record({ batchId, tables, newestSourceChange: null });
      return { ...done, skipped: false, tables };
    },
    async alone(drain) {
      if (options.busy) return false;
      await drain(() => undefined);
      return true;
    },
  };
  const reports: LoadReport[] = [];
  const { logger, lines } = recordingLogger();
  let asked = 0;
  const stage = loadStageOver(async () => warehouse, {
    processed,
    logger,
    invocation: {
      getRemainingTimeInMillis: () => (asked++ === 0 ? 600_000 : (options.remainingMs ?? 600_000)),
    },
    onReport: (report) => reports.push(report),
    clock: () => NOW,
  });
  const metrics = () => reports.flatMap(metricsOf);
  return { stage, loads, reports, metrics, lines, processed };
}

const finished = (reports: readonly LoadReport[]) => reports.filter((r) => r.kind === 'finished');

describe('the load stage handling an S3 event, as Lambda runs it', () => {
  it("loads the batches still owed, oldest first, before the event's own batch", async () => {
    const { stage, loads } = await lambdaLoad({
      manifests: [B1, B2, B3].map((id) => manifest(id, '2026-11-23T04:00:00.000Z')),
    });
    const runs = await stage.handle([manifestKey(B3)]);
    expect(loads).toEqual([B1, B2, B3]);
    // The invocation answers with the event's batch; the caught-up ones are in their records.
    expect(runs.map((r) => r.batchId)).toEqual([B3]);
  });

  it("leaves the batches owed to the next invocation when too little of this one is left, and loads the event's", async () => {
    const { stage, loads } = await lambdaLoad({
      manifests: [B1, B2, B3].map((id) => manifest(id, '2026-11-23T04:00:00.000Z')),
      remainingMs: 1_000,
    });
    await stage.handle([manifestKey(B3)]);
    expect(loads).toEqual([B3]);
  });

  it('counts how long a batch took from landing to the warehouse', async () => {
    const { stage, metrics } = await lambdaLoad({
      manifests: [manifest(B1, '2026-11-23T04:00:00.000Z')],
    });
    await stage.handle([manifestKey(B1)]);
    // The manifest says the batch landed at 2026-11-23T04:30:00Z; the clock is NOW.
    expect(metrics()).toContainEqual({
      name: 'BatchLagSeconds',
      value: (NOW.getTime() - Date.parse('2026-11-23T04:30:00.000Z')) / 1000,
    });
  });

  it('owes nothing cut after the batch of the event', async () => {
    const { stage, loads } = await lambdaLoad({
      manifests: [B1, B2, B3].map((id) => manifest(id, '2026-11-23T04:00:00.000Z')),
    });
    await stage.handle([manifestKey(B2)]);
    expect(loads).toEqual([B1, B2]);
  });

  it("loads the event's batch when a batch owed fails, leaving the rest for the next run", async () => {
    const { stage, loads, metrics } = await lambdaLoad({
      manifests: [B1, B2, B3].map((id) => manifest(id, '2026-11-23T04:00:00.000Z')),
      failing: [B1],
    });
    const [run] = await stage.handle([manifestKey(B3)]);
    expect(loads).toEqual([B1, B3]);
    expect(run?.skipped).toBe(false);
    expect(metrics()).toContainEqual({ name: 'RowsLoaded', value: 1 });
  });

  it('reports freshness once, from the newest point any of its batches completed the warehouse up to', async () => {
    const { stage, reports, metrics } = await lambdaLoad({
      manifests: [
        manifest(B1, '2026-11-23T04:10:00.000Z'),
        // Caught up before the event's batch, yet newer: freshness does not go back to B3's.
        manifest(B2, '2026-11-23T04:30:00.000Z'),
        manifest(B3, '2026-11-23T04:20:00.000Z'),
      ],
    });
    await stage.handle([manifestKey(B3)]);
    expect(finished(reports)).toEqual([
      { kind: 'finished', completeUpTo: '2026-11-23T04:30:00.000Z', at: NOW.toISOString() },
    ]);
    const freshness = metrics().filter((m) => m.name === 'WarehouseFreshnessSeconds');
    expect(freshness).toEqual([
      {
        name: 'WarehouseFreshnessSeconds',
        value: (NOW.getTime() - Date.parse('2026-11-23T04:30:00.000Z')) / 1000,
      },
    ]);
  });

  it('takes no freshness from a batch found already loaded, and reports none when nothing loaded', async () => {
    const { stage, reports, metrics } = await lambdaLoad({
      manifests: [manifest(B1, '2026-11-23T04:10:00.000Z')],
      loaded: [B1],
    });
    const [run] = await stage.handle([manifestKey(B1)]);
    expect(run?.skipped).toBe(true);
    expect(finished(reports)).toEqual([{ kind: 'finished', at: NOW.toISOString() }]);
    expect(metrics().map((m) => m.name)).not.toContain('WarehouseFreshnessSeconds');
  });

  it("reports the freshness of the batches it loaded even when the event's own batch fails", async () => {
    const { stage, reports } = await lambdaLoad({
      manifests: [
        manifest(B1, '2026-11-23T04:10:00.000Z'),
        manifest(B2, '2026-11-23T04:20:00.000Z'),
      ],
      failing: [B2],
    });
    await expect(stage.handle([manifestKey(B2)])).rejects.toThrow(`warehouse refused ${B2}`);
    expect(finished(reports)).toEqual([
      { kind: 'finished', completeUpTo: '2026-11-23T04:10:00.000Z', at: NOW.toISOString() },
    ]);
  });

  it('warns of an earlier batch transformed and skipped over, and counts it in BatchSequenceGap', async () => {
    // Another load holds the catch-up: B1 stays unloaded while B3 loads after it.
    const { stage, loads, metrics, lines } = await lambdaLoad({
      manifests: [B1, B3].map((id) => manifest(id, '2026-11-23T04:00:00.000Z')),
      busy: true,
    });
    await stage.handle([manifestKey(B3)]);
    expect(loads).toEqual([B3]);
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'Gap in the batch sequence: replay the batch',
      attributes: { batchId: B1, missing: 'load', laterBatchId: B3 },
    });
    expect(metrics()).toContainEqual({ name: 'BatchSequenceGap', value: 1 });
  });

  it('reports no gap for a batch loaded in order, nor for one parked for a missing object', async () => {
    const { stage, metrics, processed } = await lambdaLoad({
      manifests: [B1, B2, B4].map((id) => manifest(id, '2026-11-23T04:00:00.000Z')),
      loaded: [B1],
      busy: true,
    });
    await processed.put(`quarantine/manifests/${B2}.json.reason.json`, '{}');
    await stage.handle([manifestKey(B4)]);
    expect(metrics().map((m) => m.name)).not.toContain('BatchSequenceGap');
  });

  it('refuses a batch whose counts do not reconcile, and counts the mismatch', async () => {
    const { stage, loads, metrics } = await lambdaLoad({
      manifests: [manifest(B1, '2026-11-23T04:00:00.000Z', 2)],
    });
    await expect(stage.handle([manifestKey(B1)])).rejects.toThrow(/staff/);
    expect(loads).toEqual([]);
    expect(metrics()).toContainEqual({ name: 'ReconciliationMismatch', value: 1 });
  });
});
