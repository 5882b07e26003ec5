import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../lambdas/shared/adapters/database-pool';
import { FileWatermarkStore } from '../lambdas/shared/adapters/file-watermark-store';
import {
  createS3Client,
  S3ObjectStore,
  type S3Endpoint,
} from '../lambdas/shared/adapters/s3-object-store';
import { LOCAL_BUDGET_MS, sessionBounds } from '../lambdas/shared/adapters/session-bounds';
import type { ObjectStore } from '../lambdas/shared/ports/object-store';
import type { WatermarkStore } from '../lambdas/shared/ports/watermark-store';
import type { DeletesStateStore } from '../lambdas/shared/ports/deletes-state-store';
import { LOCAL_BUCKETS } from './local-stack';

/** The adapters a local run wires to the stages: the same ones Lambda uses, but for SSM. */
export interface PipelineContext {
  readonly source: Pool;
  readonly warehouse: Pool;
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly watermarks: WatermarkStore;
  /** The deletes reconciliation's state, in the state folder beside the watermarks. */
  readonly deletesState: DeletesStateStore;
  close(): Promise<void>;
}

export interface PipelineSettings {
  readonly sourceUrl: string;
  readonly warehouseUrl: string;
  readonly stateDir: string;
  readonly s3: S3Endpoint;
  readonly buckets?: { landing: string; processed: string };
}

/** The state folder's watermark store, also what `deliverance pause` and `resync` change. */
export function localWatermarkStore(stateDir: string): FileWatermarkStore {
  return new FileWatermarkStore(join(stateDir, 'watermarks.json'));
}

export function openPipeline(settings: PipelineSettings): PipelineContext {
  const s3 = createS3Client(settings.s3);
  const buckets = settings.buckets ?? LOCAL_BUCKETS;
  const watermarks = localWatermarkStore(settings.stateDir);
  const source = createPool(
    { connectionString: settings.sourceUrl, ...sessionBounds('ingest', LOCAL_BUDGET_MS) },
    6,
    'source',
  );
  const warehouse = createPool(
    { connectionString: settings.warehouseUrl, ...sessionBounds('load', LOCAL_BUDGET_MS) },
    4,
    'warehouse',
  );
  return {
    source,
    warehouse,
    landing: new S3ObjectStore(s3, buckets.landing),
    processed: new S3ObjectStore(s3, buckets.processed),
    watermarks,
    deletesState: watermarks,
    async close() {
      await Promise.all([source.end(), warehouse.end()]);
      s3.destroy();
    },
  };
}
