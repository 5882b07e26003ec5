import type { Pool } from 'pg';
import { landingKey, manifestKey, newBatchId } from '../shared/core/batch';
import {
  SOURCE_TABLE_NAMES,
  SOURCE_TABLES,
  type SourceTable,
  type SourceTableName,
} from '../shared/core/catalogue';
import { mapWithConcurrency } from '../shared/core/concurrency';
import type { LandedTable, LandingManifest } from '../shared/core/manifest';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';
import type { WatermarkStore } from '../shared/ports/watermark-store';
import { extractTable } from './extract';
import { checkSourceColumns, type LiveColumns } from './live-columns';
import { readSourceClock } from './source-clock';
import { removeUnfinishedAttempts, type RemovedAttempts } from './unfinished-attempts';
import {
  extractWindow,
  nextWatermark,
  WatermarkError,
  type ExtractWindow,
  type SourceClock,
} from './window';

export interface IngestOptions {
  readonly source: Pool;
  readonly landing: ObjectStore;
  readonly watermarks: WatermarkStore;
  readonly logger: StageLogger;
  /** Seconds re-read behind each watermark for late commits. */
  readonly overlapSeconds: number;
  /** The tables to read this run; all of them by default. */
  readonly tables?: readonly SourceTableName[];
  readonly concurrency?: number;
  /** At most this many rows per landing object (default DEFAULT_PART_ROWS in extract.ts). */
  readonly partRows?: number;
  readonly clock?: () => Date;
  /** The batch id to land under; a new one by default. Lets the caller log and record it first. */
  readonly batchId?: string;
}

export interface IngestResult {
  readonly batchId: string;
  readonly manifestKey: string;
  readonly manifest: LandingManifest;
  /** What earlier attempts that never wrote their manifest had left, removed first. */
  readonly removed: RemovedAttempts;
  /** False when a table hit its cap and rows remain for the next batch. */
  readonly caughtUp: boolean;
}

/**
 * One ingest run: every table's window to landing, then the batch manifest, then — only
 * once the manifest is safely written — the watermarks. A crash anywhere before the last
 * step leaves the watermarks where they were, so the next run reads the same rows again,
 * and first removes the table objects the crashed attempt left.
 */
export async function runIngest(options: IngestOptions): Promise<IngestResult> {
  const now = options.clock ?? (() => new Date());
  const startedAt = now();
  const tables = (options.tables ?? SOURCE_TABLE_NAMES).map((name) => SOURCE_TABLES[name]);
  const batchId = options.batchId ?? newBatchId(startedAt);
  const log = options.logger;
  const removed = await removeUnfinishedAttempts(options.landing, batchId, log);

  const control = await options.source.connect();
  let clock: SourceClock;
  let drift: LiveColumns['drift'];
  try {
    const live = await checkSourceColumns(control, tables);
    drift = live.drift;
    clock = await readSourceClock(control, log, live.precision);
  } finally {
    control.release();
  }
  // Every table's window before any is read: a refused watermark fails the run having landed
  // nothing, as a lost source column does, and the error names every table at fault.
  const windows = await windowsOf(tables, options.watermarks, clock, options.overlapSeconds);
  for (const [table, { extra }] of drift) {
    if (extra.length > 0) {
      log.warn(
        'Source table has columns the catalogue does not know: kept in landing, ignored downstream',
        {
          table,
          columns: extra,
        },
      );
    }
  }

  const landed = await mapWithConcurrency(tables, options.concurrency ?? 4, async (table) => {
    const { previous, window } = windows.get(table.name) as TableWindow;
    const client = await options.source.connect();
    try {
      const result = await extractTable(
        client,
        options.landing,
        table,
        window,
        landingKey(table.name, batchId),
        (drift.get(table.name)?.extra.length ?? 0) > 0,
        { partRows: options.partRows, partKey: (part) => landingKey(table.name, batchId, part) },
      );
      log.info('Extracted table', {
        batchId,
        table: table.name,
        rows: result.rows,
        bytes: result.bytes,
      });
      const entry: LandedTable = {
        table: table.name,
        keys: result.keys,
        rows: result.rows,
        bytes: result.bytes,
        from: window.from ?? null,
        to: window.to,
        newest: result.newest,
      };
      return { entry, watermark: nextWatermark(previous, window) };
    } finally {
      client.release();
    }
  });

  const manifest: LandingManifest = {
    kind: 'landing',
    version: 1,
    batchId,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    tables: landed.map((l) => l.entry),
  };
  const key = manifestKey(batchId);
  await options.landing.put(key, JSON.stringify(manifest, null, 2), 'application/json');
  log.info('Wrote landing manifest', { batchId, key });

  for (const { entry, watermark } of landed) {
    await options.watermarks.write(entry.table, watermark);
  }
  // TODO(merge): the cap per table per batch (issue 12) sets this.
  return { batchId, manifestKey: key, manifest, removed, caughtUp: true };
}

interface TableWindow {
  readonly previous: string | undefined;
  readonly window: ExtractWindow;
}

async function windowsOf(
  tables: readonly SourceTable[],
  watermarks: WatermarkStore,
  clock: SourceClock,
  overlapSeconds: number,
): Promise<Map<string, TableWindow>> {
  const windows = new Map<string, TableWindow>();
  const refused: WatermarkError[] = [];
  for (const table of tables) {
    const previous = await watermarks.read(table.name);
    try {
      const window = extractWindow(
        table.name,
        previous,
        clock,
        overlapSeconds,
        watermarks.locate(table.name),
      );
      windows.set(table.name, { previous, window });
    } catch (error) {
      if (!(error instanceof WatermarkError)) throw error;
      refused.push(error);
    }
  }
  const [first, ...others] = refused;
  if (first) {
    throw others.length === 0
      ? first
      : new WatermarkError(
          first.table,
          `${refused.length} watermarks are refused: ${refused.map((e) => e.message).join(' | ')}`,
        );
  }
  return windows;
}
