import { readWatermark } from '../../lambdas/ingest/window';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { canonicalTimestamp } from '../../lambdas/shared/core/value-codecs';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import { localWatermarkStore } from '../../local/pipeline-context';
import type { OperatedWatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { withStateFolder } from '../environment';
import { readSettings, UsageError } from '../settings';
import { tableOption, tableReport } from './pause';
import { loadModule } from '../load-module';
import type * as DeployedStackModule from '../remote/deployed-stack';

export interface ResyncOptions {
  readonly env: string | undefined;
  readonly table?: string;
  readonly from?: string;
  readonly json?: boolean;
}

/** No ingest runs longer: a record still `running` after this died without a word. */
const LONGEST_RUN_MS = 15 * 60_000;

/** `--from` in the landed form; a whole second without a fraction is accepted too. */
function fromOption(from: string): string {
  const canonical =
    canonicalTimestamp(from) ??
    (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(from)
      ? canonicalTimestamp(from.replace('Z', '.000000Z'))
      : undefined);
  if (!canonical) {
    throw new UsageError(
      `resync --from must be a UTC timestamp such as 2026-11-23T04:30:00Z, not ${JSON.stringify(from)}`,
    );
  }
  return canonical;
}

/**
 * `deliverance resync --table T [--from TIMESTAMP] [--env NAME]`: sets a paused table's
 * watermark back (or forgets it, to re-read the whole table), so that once resumed, ingest
 * re-reads the table from there. Nothing else changes: the other tables keep their watermarks,
 * and the warehouse takes the re-read rows as it takes the overlap's — dimensions upsert only
 * where newer and different, fact versions are keyed by (id, last_updated).
 */
export async function resyncCommand(options: ResyncOptions): Promise<number> {
  const table = tableOption('resync', options.table);
  const from = options.from === undefined ? undefined : fromOption(options.from);
  const env = options.env;
  if (env === undefined) {
    const { stateDir } = readSettings();
    return withStateFolder(stateDir, 'resync', () =>
      resync(localWatermarkStore(stateDir), undefined, '', table, from, options),
    );
  }
  const { openDeployedStack } = loadModule<typeof DeployedStackModule>(
    __filename,
    '../remote/deployed-stack',
  );
  const stack = await openDeployedStack(env);
  try {
    return await resync(stack.watermarks, stack.landing, ` --env ${env}`, table, from, options);
  } finally {
    stack.close();
  }
}

/** The resync itself; `landing` (deployed only) holds the run log of a still running ingest. */
async function resync(
  store: OperatedWatermarkStore,
  landing: ObjectStore | undefined,
  where: string,
  table: string,
  from: string | undefined,
  options: ResyncOptions,
): Promise<number> {
  if (!(await store.paused()).includes(table)) {
    throw new Error(
      `Pause ${table} first (deliverance pause --table ${table}${where}): no ingest may move its watermark while resync sets it back; resume it afterwards`,
    );
  }
  if (landing) await refuseWhileIngestRuns(landing, table, where);
  const stored = await store.read(table);
  const mark = stored === undefined ? undefined : readWatermark(stored);
  const position = mark?.kind === 'complete' ? mark.through : mark?.after.lastUpdated;
  if (from !== undefined && position !== undefined && from > position) {
    throw new UsageError(
      `resync --from ${from} is later than where ${table} has been read (${position}): resync only re-reads, it never skips rows`,
    );
  }
  if (from === undefined) await store.remove(table);
  else await store.write(table, from);
  tableReport(
    options,
    `${table}: watermark ${stored ?? '(none)'} → ${from ?? '(none: the whole table)'}. ` +
      `Resume it (deliverance resume --table ${table}${where}) and ingest re-reads it from there, batch by batch; ` +
      `deliverance status${where} shows its progress`,
    { table, from: stored ?? null, to: from ?? null },
  );
  return 0;
}

/**
 * An ingest that started before the pause may still be running: it would write the watermark
 * it read over the one set here. Its run record says so.
 */
async function refuseWhileIngestRuns(
  landing: ObjectStore,
  table: string,
  where: string,
): Promise<void> {
  const log = new ObjectStoreRunLog(landing);
  const now = new Date();
  const [newest] = await log.recentBatchIds(1, now, 2);
  const record = newest === undefined ? undefined : await log.read(newest, 'ingest');
  if (
    record?.state === 'running' &&
    now.getTime() - Date.parse(record.startedAt) < LONGEST_RUN_MS
  ) {
    throw new Error(
      `An ingest run (batch ${record.batchId}, started ${record.startedAt}) is still running and could move the watermark of ${table} after this: run the resync again once it has finished (deliverance status${where})`,
    );
  }
}
