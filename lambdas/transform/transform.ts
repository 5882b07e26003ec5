import { batchIdFromManifestKey, manifestKey } from '../shared/core/batch';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../shared/core/catalogue';
import {
  parseLandingManifest,
  type LandedTable,
  type ProcessedManifest,
  type QuarantinedObject,
} from '../shared/core/manifest';
import { ConfigurationError } from '../shared/core/pipeline-error';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';
import { readManifestOrQuarantine } from '../shared/quarantine';
import { DerivedKeys } from './derived-keys';
import { readLandedObject, type BatchInProgress } from './landed-object';
import { BatchOutputs } from './outputs';
import { processedManifest } from './processed-manifest';
import { RowQuarantine } from './row-quarantine';
import { BatchSnapshots } from './snapshots';
import { JOINED } from './tables/specs';
import { BatchTombstones } from './tombstones';

export interface TransformOptions {
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly logger: StageLogger;
  /** The landing manifest's key, as the S3 event names it. */
  readonly manifestKey: string;
  /** A folder for Parquet files being built (Lambda: /tmp). */
  readonly workDir: string;
  readonly rowGroupRows?: number;
  readonly clock?: () => Date;
  /**
   * Transform the batch even when its processed manifest exists, rewriting its processed
   * objects (an operator's replay after fixing a quarantined object). Safe: load is idempotent.
   */
  readonly force?: boolean;
}

export interface TransformResult {
  readonly batchId: string;
  /** True when the batch was already transformed: nothing was written. */
  readonly skipped: boolean;
  readonly manifestKey: string;
  readonly manifest: ProcessedManifest | undefined;
}

/**
 * Turns one landing batch into warehouse-shaped Parquet and a processed manifest, written
 * last. A row holding a value the warehouse cannot hold is set aside, and a landing object that
 * cannot be read is quarantined, each with its reason, and the rest of the batch goes on; the
 * manifest lists what was set aside, so nothing is dropped unseen.
 */
export function runTransform(options: TransformOptions): Promise<TransformResult> {
  // The snapshots are read, merged and written back: two transforms of one processed bucket
  // must not interleave. In AWS the function's reserved concurrency of 1 ensures it; within
  // one process (the local runner, replays, tests) this queue does.
  const key = options.processed.bucket;
  const previous = transformQueue.get(key) ?? Promise.resolve();
  const run = previous.then(
    () => transformOnce(options),
    () => transformOnce(options),
  );
  const settled = run.catch(() => undefined);
  transformQueue.set(key, settled);
  void settled.then(() => {
    if (transformQueue.get(key) === settled) transformQueue.delete(key);
  });
  return run;
}

const transformQueue = new Map<string, Promise<unknown>>();

/**
 * One batch, in the order of its steps: read the landing manifest; read each landed object into
 * the streamed tables and the snapshots; build the joined and derived tables; publish the
 * Parquet files; write back the snapshots; write the processed manifest last.
 */
async function transformOnce(options: TransformOptions): Promise<TransformResult> {
  const { landing, processed, logger: log } = options;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const batchId = batchIdFromManifestKey(options.manifestKey);
  if (!batchId) {
    throw new ConfigurationError(
      `The event names ${options.manifestKey}, which is not a batch manifest key (manifests/<batchId>.json): remove the object; the transform is triggered by every .json under manifests/`,
    );
  }
  const outKey = manifestKey(batchId);
  if (!options.force && (await processed.exists(outKey))) {
    log.info('Batch already transformed: nothing to do', { batchId });
    return { batchId, skipped: true, manifestKey: outKey, manifest: undefined };
  }
  const manifest = await readManifestOrQuarantine(
    landing,
    options.manifestKey,
    parseLandingManifest,
    batchId,
    log,
  );
  const batch: BatchInProgress = {
    landing,
    batchId,
    log,
    outputs: new BatchOutputs(batchId, options.workDir, options.rowGroupRows ?? 50_000),
    snapshots: await BatchSnapshots.read(processed),
    derived: new DerivedKeys(),
    rowQuarantine: new RowQuarantine(batchId),
  };

  // Before the rows: a key deleted and back in the same batch is merged back into its snapshot.
  const tombstones = new BatchTombstones(batchId, landing, log);
  for (const entry of manifest.tables) await tombstones.read(entry, batch.snapshots);
  const sourceRows: Record<string, number> = {};
  const quarantined: QuarantinedObject[] = [];
  for (const entry of inReferenceOrder(manifest.tables)) {
    for (const key of entry.keys) {
      const outcome = await readLandedObject(batch, entry.table, key);
      if ('quarantined' in outcome) quarantined.push(outcome.quarantined);
      else sourceRows[entry.table] = (sourceRows[entry.table] ?? 0) + outcome.rows;
    }
    log.info('Read landed table', {
      batchId,
      table: entry.table,
      rows: sourceRows[entry.table] ?? 0,
    });
  }
  for (const spec of JOINED) {
    const rows = batch.snapshots.joinedRows(spec);
    if (rows.length > 0) await batch.outputs.for(spec.table).add(rows);
  }
  await batch.derived.addTo(batch.outputs);

  const tables = await batch.outputs.publish(processed);
  const deletes = await tombstones.publish(processed);
  await batch.snapshots.writeChanged(processed);
  const quarantinedRows = await batch.rowQuarantine.write(landing);
  const result = processedManifest(manifest, {
    batchId,
    startedAt,
    finishedAt: clock(),
    sourceRows,
    tables,
    quarantined,
    quarantinedRows,
    deletes,
  });
  await processed.put(outKey, JSON.stringify(result, null, 2), 'application/json');
  log.info('Wrote processed manifest', {
    batchId,
    tables: tables.length,
    quarantined: quarantined.length,
    rowsSetAside: quarantinedRows.reduce((sum, q) => sum + q.rows, 0),
  });
  return { batchId, skipped: false, manifestKey: outKey, manifest: result };
}

/**
 * The landed tables in foreign-key order, whatever the manifest's: a batch's departments and
 * addresses are then in their snapshots before its staff and counterparty rows are checked
 * against them, and every row a table refers to has been judged before it, so a row referring
 * to one set aside is set aside with it.
 */
function inReferenceOrder(tables: readonly LandedTable[]): LandedTable[] {
  const rank = (table: SourceTableName) => SOURCE_TABLE_NAMES.indexOf(table);
  return [...tables].sort((a, b) => rank(a.table) - rank(b.table));
}
